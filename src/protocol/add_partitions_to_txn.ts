/**
 * AddPartitionsToTxn (key 24): tells the transaction coordinator which partitions a
 * transaction is about to write to, before the first Produce to each.
 *
 * Version notes: Kafka's definition says versions 3 and below are for clients and
 * 4 and above (a batched form with several transactions and `VerifyOnly`) for
 * brokers; Java's client sends at most v3, and so does this one. With transaction
 * version 2 (KIP-890 part 2, Produce v12+ in a transaction) the client does not send
 * this request at all: Produce adds the partition implicitly.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import {
  endStruct,
  readString,
  readTopics,
  skipStructEnd,
  writeString,
  writeTopics,
} from "./flexible.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** The partitions of one topic to add. */
export interface AddPartitionsToTxnTopic {
  /** The topic name. */
  name: string;
  /** The partition indexes. */
  partitions: readonly number[];
}

/**
 * An AddPartitionsToTxn request, client form (Kafka's `V3AndBelowTransactionalId`,
 * `V3AndBelowProducerId`, `V3AndBelowProducerEpoch`, `V3AndBelowTopics`).
 */
export interface AddPartitionsToTxnRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The producer id. */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
  /** The partitions to add. */
  topics: readonly AddPartitionsToTxnTopic[];
}

/** The result for one partition. */
export interface AddPartitionsToTxnPartitionResult {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or NONE. */
  partitionErrorCode: number;
}

/** The results for one topic. */
export interface AddPartitionsToTxnTopicResult {
  /** The topic name. */
  name: string;
  /** The results per partition. */
  resultsByPartition: AddPartitionsToTxnPartitionResult[];
}

/** An AddPartitionsToTxn response, client form. */
export interface AddPartitionsToTxnResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The results per topic (Kafka's `ResultsByTopicV3AndBelow`). */
  resultsByTopic: AddPartitionsToTxnTopicResult[];
}

/*
 * AddPartitionsToTxnRequest, validVersions 0-5 (clients: 0-3), flexibleVersions 3+:
 *   Transactions               []AddPartitionsToTxnTransaction  4+  (broker-only batched form)
 *   V3AndBelowTransactionalId  string  0-3
 *   V3AndBelowProducerId       int64   0-3
 *   V3AndBelowProducerEpoch    int16   0-3
 *   V3AndBelowTopics           []AddPartitionsToTxnTopic  0-3
 *     Name                     string  0+
 *     Partitions               []int32 0+
 *
 * AddPartitionsToTxnResponse, validVersions 0-5 (clients: 0-3), flexibleVersions 3+:
 *   ThrottleTimeMs             int32   0+
 *   ErrorCode                  int16   4+
 *   ResultsByTransaction       []      4+
 *   ResultsByTopicV3AndBelow   []AddPartitionsToTxnTopicResult  0-3
 *     Name                     string  0+
 *     ResultsByPartition       []AddPartitionsToTxnPartitionResult  0+
 *       PartitionIndex         int32   0+
 *       PartitionErrorCode     int16   0+
 *
 * v2 adds PRODUCER_FENCED as a possible error.
 */

const FLEXIBLE = 3;

function encodeAddPartitionsToTxn(
  w: Writer,
  version: number,
  request: AddPartitionsToTxnRequest,
): void {
  assertVersion(addPartitionsToTxnApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  writeString(w, flexible, request.transactionalId);
  w.int64(request.producerId).int16(request.producerEpoch);
  writeTopics(w, flexible, request.topics, (t) => [t.name, t.partitions], (w, p) => w.int32(p));
  endStruct(w, flexible);
}

function decodeAddPartitionsToTxn(r: Reader, version: number): AddPartitionsToTxnResponse {
  assertVersion(addPartitionsToTxnApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const readPartition = (r: Reader): AddPartitionsToTxnPartitionResult => {
    const result = { partitionIndex: r.int32(), partitionErrorCode: r.int16() };
    skipStructEnd(r, flexible);
    return result;
  };
  const response = {
    throttleTimeMs: r.int32(),
    resultsByTopic: readTopics(
      r,
      flexible,
      readPartition,
      (name, resultsByPartition) => ({ name, resultsByPartition }),
    ),
  };
  skipStructEnd(r, flexible);
  return response;
}

function decodeAddPartitionsToTxnRequest(r: Reader, version: number): AddPartitionsToTxnRequest {
  assertVersion(addPartitionsToTxnApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const request = {
    transactionalId: readString(r, flexible, "transactional id"),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    topics: readTopics(r, flexible, (r) => r.int32(), (name, partitions) => ({ name, partitions })),
  };
  skipStructEnd(r, flexible);
  return request;
}

function encodeAddPartitionsToTxnResponse(
  w: Writer,
  version: number,
  response: AddPartitionsToTxnResponse,
): void {
  assertVersion(addPartitionsToTxnApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  w.int32(response.throttleTimeMs);
  const fields = (t: AddPartitionsToTxnTopicResult) => [t.name, t.resultsByPartition] as const;
  writeTopics(w, flexible, response.resultsByTopic, fields, (w, p) => {
    w.int32(p.partitionIndex).int16(p.partitionErrorCode);
    endStruct(w, flexible);
  });
  endStruct(w, flexible);
}

/**
 * The AddPartitionsToTxn API, client versions v0-v3, flexible from v3.
 *
 * @example Adding one partition at v3
 * ```ts
 * import { addPartitionsToTxnApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * addPartitionsToTxnApi.encode(w, 3, {
 *   transactionalId: "tx",
 *   producerId: 42n,
 *   producerEpoch: 0,
 *   topics: [{ name: "events", partitions: [0] }],
 * });
 * console.log(w.length); // 28
 * ```
 */
export const addPartitionsToTxnApi: ServerApi<
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse
> = {
  key: ApiKey.AddPartitionsToTxn,
  name: "AddPartitionsToTxn",
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: FLEXIBLE,
  encode: encodeAddPartitionsToTxn,
  decode: decodeAddPartitionsToTxn,
  decodeRequest: decodeAddPartitionsToTxnRequest,
  encodeResponse: encodeAddPartitionsToTxnResponse,
};
