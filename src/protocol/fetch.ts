/**
 * Fetch (key 1): a consumer (or a follower) reads record batches from the partitions
 * a broker leads, from an offset on, waiting up to `maxWaitMs` for `minBytes`. The
 * response carries each partition's high watermark, last stable offset and log start
 * offset, the aborted transactions of the range (for read_committed consumers), and
 * the stored record batches as they are, back to back.
 *
 * Version notes: Kafka 4.x accepts v4-v18 (KIP-896 removed v0-v3); v7 adds fetch
 * sessions (a broker may always answer session id 0: no session, full requests),
 * v12 is flexible and adds the diverging epoch / current leader tags, v13 names
 * topics by id, v15 moves the replica id into a tagged `ReplicaState`, v16 adds
 * `NodeEndpoints` (KIP-951), v17 a follower's directory id, v18 a follower's high
 * watermark (KIP-1166).
 *
 * The request side lives in `fetch_request.ts`, the response side in
 * `fetch_response.ts`; this file joins them into the API.
 *
 * @module
 */

import type { ServerApi } from "./api.ts";
import {
  decodeFetchRequest,
  encodeFetchRequest,
  FETCH_FLEXIBLE,
  type FetchRequest,
  fetchVersions,
} from "./fetch_request.ts";
import { decodeFetchResponse, encodeFetchResponse, type FetchResponse } from "./fetch_response.ts";

export type {
  FetchForgottenTopic,
  FetchRequest,
  FetchRequestPartition,
  FetchRequestTopic,
} from "./fetch_request.ts";
export type {
  FetchAbortedTransaction,
  FetchEpochEndOffset,
  FetchLeaderIdAndEpoch,
  FetchNodeEndpoint,
  FetchResponse,
  FetchResponsePartition,
  FetchResponseTopic,
} from "./fetch_response.ts";

/**
 * The Fetch API, v4-v18, flexible from v12, topic ids instead of names from v13.
 * Decoded records are a view of the response frame: the batches as the broker stored
 * them, possibly starting before the offset asked and ending with a partial batch.
 *
 * @example Asking for one partition from offset 0 at v12
 * ```ts
 * import { fetchApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * fetchApi.encode(w, 12, {
 *   maxWaitMs: 500,
 *   minBytes: 1,
 *   topics: [{ topic: "events", partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1048576 }] }],
 * });
 * console.log(w.length); // 71
 * ```
 */
export const fetchApi: ServerApi<FetchRequest, FetchResponse> = {
  ...fetchVersions,
  flexibleFrom: FETCH_FLEXIBLE,
  encode: encodeFetchRequest,
  decode: decodeFetchResponse,
  decodeRequest: decodeFetchRequest,
  encodeResponse: encodeFetchResponse,
};
