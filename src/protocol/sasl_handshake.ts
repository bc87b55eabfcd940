/**
 * SaslHandshake (key 17): names the SASL mechanism a connection will authenticate
 * with, and learns the ones the broker's listener enables.
 *
 * Version notes: v0 and v1 have the same body; v0 means the SASL tokens that follow
 * travel as bare size-prefixed frames, not as SaslAuthenticate requests. The client
 * speaks only v1 (Kafka 1.0+), as Java does; the test broker serves both, as Kafka does.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** A SaslHandshake request. */
export interface SaslHandshakeRequest {
  /** The SASL mechanism, e.g. `PLAIN` or `SCRAM-SHA-256`. */
  mechanism: string;
}

/** A SaslHandshake response. */
export interface SaslHandshakeResponse {
  /** The error code (UNSUPPORTED_SASL_MECHANISM, ILLEGAL_SASL_STATE), or NONE. */
  errorCode: number;
  /** The mechanisms the listener enables. */
  mechanisms: string[];
}

/*
 * SaslHandshakeRequest, validVersions 0-1, flexibleVersions none:
 *   Mechanism   string    0+
 *
 * SaslHandshakeResponse, validVersions 0-1, flexibleVersions none:
 *   ErrorCode   int16     0+
 *   Mechanisms  []string  0+
 */

function encodeSaslHandshake(w: Writer, version: number, request: SaslHandshakeRequest): void {
  assertVersion(saslHandshakeApi, version, "encode");
  w.string(request.mechanism);
}

function decodeSaslHandshake(r: Reader, version: number): SaslHandshakeResponse {
  assertVersion(saslHandshakeApi, version, "decode");
  return {
    errorCode: r.int16(),
    mechanisms: r.requiredArray((item) => item.requiredString("mechanism")),
  };
}

function decodeSaslHandshakeRequest(r: Reader, version: number): SaslHandshakeRequest {
  assertVersion(saslHandshakeApi, version, "decode");
  return { mechanism: r.requiredString("mechanism") };
}

function encodeSaslHandshakeResponse(
  w: Writer,
  version: number,
  response: SaslHandshakeResponse,
): void {
  assertVersion(saslHandshakeApi, version, "encode");
  w.int16(response.errorCode).array(response.mechanisms, (w, m) => w.string(m));
}

/**
 * The SaslHandshake API, v0-v1 (never flexible).
 *
 * @example Asking for SCRAM-SHA-256
 * ```ts
 * import { saslHandshakeApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * saslHandshakeApi.encode(w, 1, { mechanism: "SCRAM-SHA-256" });
 * console.log(w.length); // 15
 * ```
 */
export const saslHandshakeApi: ServerApi<SaslHandshakeRequest, SaslHandshakeResponse> = {
  key: ApiKey.SaslHandshake,
  name: "SaslHandshake",
  minVersion: 0,
  maxVersion: 1,
  flexibleFrom: Infinity,
  encode: encodeSaslHandshake,
  decode: decodeSaslHandshake,
  decodeRequest: decodeSaslHandshakeRequest,
  encodeResponse: encodeSaslHandshakeResponse,
};
