/**
 * Produce (key 0): record batches for partitions led by one broker. The request
 * carries already-encoded record batches (v2 format), copied once into the frame;
 * the response gives each partition's base offset or error.
 *
 * Version notes: v3 is the first with record batch v2 and the oldest a Kafka 4.x
 * broker accepts (it still lists v0-v2 in ApiVersions, KAFKA-18659, but rejects
 * them). v12 inside a transaction means "transaction version 2" (KIP-890 part 2:
 * the Produce request adds the partition to the transaction); without the
 * `transaction.version` feature at level 2 a transactional producer must stay at
 * v11, as Java's does. v13 (Kafka 4.1+) names topics by id instead of by name.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import {
  endStruct,
  readArray,
  readNullableString,
  readString,
  readTopicName,
  skipStructEnd,
  writeArray,
  writeCount,
  writeString,
  writeTopicKey,
} from "./flexible.ts";
import {
  type LeaderIdAndEpoch,
  leaderIdAndEpochTag,
  type NodeEndpoint,
  readLeaderIdAndEpoch,
} from "./leader_hints.ts";
import type { Reader } from "./reader.ts";
import { readEndpointsTags, writeEndpointsTags } from "./response_endpoints.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** The records for one partition. */
export interface ProducePartitionData {
  /** The partition index. */
  index: number;
  /** One encoded record batch (magic 2), or null. Written as is, never re-encoded. */
  records: Uint8Array | null;
}

/** The partitions of one topic. */
export interface ProduceTopicData {
  /** The topic name, sent up to v12. */
  name: string;
  /** The topic id (16 bytes), sent from v13 instead of the name; required there. */
  topicId?: Uint8Array;
  /** The partitions to write to. */
  partitionData: readonly ProducePartitionData[];
}

/** A Produce request. */
export interface ProduceRequest {
  /** The transactional id, or null if the producer is not transactional. */
  transactionalId: string | null;
  /** 0 (no response is sent), 1 (leader) or -1 (all in-sync replicas). */
  acks: number;
  /** How long the broker may wait for the acknowledgements, in milliseconds. */
  timeoutMs: number;
  /** The topics to write to. */
  topicData: readonly ProduceTopicData[];
}

/** A record that caused its batch to be dropped (v8+). */
export interface ProduceBatchIndexError {
  /** The record's index in its batch. */
  batchIndex: number;
  /** Why it was refused, or null. */
  batchIndexErrorMessage: string | null;
}

/** The leader a broker points to after NOT_LEADER_OR_FOLLOWER (v10+, KIP-951). */
export type ProduceLeaderIdAndEpoch = LeaderIdAndEpoch;

/** The result for one partition. */
export interface ProducePartitionResponse {
  /** The partition index. */
  index: number;
  /** The error code, or NONE. */
  errorCode: number;
  /** The offset of the first record of the batch. */
  baseOffset: bigint;
  /** The broker's append time for LogAppendTime topics, else -1. */
  logAppendTimeMs: bigint;
  /** The partition's log start offset (v5+); -1 before. */
  logStartOffset: bigint;
  /** The records that made the batch fail (v8+); empty otherwise. */
  recordErrors: ProduceBatchIndexError[];
  /** A message summarizing the failure (v8+), or null. */
  errorMessage: string | null;
  /** The new leader (v10+ tagged field 0), or null when not sent. */
  currentLeader: ProduceLeaderIdAndEpoch | null;
}

/** The results for one topic. */
export interface ProduceTopicResponse {
  /** The topic name, up to v12; "" from v13. */
  name: string;
  /** The topic id, from v13; all zeros before. */
  topicId: Uint8Array;
  /** The partitions' results. */
  partitionResponses: ProducePartitionResponse[];
}

/** A broker's address sent with a new leader (v10+). */
export type ProduceNodeEndpoint = NodeEndpoint;

/** A Produce response (none is sent for acks 0). */
export interface ProduceResponse {
  /** The results per topic. */
  responses: ProduceTopicResponse[];
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** Endpoints of the leaders named in `currentLeader` fields (v10+ tagged field 0). */
  nodeEndpoints: ProduceNodeEndpoint[];
}

/*
 * ProduceRequest, validVersions 3-13 (Kafka 4.x; 0-11 in 3.9), flexibleVersions 9+:
 *   TransactionalId        string   3+   nullable
 *   Acks                   int16    0+
 *   TimeoutMs              int32    0+
 *   TopicData              []TopicProduceData  0+
 *     Name                 string   0-12
 *     TopicId              uuid     13+
 *     PartitionData        []PartitionProduceData  0+
 *       Index              int32    0+
 *       Records            records  0+   nullable (int32 size; compact from v9)
 *
 * ProduceResponse, validVersions 3-13, flexibleVersions 9+:
 *   Responses              []TopicProduceResponse  0+
 *     Name                 string   0-12
 *     TopicId              uuid     13+
 *     PartitionResponses   []PartitionProduceResponse  0+
 *       Index              int32    0+
 *       ErrorCode          int16    0+
 *       BaseOffset         int64    0+
 *       LogAppendTimeMs    int64    2+   default -1
 *       LogStartOffset     int64    5+   default -1
 *       RecordErrors       []BatchIndexAndErrorMessage  8+
 *         BatchIndex             int32   8+
 *         BatchIndexErrorMessage string  8+  nullable
 *       ErrorMessage       string   8+   nullable
 *       CurrentLeader      LeaderIdAndEpoch  10+ tag 0  { LeaderId int32, LeaderEpoch int32 }
 *   ThrottleTimeMs         int32    1+
 *   NodeEndpoints          []NodeEndpoint  10+ tag 0  { NodeId int32, Host string, Port int32, Rack string nullable }
 */

const FLEXIBLE = 9;
const TOPIC_IDS = 13;

function encodeProduce(w: Writer, version: number, request: ProduceRequest): void {
  assertVersion(produceApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;

  // Size the buffer once: the record batches dominate, the rest is a few bytes each.
  let size = 16 + (request.transactionalId?.length ?? 0) * 3;
  for (const topic of request.topicData) {
    size += 24 + (byId ? 0 : topic.name.length * 3);
    for (const partition of topic.partitionData) size += 11 + (partition.records?.length ?? 0);
  }
  w.ensure(size);

  writeString(w, flexible, request.transactionalId);
  w.int16(request.acks).int32(request.timeoutMs);
  writeCount(w, flexible, request.topicData.length);
  for (const topic of request.topicData) {
    writeTopicKey(w, flexible, byId, topic, `Produce v${version}`);
    const partitions = topic.partitionData;
    writeCount(w, flexible, partitions.length);
    for (const partition of partitions) {
      w.int32(partition.index);
      if (flexible) w.compactBytes(partition.records).tags();
      else w.bytes32(partition.records);
    }
    endStruct(w, flexible);
  }
  endStruct(w, flexible);
}

function readBatchIndexError(r: Reader, flexible: boolean): ProduceBatchIndexError {
  const error = {
    batchIndex: r.int32(),
    batchIndexErrorMessage: readNullableString(r, flexible),
  };
  skipStructEnd(r, flexible);
  return error;
}

function readPartitionResponse(r: Reader, version: number): ProducePartitionResponse {
  const flexible = version >= FLEXIBLE;
  const partition: ProducePartitionResponse = {
    index: r.int32(),
    errorCode: r.int16(),
    baseOffset: r.int64(),
    logAppendTimeMs: r.int64(), // v2+, so always present from v3
    logStartOffset: version >= 5 ? r.int64() : -1n,
    recordErrors: version < 8
      ? []
      : readArray(r, flexible, (r) => readBatchIndexError(r, flexible)),
    errorMessage: version < 8 ? null : readNullableString(r, flexible),
    currentLeader: null,
  };
  if (flexible) {
    for (const field of r.tags()) {
      if (field.tag !== 0 || version < 10) continue;
      partition.currentLeader = readLeaderIdAndEpoch(field.data, "Produce response CurrentLeader");
    }
  }
  return partition;
}

function decodeProduce(r: Reader, version: number): ProduceResponse {
  assertVersion(produceApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  const readTopic = (r: Reader): ProduceTopicResponse => {
    const topic = {
      name: readTopicName(r, flexible, byId),
      topicId: byId ? r.uuid() : new Uint8Array(16),
      partitionResponses: readArray(r, flexible, (r) => readPartitionResponse(r, version)),
    };
    skipStructEnd(r, flexible);
    return topic;
  };
  const response: ProduceResponse = {
    responses: readArray(r, flexible, readTopic),
    throttleTimeMs: r.int32(),
    nodeEndpoints: [],
  };
  if (flexible) {
    response.nodeEndpoints = readEndpointsTags(r, version >= 10, "Produce response NodeEndpoints");
  }
  return response;
}

function decodeProduceRequest(r: Reader, version: number): ProduceRequest {
  assertVersion(produceApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  const readPartition = (r: Reader): ProducePartitionData => {
    const partition = {
      index: r.int32(),
      // A view of the frame: the broker copies what it keeps.
      records: flexible ? r.compactBytes() : r.bytes32(),
    };
    skipStructEnd(r, flexible);
    return partition;
  };
  const readTopic = (r: Reader): ProduceTopicData => {
    const topic: ProduceTopicData = byId ? { name: "", topicId: r.uuid(), partitionData: [] } : {
      name: readString(r, flexible, "topic name"),
      partitionData: [],
    };
    topic.partitionData = readArray(r, flexible, readPartition);
    skipStructEnd(r, flexible);
    return topic;
  };
  const request: ProduceRequest = {
    transactionalId: readNullableString(r, flexible),
    acks: r.int16(),
    timeoutMs: r.int32(),
    topicData: readArray(r, flexible, readTopic),
  };
  skipStructEnd(r, flexible);
  return request;
}

function writePartitionResponse(
  w: Writer,
  version: number,
  partition: ProducePartitionResponse,
): void {
  const flexible = version >= FLEXIBLE;
  w.int32(partition.index).int16(partition.errorCode).int64(partition.baseOffset);
  w.int64(partition.logAppendTimeMs);
  if (version >= 5) w.int64(partition.logStartOffset);
  if (version >= 8) {
    writeArray(w, flexible, partition.recordErrors, (w, error) => {
      w.int32(error.batchIndex);
      writeString(w, flexible, error.batchIndexErrorMessage);
      endStruct(w, flexible);
    });
    writeString(w, flexible, partition.errorMessage);
  }
  if (flexible) {
    const leader = version >= 10 ? leaderIdAndEpochTag(0, partition.currentLeader) : null;
    w.tags(leader === null ? [] : [leader]);
  }
}

function encodeProduceResponse(w: Writer, version: number, response: ProduceResponse): void {
  assertVersion(produceApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  writeArray(w, flexible, response.responses, (w, topic) => {
    if (byId) w.uuid(topic.topicId);
    else writeString(w, flexible, topic.name);
    writeArray(
      w,
      flexible,
      topic.partitionResponses,
      (w, p) => writePartitionResponse(w, version, p),
    );
    endStruct(w, flexible);
  });
  w.int32(response.throttleTimeMs);
  if (flexible) writeEndpointsTags(w, version >= 10, response.nodeEndpoints);
}

/**
 * The Produce API, v3-v13, flexible from v9, topic ids instead of names from v13.
 * With acks 0 the broker sends no response at all. The broker's request decoder
 * leaves each partition's records as a view of the request frame, and from v13
 * gives each topic an empty name beside its id.
 *
 * @example Encoding a v9 request around an encoded record batch
 * ```ts
 * import { produceApi, Writer } from "@webstream/kafka/protocol";
 *
 * const batch = new Uint8Array(61); // a record batch v2, encoded elsewhere
 * const w = new Writer();
 * produceApi.encode(w, 9, {
 *   transactionalId: null,
 *   acks: -1,
 *   timeoutMs: 30000,
 *   topicData: [{ name: "events", partitionData: [{ index: 0, records: batch }] }],
 * });
 * console.log(w.length); // 85
 * ```
 */
export const produceApi: ServerApi<ProduceRequest, ProduceResponse> = {
  key: ApiKey.Produce,
  name: "Produce",
  minVersion: 3,
  maxVersion: 13,
  flexibleFrom: FLEXIBLE,
  encode: encodeProduce,
  decode: decodeProduce,
  decodeRequest: decodeProduceRequest,
  encodeResponse: encodeProduceResponse,
};
