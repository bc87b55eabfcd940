/**
 * OffsetForLeaderEpoch (key 23): where a leader epoch ended in a partition's log, so
 * a consumer (KIP-320) or a follower can tell whether the log it read was truncated
 * under it: the answer is the largest epoch at or below the one asked, and the offset
 * where the next epoch began (the log end for the current epoch).
 *
 * Version notes: Kafka 4.x accepts v2-v4 (KIP-896 removed v0-v1); v3 adds the
 * replica id (-1 from a consumer, -2 for debugging), v4 is flexible.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import { endStruct, readTopics, skipStructEnd, writeTopics } from "./flexible.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** One partition to look up. */
export interface OffsetForLeaderEpochRequestPartition {
  /** The partition index. */
  partition: number;
  /** The leader epoch the client knows, checked by the leader; -1 to skip. */
  currentLeaderEpoch: number;
  /** The epoch whose end offset is asked. */
  leaderEpoch: number;
}

/** The partitions of one topic. */
export interface OffsetForLeaderEpochRequestTopic {
  /** The topic name. */
  topic: string;
  /** The partitions. */
  partitions: readonly OffsetForLeaderEpochRequestPartition[];
}

/** An OffsetForLeaderEpoch request. */
export interface OffsetForLeaderEpochRequest {
  /**
   * The follower's broker id (v3+): -1 from a consumer.
   *
   * @default {-1}
   */
  replicaId?: number;
  /** The topics. */
  topics: readonly OffsetForLeaderEpochRequestTopic[];
}

/** The result for one partition. */
export interface OffsetForLeaderEpochResponsePartition {
  /** The error code, or 0. */
  errorCode: number;
  /** The partition index. */
  partition: number;
  /** The largest epoch at or below the one asked, or -1. */
  leaderEpoch: number;
  /** The offset where that epoch ended, or -1. */
  endOffset: bigint;
}

/** The results for one topic. */
export interface OffsetForLeaderEpochResponseTopic {
  /** The topic name. */
  topic: string;
  /** The partitions' results. */
  partitions: OffsetForLeaderEpochResponsePartition[];
}

/** An OffsetForLeaderEpoch response. */
export interface OffsetForLeaderEpochResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The results per topic. */
  topics: OffsetForLeaderEpochResponseTopic[];
}

/*
 * OffsetForLeaderEpochRequest, validVersions 2-4 (Kafka 4.x), flexibleVersions 4+:
 *   ReplicaId              int32   3+   default -2
 *   Topics                 []OffsetForLeaderTopic  0+
 *     Topic                string  0+
 *     Partitions           []OffsetForLeaderPartition  0+
 *       Partition          int32   0+
 *       CurrentLeaderEpoch int32   2+   default -1
 *       LeaderEpoch        int32   0+
 *
 * OffsetForLeaderEpochResponse, validVersions 2-4, flexibleVersions 4+:
 *   ThrottleTimeMs         int32   2+
 *   Topics                 []OffsetForLeaderTopicResult  0+
 *     Topic                string  0+
 *     Partitions           []EpochEndOffset  0+
 *       ErrorCode          int16   0+
 *       Partition          int32   0+
 *       LeaderEpoch        int32   1+   default -1
 *       EndOffset          int64   0+   default -1
 */

const FLEXIBLE = 4;

/** A topic with this API's field names. */
function byTopic<P>(topic: string, partitions: P[]): { topic: string; partitions: P[] } {
  return { topic, partitions };
}

function encodeOffsetForLeaderEpoch(
  w: Writer,
  version: number,
  request: OffsetForLeaderEpochRequest,
): void {
  assertVersion(offsetForLeaderEpochApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  if (version >= 3) w.int32(request.replicaId ?? -1);
  writeTopics(w, flexible, request.topics, (t) => [t.topic, t.partitions], (w, p) => {
    w.int32(p.partition).int32(p.currentLeaderEpoch).int32(p.leaderEpoch);
    endStruct(w, flexible);
  });
  endStruct(w, flexible);
}

function decodeOffsetForLeaderEpochRequest(
  r: Reader,
  version: number,
): OffsetForLeaderEpochRequest {
  assertVersion(offsetForLeaderEpochApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const readPartition = (r: Reader): OffsetForLeaderEpochRequestPartition => {
    const p = { partition: r.int32(), currentLeaderEpoch: r.int32(), leaderEpoch: r.int32() };
    skipStructEnd(r, flexible);
    return p;
  };
  const request = {
    // A v2 request has no replica id: it comes from a consumer.
    replicaId: version >= 3 ? r.int32() : -1,
    topics: readTopics(r, flexible, readPartition, byTopic, "topic"),
  };
  skipStructEnd(r, flexible);
  return request;
}

function encodeOffsetForLeaderEpochResponse(
  w: Writer,
  version: number,
  response: OffsetForLeaderEpochResponse,
): void {
  assertVersion(offsetForLeaderEpochApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  w.int32(response.throttleTimeMs);
  writeTopics(w, flexible, response.topics, (t) => [t.topic, t.partitions], (w, p) => {
    w.int16(p.errorCode).int32(p.partition).int32(p.leaderEpoch).int64(p.endOffset);
    endStruct(w, flexible);
  });
  endStruct(w, flexible);
}

function decodeOffsetForLeaderEpoch(r: Reader, version: number): OffsetForLeaderEpochResponse {
  assertVersion(offsetForLeaderEpochApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const readPartition = (r: Reader): OffsetForLeaderEpochResponsePartition => {
    const p = {
      errorCode: r.int16(),
      partition: r.int32(),
      leaderEpoch: r.int32(),
      endOffset: r.int64(),
    };
    skipStructEnd(r, flexible);
    return p;
  };
  const response = {
    throttleTimeMs: r.int32(),
    topics: readTopics(r, flexible, readPartition, byTopic, "topic"),
  };
  skipStructEnd(r, flexible);
  return response;
}

/**
 * The OffsetForLeaderEpoch API, v2-v4, flexible from v4.
 *
 * @example Asking where epoch 3 ended at v4
 * ```ts
 * import { offsetForLeaderEpochApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * offsetForLeaderEpochApi.encode(w, 4, {
 *   topics: [{ topic: "events", partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 3 }] }],
 * });
 * console.log(w.length); // 28
 * ```
 */
export const offsetForLeaderEpochApi: ServerApi<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse
> = {
  key: ApiKey.OffsetForLeaderEpoch,
  name: "OffsetForLeaderEpoch",
  minVersion: 2,
  maxVersion: 4,
  flexibleFrom: FLEXIBLE,
  encode: encodeOffsetForLeaderEpoch,
  decode: decodeOffsetForLeaderEpoch,
  decodeRequest: decodeOffsetForLeaderEpochRequest,
  encodeResponse: encodeOffsetForLeaderEpochResponse,
};
