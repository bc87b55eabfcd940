/**
 * ListOffsets (key 2): the offset of a partition at a point: the earliest (-2), the
 * latest (-1, the high watermark, or the last stable offset for read_committed), the
 * record with the largest timestamp (-3, v7+), or the first record at or after a
 * timestamp.
 *
 * Version notes: Kafka 4.x accepts v1-v11 (KIP-896 removed v0); v2 adds the
 * isolation level, v4 leader epochs, v6 is flexible, v8 adds -4 (earliest local),
 * v9 -5 (latest tiered), v10 a timeout for tiered lookups.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import { endStruct, readTopics, skipStructEnd, writeTopics } from "./flexible.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** The special timestamps of ListOffsets. */
export const OffsetSpec = {
  /** The high watermark (read_uncommitted) or last stable offset (read_committed). */
  Latest: -1n,
  /** The log start offset. */
  Earliest: -2n,
  /** The offset of the record with the largest timestamp (v7+). */
  MaxTimestamp: -3n,
  /** The first offset of the local log (v8+). */
  EarliestLocal: -4n,
  /** The last offset in tiered storage (v9+). */
  LatestTiered: -5n,
} as const;

/** One partition to look up. */
export interface ListOffsetsRequestPartition {
  /** The partition index. */
  partitionIndex: number;
  /**
   * The leader epoch the client knows (v4+), checked by the leader; -1 to skip.
   *
   * @default {-1}
   */
  currentLeaderEpoch?: number;
  /** A timestamp in milliseconds, or one of {@link OffsetSpec}. */
  timestamp: bigint;
}

/** The partitions of one topic. */
export interface ListOffsetsRequestTopic {
  /** The topic name. */
  name: string;
  /** The partitions. */
  partitions: readonly ListOffsetsRequestPartition[];
}

/** A ListOffsets request. */
export interface ListOffsetsRequest {
  /**
   * The follower's broker id, -1 from a consumer.
   *
   * @default {-1}
   */
  replicaId?: number;
  /**
   * 0 (read_uncommitted) or 1 (read_committed) (v2+).
   *
   * @default {0}
   */
  isolationLevel?: number;
  /** The topics. */
  topics: readonly ListOffsetsRequestTopic[];
  /**
   * How long a tiered-storage lookup may take, in milliseconds (v10+).
   *
   * @default {30000}
   */
  timeoutMs?: number;
}

/** The result for one partition. */
export interface ListOffsetsResponsePartition {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0. */
  errorCode: number;
  /** The timestamp of the record found, or -1. */
  timestamp: bigint;
  /** The offset found, or -1. */
  offset: bigint;
  /** The leader epoch of that offset (v4+), or -1. */
  leaderEpoch: number;
}

/** The results for one topic. */
export interface ListOffsetsResponseTopic {
  /** The topic name. */
  name: string;
  /** The partitions' results. */
  partitions: ListOffsetsResponsePartition[];
}

/** A ListOffsets response. */
export interface ListOffsetsResponse {
  /** Throttle time (v2+); 0 before. */
  throttleTimeMs: number;
  /** The results per topic. */
  topics: ListOffsetsResponseTopic[];
}

/*
 * ListOffsetsRequest, validVersions 1-11 (Kafka 4.x), flexibleVersions 6+:
 *   ReplicaId              int32   0+
 *   IsolationLevel         int8    2+   default 0
 *   Topics                 []ListOffsetsTopic  0+
 *     Name                 string  0+
 *     Partitions           []ListOffsetsPartition  0+
 *       PartitionIndex     int32   0+
 *       CurrentLeaderEpoch int32   4+   default -1
 *       Timestamp          int64   0+
 *   TimeoutMs              int32   10+
 *
 * ListOffsetsResponse, validVersions 1-11, flexibleVersions 6+:
 *   ThrottleTimeMs         int32   2+
 *   Topics                 []ListOffsetsTopicResponse  0+
 *     Name                 string  0+
 *     Partitions           []ListOffsetsPartitionResponse  0+
 *       PartitionIndex     int32   0+
 *       ErrorCode          int16   0+
 *       Timestamp          int64   1+   default -1
 *       Offset             int64   1+   default -1
 *       LeaderEpoch        int32   4+   default -1
 */

const FLEXIBLE = 6;

function encodeListOffsets(w: Writer, version: number, request: ListOffsetsRequest): void {
  assertVersion(listOffsetsApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  w.int32(request.replicaId ?? -1);
  if (version >= 2) w.int8(request.isolationLevel ?? 0);
  writeTopics(w, flexible, request.topics, (t) => [t.name, t.partitions], (w, p) => {
    w.int32(p.partitionIndex);
    if (version >= 4) w.int32(p.currentLeaderEpoch ?? -1);
    w.int64(p.timestamp);
    endStruct(w, flexible);
  });
  if (version >= 10) w.int32(request.timeoutMs ?? 30000);
  endStruct(w, flexible);
}

function decodeListOffsetsRequest(r: Reader, version: number): ListOffsetsRequest {
  assertVersion(listOffsetsApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const readPartition = (r: Reader): ListOffsetsRequestPartition => {
    const p = {
      partitionIndex: r.int32(),
      currentLeaderEpoch: version >= 4 ? r.int32() : -1,
      timestamp: r.int64(),
    };
    skipStructEnd(r, flexible);
    return p;
  };
  const request: ListOffsetsRequest = {
    replicaId: r.int32(),
    isolationLevel: version >= 2 ? r.int8() : 0,
    topics: readTopics(r, flexible, readPartition, (name, partitions) => ({ name, partitions })),
    timeoutMs: 30000,
  };
  if (version >= 10) request.timeoutMs = r.int32();
  skipStructEnd(r, flexible);
  return request;
}

function encodeListOffsetsResponse(
  w: Writer,
  version: number,
  response: ListOffsetsResponse,
): void {
  assertVersion(listOffsetsApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  if (version >= 2) w.int32(response.throttleTimeMs);
  writeTopics(w, flexible, response.topics, (t) => [t.name, t.partitions], (w, p) => {
    w.int32(p.partitionIndex).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
    if (version >= 4) w.int32(p.leaderEpoch);
    endStruct(w, flexible);
  });
  endStruct(w, flexible);
}

function decodeListOffsets(r: Reader, version: number): ListOffsetsResponse {
  assertVersion(listOffsetsApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const readPartition = (r: Reader): ListOffsetsResponsePartition => {
    const p = {
      partitionIndex: r.int32(),
      errorCode: r.int16(),
      timestamp: r.int64(),
      offset: r.int64(),
      leaderEpoch: version >= 4 ? r.int32() : -1,
    };
    skipStructEnd(r, flexible);
    return p;
  };
  const response = {
    throttleTimeMs: version >= 2 ? r.int32() : 0,
    topics: readTopics(r, flexible, readPartition, (name, partitions) => ({ name, partitions })),
  };
  skipStructEnd(r, flexible);
  return response;
}

/**
 * The ListOffsets API, v1-v11, flexible from v6.
 *
 * @example Asking for the earliest offset of a partition at v7
 * ```ts
 * import { listOffsetsApi, OffsetSpec, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * listOffsetsApi.encode(w, 7, {
 *   topics: [{ name: "events", partitions: [{ partitionIndex: 0, timestamp: OffsetSpec.Earliest }] }],
 * });
 * console.log(w.length); // 33
 * ```
 */
export const listOffsetsApi: ServerApi<ListOffsetsRequest, ListOffsetsResponse> = {
  key: ApiKey.ListOffsets,
  name: "ListOffsets",
  minVersion: 1,
  maxVersion: 11,
  flexibleFrom: FLEXIBLE,
  encode: encodeListOffsets,
  decode: decodeListOffsets,
  decodeRequest: decodeListOffsetsRequest,
  encodeResponse: encodeListOffsetsResponse,
};
