/**
 * EndTxn (key 26): commits or aborts a transaction at its coordinator.
 *
 * Version notes: v5 belongs to transaction version 2 (KIP-890 part 2): the
 * coordinator bumps the epoch at every transaction end and returns the producer id
 * and epoch to use next. Java's client sends v5 only when the cluster's finalized
 * `transaction.version` feature is 2 or more, and at most v4 otherwise.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import { endStruct, readString, writeString } from "./flexible.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** An EndTxn request. */
export interface EndTxnRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The producer id. */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
  /** True to commit, false to abort. */
  committed: boolean;
}

/** An EndTxn response. */
export interface EndTxnResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The error code, or NONE. */
  errorCode: number;
  /** The producer id to use next (v5+); -1 before. */
  producerId: bigint;
  /** The producer epoch to use next (v5+); -1 before. */
  producerEpoch: number;
}

/*
 * EndTxnRequest, validVersions 0-5 (0-4 in Kafka 3.9), flexibleVersions 3+:
 *   TransactionalId  string  0+
 *   ProducerId       int64   0+
 *   ProducerEpoch    int16   0+
 *   Committed        bool    0+
 *
 * EndTxnResponse, validVersions 0-5, flexibleVersions 3+:
 *   ThrottleTimeMs   int32   0+
 *   ErrorCode        int16   0+
 *   ProducerId       int64   5+  default -1
 *   ProducerEpoch    int16   5+  default -1
 *
 * v2 adds PRODUCER_FENCED, v4 TRANSACTION_ABORTABLE as possible errors.
 */

const FLEXIBLE = 3;

function encodeEndTxn(w: Writer, version: number, request: EndTxnRequest): void {
  assertVersion(endTxnApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  writeString(w, flexible, request.transactionalId);
  w.int64(request.producerId).int16(request.producerEpoch).boolean(request.committed);
  endStruct(w, flexible);
}

function decodeEndTxn(r: Reader, version: number): EndTxnResponse {
  assertVersion(endTxnApi, version, "decode");
  const response = {
    throttleTimeMs: r.int32(),
    errorCode: r.int16(),
    producerId: version >= 5 ? r.int64() : -1n,
    producerEpoch: version >= 5 ? r.int16() : -1,
  };
  if (version >= FLEXIBLE) r.skipTags();
  return response;
}

function decodeEndTxnRequest(r: Reader, version: number): EndTxnRequest {
  assertVersion(endTxnApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const request = {
    transactionalId: readString(r, flexible, "transactional id"),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    committed: r.boolean(),
  };
  if (flexible) r.skipTags();
  return request;
}

function encodeEndTxnResponse(w: Writer, version: number, response: EndTxnResponse): void {
  assertVersion(endTxnApi, version, "encode");
  w.int32(response.throttleTimeMs).int16(response.errorCode);
  if (version >= 5) w.int64(response.producerId).int16(response.producerEpoch);
  if (version >= FLEXIBLE) w.tags();
}

/**
 * The EndTxn API, v0-v5, flexible from v3.
 *
 * @example Committing at v3
 * ```ts
 * import { endTxnApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * endTxnApi.encode(w, 3, {
 *   transactionalId: "tx",
 *   producerId: 42n,
 *   producerEpoch: 0,
 *   committed: true,
 * });
 * console.log(w.length); // 15
 * ```
 */
export const endTxnApi: ServerApi<EndTxnRequest, EndTxnResponse> = {
  key: ApiKey.EndTxn,
  name: "EndTxn",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: FLEXIBLE,
  encode: encodeEndTxn,
  decode: decodeEndTxn,
  decodeRequest: decodeEndTxnRequest,
  encodeResponse: encodeEndTxnResponse,
};
