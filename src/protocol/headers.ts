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
