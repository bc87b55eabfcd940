/**
 * SaslAuthenticate (key 36): carries one SASL token each way, as many round trips
 * as the mechanism takes (PLAIN one, SCRAM two).
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** A SaslAuthenticate request. */
export interface SaslAuthenticateRequest {
  /** The client's SASL token. */
  authBytes: Uint8Array;
}

/** A SaslAuthenticate response. */
export interface SaslAuthenticateResponse {
  /** The error code (SASL_AUTHENTICATION_FAILED, ILLEGAL_SASL_STATE), or NONE. */
  errorCode: number;
  /** The broker's explanation of an error, or null. */
  errorMessage: string | null;
  /** The broker's SASL token. */
  authBytes: Uint8Array;
  /** How long the session lasts before it must re-authenticate (v1+; 0: no limit). */
  sessionLifetimeMs: bigint;
}

/*
 * SaslAuthenticateRequest, validVersions 0-2, flexibleVersions 2+:
 *   AuthBytes          bytes   0+
 *
 * SaslAuthenticateResponse, validVersions 0-2, flexibleVersions 2+:
 *   ErrorCode          int16   0+
 *   ErrorMessage       string  0+  nullable
 *   AuthBytes          bytes   0+
 *   SessionLifetimeMs  int64   1+  default 0
 */

const FLEXIBLE = 2;
const EMPTY = new Uint8Array(0);

function encodeSaslAuthenticate(
  w: Writer,
  version: number,
  request: SaslAuthenticateRequest,
): void {
  assertVersion(saslAuthenticateApi, version, "encode");
  if (version >= FLEXIBLE) w.compactBytes(request.authBytes).tags();
  else w.bytes32(request.authBytes);
}

function decodeSaslAuthenticate(r: Reader, version: number): SaslAuthenticateResponse {
  assertVersion(saslAuthenticateApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const errorCode = r.int16();
  const errorMessage = flexible ? r.compactString() : r.string();
  const authBytes = (flexible ? r.compactBytes() : r.bytes32()) ?? EMPTY;
  const sessionLifetimeMs = version >= 1 ? r.int64() : 0n;
  if (flexible) r.skipTags();
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
}

function decodeSaslAuthenticateRequest(r: Reader, version: number): SaslAuthenticateRequest {
  assertVersion(saslAuthenticateApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const authBytes = (flexible ? r.compactBytes() : r.bytes32()) ?? EMPTY;
  if (flexible) r.skipTags();
  return { authBytes };
}

function encodeSaslAuthenticateResponse(
  w: Writer,
  version: number,
  response: SaslAuthenticateResponse,
): void {
  assertVersion(saslAuthenticateApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  w.int16(response.errorCode);
  if (flexible) w.compactString(response.errorMessage).compactBytes(response.authBytes);
  else w.string(response.errorMessage).bytes32(response.authBytes);
  if (version >= 1) w.int64(response.sessionLifetimeMs);
  if (flexible) w.tags();
}

/**
 * The SaslAuthenticate API, v0-v2, flexible from v2.
 *
 * @example Sending a PLAIN token at v2
 * ```ts
 * import { saslAuthenticateApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * saslAuthenticateApi.encode(w, 2, { authBytes: new TextEncoder().encode("\0alice\0secret") });
 * console.log(w.length); // 15
 * ```
 */
export const saslAuthenticateApi: ServerApi<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  key: ApiKey.SaslAuthenticate,
  name: "SaslAuthenticate",
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: FLEXIBLE,
  encode: encodeSaslAuthenticate,
  decode: decodeSaslAuthenticate,
  decodeRequest: decodeSaslAuthenticateRequest,
  encodeResponse: encodeSaslAuthenticateResponse,
};
