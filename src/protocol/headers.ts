/**
 * Request and response headers. Requests use header v1 (api key, version,
 * correlation id, nullable client id) or, for flexible versions, v2 (v1 plus a
 * tagged-field section). Responses use header v0 (correlation id) or v1 (plus tagged
 * fields) for flexible versions, except ApiVersions, whose response header is always
 * v0 so a client can read it before knowing what the broker speaks.
 *
 * @module
 */

import { ApiKey } from "./api.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * Writes a request header.
 *
 * @param w The writer.
 * @param apiKey The API key.
 * @param apiVersion The API version.
 * @param correlationId The id the broker echoes back.
 * @param clientId The client id, or null.
 * @param flexible Whether `apiVersion` is a flexible version of that API (header v2).
 */
export function writeRequestHeader(
  w: Writer,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  flexible: boolean,
): void {
  w.int16(apiKey).int16(apiVersion).int32(correlationId).string(clientId);
  if (flexible) w.tags();
}

/**
 * Whether a response uses header v1 (with tagged fields).
 *
 * @param apiKey The API key.
 * @param flexible Whether the request's version was flexible.
 * @returns True for header v1.
 */
export function responseHeaderIsFlexible(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== ApiKey.ApiVersions;
}

/**
 * Reads a response header.
 *
 * @param r The reader, at the start of the frame body.
 * @param flexible Whether the header is v1 (see {@link responseHeaderIsFlexible}).
 * @returns The correlation id.
 */
export function readResponseHeader(r: Reader, flexible: boolean): number {
  const correlationId = r.int32();
  if (flexible) r.skipTags();
  return correlationId;
}

/** A request header as a broker reads it. */
export interface RequestHeader {
  /** The API key. */
  apiKey: number;
  /** The API version. */
  apiVersion: number;
  /** The id the response must echo. */
  correlationId: number;
  /** The client id, or null. */
  clientId: string | null;
}

/**
 * Reads a request header, as a broker does: header v1 (key, version, correlation id,
 * nullable client id), plus a tagged-field section (header v2) when `isFlexible`
 * says the API version is flexible. The client id keeps its int16 length in both.
 *
 * @param r The reader, at the start of the frame body.
 * @param isFlexible Whether an API version uses flexible encoding; called once the
 * key and version are read.
 * @returns The header.
 * @throws {KafkaProtocolError} If the header is truncated or malformed.
 *
 * @example Reading back a header written by a client
 * ```ts
 * import { Reader, readRequestHeader, Writer, writeRequestHeader } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * writeRequestHeader(w, 18, 3, 7, "app", true);
 * const header = readRequestHeader(new Reader(w.bytes()), () => true);
 * console.log(header); // { apiKey: 18, apiVersion: 3, correlationId: 7, clientId: "app" }
 * ```
 */
export function readRequestHeader(
  r: Reader,
  isFlexible: (apiKey: number, apiVersion: number) => boolean,
): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.string();
  if (isFlexible(apiKey, apiVersion)) r.skipTags();
  return { apiKey, apiVersion, correlationId, clientId };
}

/**
 * Writes a response header, as a broker does: v0 (the correlation id) or, when
 * `flexible` (see {@link responseHeaderIsFlexible}), v1 with an empty tagged-field
 * section.
 *
 * @param w The writer.
 * @param correlationId The request's correlation id.
 * @param flexible Whether the header is v1.
 *
 * @example A flexible response header
 * ```ts
 * import { Writer, writeResponseHeader } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * writeResponseHeader(w, 7, true);
 * console.log(w.bytes()); // Uint8Array(5) [ 0, 0, 0, 7, 0 ]
 * ```
 */
export function writeResponseHeader(w: Writer, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (flexible) w.tags();
}
