/**
 * The response side of Fetch (key 1): what a broker answers, encoded by the test
 * broker and decoded by the client. See `fetch.ts` for the API and its version notes.
 *
 * @module
 */

import {
  endStruct,
  readArray,
  readNullableArray,
  readTopicName,
  skipStructEnd,
  writeCount,
  writeString,
} from "./flexible.ts";
import {
  FETCH_FLEXIBLE,
  FETCH_TOPIC_IDS,
  fetchVersions,
  readTaggedStruct,
} from "./fetch_request.ts";
import {
  type LeaderIdAndEpoch,
  leaderIdAndEpochTag,
  type NodeEndpoint,
  readLeaderIdAndEpoch,
} from "./leader_hints.ts";
import { readEndpointsTags, writeEndpointsTags } from "./response_endpoints.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import { type TaggedField, Writer } from "./writer.ts";

/** An aborted transaction overlapping the fetched range. */
export interface FetchAbortedTransaction {
  /** The producer id of the transaction. */
  producerId: bigint;
  /** Its first offset. */
  firstOffset: bigint;
}

/** An epoch and an offset, as the diverging epoch and snapshot id tags carry them. */
export interface FetchEpochEndOffset {
  /** The epoch. */
  epoch: number;
  /** The end offset. */
  endOffset: bigint;
}

/** A partition's leader, sent with NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH (v12+). */
export type FetchLeaderIdAndEpoch = LeaderIdAndEpoch;

/** The result for one partition. */
export interface FetchResponsePartition {
  /** The partition index. */
  partitionIndex: number;
  /** The error code, or 0. */
  errorCode: number;
  /** The high watermark: offsets below it are fully replicated. */
  highWatermark: bigint;
  /** The last stable offset (v4+): offsets below it have no open transaction; -1 unknown. */
  lastStableOffset: bigint;
  /** The log start offset (v5+), or -1. */
  logStartOffset: bigint;
  /** The aborted transactions of the range (v4+); null when none or read_uncommitted. */
  abortedTransactions: FetchAbortedTransaction[] | null;
  /** The replica to read from instead (v11+), or -1. */
  preferredReadReplica: number;
  /**
   * The record batches, back to back, or null. Decoded: a view of the response frame.
   * To encode, a list of batches may be given instead of one array; they are written
   * one after the other.
   */
  records: Uint8Array | readonly Uint8Array[] | null;
  /** Where the fetcher's log diverges from the leader's (v12+ tag 0), or null. */
  divergingEpoch: FetchEpochEndOffset | null;
  /** The current leader (v12+ tag 1), or null. */
  currentLeader: FetchLeaderIdAndEpoch | null;
  /** The snapshot to fetch instead (v12+ tag 2, KRaft followers), or null. */
  snapshotId: FetchEpochEndOffset | null;
}

/** The results for one topic. */
export interface FetchResponseTopic {
  /** The topic name (v4-v12); "" from v13. */
  topic: string;
  /** The topic id (v13+); all zeros before. */
  topicId: Uint8Array;
  /** The partitions' results. */
  partitions: FetchResponsePartition[];
}

/** A broker's address sent with a new leader (v16+). */
export type FetchNodeEndpoint = NodeEndpoint;

/** A Fetch response. */
export interface FetchResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The top-level error code (v7+), e.g. FETCH_SESSION_ID_NOT_FOUND; 0 before. */
  errorCode: number;
  /** The fetch session id (v7+); 0 for no session. */
  sessionId: number;
  /** The results per topic. */
  responses: FetchResponseTopic[];
  /** Endpoints of the leaders named in `currentLeader` fields (v16+ tag 0). */
  nodeEndpoints: FetchNodeEndpoint[];
}

/*
 * FetchResponse, validVersions 4-18, flexibleVersions 12+:
 *   ThrottleTimeMs         int32    1+
 *   ErrorCode              int16    7+
 *   SessionId              int32    7+   default 0
 *   Responses              []FetchableTopicResponse  0+
 *     Topic                string   0-12
 *     TopicId              uuid     13+
 *     Partitions           []PartitionData  0+
 *       PartitionIndex     int32    0+
 *       ErrorCode          int16    0+
 *       HighWatermark      int64    0+
 *       LastStableOffset   int64    4+   default -1
 *       LogStartOffset     int64    5+   default -1
 *       DivergingEpoch     struct   12+ tag 0  { Epoch int32 (-1), EndOffset int64 (-1) }
 *       CurrentLeader      struct   12+ tag 1  { LeaderId int32 (-1), LeaderEpoch int32 (-1) }
 *       SnapshotId         struct   12+ tag 2  { EndOffset int64 (-1), Epoch int32 (-1) }
 *       AbortedTransactions []AbortedTransaction  4+  nullable
 *         ProducerId       int64    4+
 *         FirstOffset      int64    4+
 *       PreferredReadReplica int32  11+  default -1
 *       Records            records  0+   nullable
 *   NodeEndpoints          []NodeEndpoint  16+ tag 0  { NodeId int32, Host string, Port int32, Rack string nullable }
 */

const NO_ID = new Uint8Array(16);

function recordsLength(records: FetchResponsePartition["records"]): number {
  if (records === null) return -1;
  if (records instanceof Uint8Array) return records.length;
  let n = 0;
  for (const batch of records) n += batch.length;
  return n;
}

/** A size the response fits in, so that the writer grows once. */
function responseSize(response: FetchResponse): number {
  let size = 64;
  for (const topic of response.responses) {
    size += 32 + topic.topic.length * 3;
    for (const p of topic.partitions) {
      size += 80 + Math.max(0, recordsLength(p.records)) +
        (p.abortedTransactions?.length ?? 0) * 17;
    }
  }
  return size;
}

/** A partition's tagged structs, each written only when it differs from its default. */
function partitionTags(p: FetchResponsePartition): TaggedField[] {
  const tags: TaggedField[] = [];
  const diverging = p.divergingEpoch;
  if (diverging !== null && (diverging.epoch !== -1 || diverging.endOffset !== -1n)) {
    const t = new Writer(16).int32(diverging.epoch).int64(diverging.endOffset).tags();
    tags.push({ tag: 0, data: t.bytes() });
  }
  const leader = leaderIdAndEpochTag(1, p.currentLeader);
  if (leader !== null) tags.push(leader);
  const snapshot = p.snapshotId;
  if (snapshot !== null && (snapshot.epoch !== -1 || snapshot.endOffset !== -1n)) {
    const t = new Writer(16).int64(snapshot.endOffset).int32(snapshot.epoch).tags();
    tags.push({ tag: 2, data: t.bytes() });
  }
  return tags;
}

function writeResponsePartition(w: Writer, version: number, p: FetchResponsePartition): void {
  const flexible = version >= FETCH_FLEXIBLE;
  w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark);
  w.int64(p.lastStableOffset);
  if (version >= 5) w.int64(p.logStartOffset);
  const aborted = p.abortedTransactions;
  if (aborted === null) {
    if (flexible) w.unsignedVarint(0);
    else w.int32(-1);
  } else {
    writeCount(w, flexible, aborted.length);
    for (const txn of aborted) {
      w.int64(txn.producerId).int64(txn.firstOffset);
      endStruct(w, flexible);
    }
  }
  if (version >= 11) w.int32(p.preferredReadReplica);
  const length = recordsLength(p.records);
  if (flexible) w.unsignedVarint(length + 1);
  else w.int32(length);
  if (p.records instanceof Uint8Array) w.raw(p.records);
  else if (p.records !== null) { for (const batch of p.records) w.raw(batch); }
  if (flexible) w.tags(partitionTags(p));
}

/**
 * Encodes a Fetch response body, as the test broker sends it; a partition's records
 * may be a list of batches, written back to back.
 *
 * @param w The writer.
 * @param version The version, v4-v18.
 * @param response The response.
 * @throws {RangeError} For a version outside v4-v18.
 */
export function encodeFetchResponse(w: Writer, version: number, response: FetchResponse): void {
  assertVersion(fetchVersions, version, "encode");
  const flexible = version >= FETCH_FLEXIBLE;
  const byId = version >= FETCH_TOPIC_IDS;
  w.ensure(responseSize(response));
  w.int32(response.throttleTimeMs);
  if (version >= 7) w.int16(response.errorCode).int32(response.sessionId);
  writeCount(w, flexible, response.responses.length);
  for (const topic of response.responses) {
    if (byId) w.uuid(topic.topicId);
    else writeString(w, flexible, topic.topic);
    writeCount(w, flexible, topic.partitions.length);
    for (const p of topic.partitions) writeResponsePartition(w, version, p);
    endStruct(w, flexible);
  }
  if (flexible) writeEndpointsTags(w, version >= 16, response.nodeEndpoints);
}

function readAborted(r: Reader, flexible: boolean): FetchAbortedTransaction {
  const txn = { producerId: r.int64(), firstOffset: r.int64() };
  skipStructEnd(r, flexible);
  return txn;
}

/** Reads a partition's tagged structs into it. */
function readPartitionTags(r: Reader, p: FetchResponsePartition): void {
  for (const field of r.tags()) {
    if (field.tag === 0) {
      p.divergingEpoch = readTaggedStruct(field.data, "DivergingEpoch", (t) => ({
        epoch: t.int32(),
        endOffset: t.int64(),
      }));
    } else if (field.tag === 1) {
      p.currentLeader = readLeaderIdAndEpoch(field.data, "Fetch response CurrentLeader");
    } else if (field.tag === 2) {
      p.snapshotId = readTaggedStruct(field.data, "SnapshotId", (t) => {
        const endOffset = t.int64();
        return { endOffset, epoch: t.int32() };
      });
    }
  }
}

function readResponsePartition(r: Reader, version: number): FetchResponsePartition {
  const flexible = version >= FETCH_FLEXIBLE;
  const p: FetchResponsePartition = {
    partitionIndex: r.int32(),
    errorCode: r.int16(),
    highWatermark: r.int64(),
    lastStableOffset: r.int64(),
    logStartOffset: version >= 5 ? r.int64() : -1n,
    abortedTransactions: readNullableArray(r, flexible, (r) => readAborted(r, flexible)),
    preferredReadReplica: version >= 11 ? r.int32() : -1,
    records: flexible ? r.compactBytes() : r.bytes32(),
    divergingEpoch: null,
    currentLeader: null,
    snapshotId: null,
  };
  if (flexible) readPartitionTags(r, p);
  return p;
}

function readResponseTopic(r: Reader, version: number): FetchResponseTopic {
  const flexible = version >= FETCH_FLEXIBLE;
  const byId = version >= FETCH_TOPIC_IDS;
  const topic: FetchResponseTopic = {
    topic: readTopicName(r, flexible, byId),
    topicId: byId ? r.uuid() : NO_ID.slice(),
    partitions: readArray(r, flexible, (r) => readResponsePartition(r, version)),
  };
  skipStructEnd(r, flexible);
  return topic;
}

/**
 * Decodes a Fetch response body, as the client reads it. Records are a view of the
 * frame: the batches as the broker stored them.
 *
 * @param r The reader, at the body.
 * @param version The version, v4-v18.
 * @returns The response.
 * @throws {KafkaProtocolError} On truncated or malformed bytes.
 */
export function decodeFetchResponse(r: Reader, version: number): FetchResponse {
  assertVersion(fetchVersions, version, "decode");
  const flexible = version >= FETCH_FLEXIBLE;
  const response: FetchResponse = {
    throttleTimeMs: r.int32(),
    errorCode: version >= 7 ? r.int16() : 0,
    sessionId: version >= 7 ? r.int32() : 0,
    responses: readArray(r, flexible, (r) => readResponseTopic(r, version)),
    nodeEndpoints: [],
  };
  if (flexible) {
    response.nodeEndpoints = readEndpointsTags(r, version >= 16, "Fetch response NodeEndpoints");
  }
  return response;
}
