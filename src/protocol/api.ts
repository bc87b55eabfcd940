/**
 * What every Kafka API file exports: its key, the versions it speaks, the first
 * flexible version, and codecs that take the version, so one definition serves
 * every version (`version >= N` guards inside): the client's request encoder and
 * response decoder, and, for the test broker, the request decoder and response
 * encoder, written beside them from the same field list.
 *
 * @module
 */

import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** The API keys this package speaks, from Kafka's protocol guide. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  FindCoordinator: 10,
  SaslHandshake: 17,
  ApiVersions: 18,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  EndTxn: 26,
  SaslAuthenticate: 36,
} as const;

/**
 * One Kafka API: the versions this client can encode and decode, and the codecs.
 *
 * @typeParam Req The request body.
 * @typeParam Res The decoded response body.
 */
export interface Api<Req, Res> {
  /** The API key. */
  readonly key: number;
  /** A readable name, for error messages. */
  readonly name: string;
  /** The oldest version this client speaks. */
  readonly minVersion: number;
  /** The newest version this client speaks. */
  readonly maxVersion: number;
  /** The first version using flexible encoding (compact forms, tagged fields); Infinity if none. */
  readonly flexibleFrom: number;
  /** Writes the request body (not the header) for `version`. */
  encode(w: Writer, version: number, request: Req): void;
  /** Reads the response body (not the header) for `version`. */
  decode(r: Reader, version: number): Res;
}

/**
 * One Kafka API with both directions: the client's codecs of {@link Api}, and the
 * broker's, which read a request body and write a response body at a version.
 *
 * @typeParam Req The request body.
 * @typeParam Res The response body.
 */
export interface ServerApi<Req, Res> extends Api<Req, Res> {
  /** Reads the request body (not the header) for `version`, as a broker does. */
  decodeRequest(r: Reader, version: number): Req;
  /** Writes the response body (not the header) for `version`, as a broker does. */
  encodeResponse(w: Writer, version: number, response: Res): void;
}
