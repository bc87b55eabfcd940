/**
 * The request side of Fetch (key 1): what a consumer or a follower asks, encoded by
 * the client and decoded by the test broker. See `fetch.ts` for the API and its
 * version notes.
 *
 * @module
 */

import { ApiKey } from "./api.ts";
import {
  endStruct,
  readArray,
  readString,
  readTopicName,
  skipStructEnd,
  writeArray,
  writeCount,
  writeString,
  writeTopicKey,
} from "./flexible.ts";
import { Reader } from "./reader.ts";
import { assertVersion, type VersionedApi } from "./versions.ts";
import { type TaggedField, Writer } from "./writer.ts";

/** One partition to fetch. */
export interface FetchRequestPartition {
  /** The partition index. */
  partition: number;
  /**
   * The leader epoch the fetcher knows (v9+), checked by the leader; -1 to skip the check.
   *
   * @default {-1}
   */
  currentLeaderEpoch?: number;
  /** The offset to read from. */
  fetchOffset: bigint;
  /**
   * The epoch of the last record fetched (v12+), to detect log truncation; -1 if none.
   *
   * @default {-1}
   */
  lastFetchedEpoch?: number;
  /**
   * The follower's log start offset (v5+); -1 from a consumer.
   *
   * @default {-1n}
   */
  logStartOffset?: bigint;
  /** The most bytes to return for this partition (at least one batch is returned). */
  partitionMaxBytes: number;
  /** A follower's log directory id (v17+ tag 0), or undefined. */
  replicaDirectoryId?: Uint8Array;
  /** A follower's high watermark (v18+ tag 1), or undefined. */
  highWatermark?: bigint;
}

/** The partitions of one topic to fetch. */
export interface FetchRequestTopic {
  /** The topic name (v4-v12); "" when decoded from v13 on. */
  topic: string;
  /** The topic id (v13+, required there). */
  topicId?: Uint8Array;
  /** The partitions. */
  partitions: readonly FetchRequestPartition[];
}

/** Partitions an incremental fetch drops from its session (v7+). */
export interface FetchForgottenTopic {
  /** The topic name (v7-v12); "" when decoded from v13 on. */
  topic: string;
  /** The topic id (v13+, required there). */
  topicId?: Uint8Array;
  /** The partition indexes. */
  partitions: readonly number[];
}

/** A Fetch request. */
export interface FetchRequest {
  /**
   * The cluster id the fetcher expects (v12+ tag 0), or null.
   *
   * @default {null}
   */
  clusterId?: string | null;
  /**
   * The follower's broker id, -1 from a consumer (a field up to v14, in the tagged
   * `ReplicaState` from v15).
   *
   * @default {-1}
   */
  replicaId?: number;
  /**
   * The follower's broker epoch (v15+ `ReplicaState`), -1 if unknown.
   *
   * @default {-1n}
   */
  replicaEpoch?: bigint;
  /** How long the broker may wait for `minBytes`, in milliseconds. */
  maxWaitMs: number;
  /** The bytes to wait for before answering. */
  minBytes: number;
  /**
   * The most bytes in the whole response (v3+); at least one batch is returned.
   *
   * @default {2147483647}
   */
  maxBytes?: number;
  /**
   * 0 (read_uncommitted) or 1 (read_committed: up to the last stable offset) (v4+).
   *
   * @default {0}
   */
  isolationLevel?: number;
  /**
   * The fetch session id (v7+); 0 for none.
   *
   * @default {0}
   */
  sessionId?: number;
  /**
   * The fetch session epoch (v7+); -1 for a full fetch without a session, 0 to open one.
   *
   * @default {-1}
   */
  sessionEpoch?: number;
  /** The topics to fetch. */
  topics: readonly FetchRequestTopic[];
  /**
   * Partitions to drop from an incremental session (v7+).
   *
   * @default {[]}
   */
  forgottenTopicsData?: readonly FetchForgottenTopic[];
  /**
   * The consumer's rack (v11+).
   *
   * @default {""}
   */
  rackId?: string;
}

/*
 * FetchRequest, validVersions 4-18 (Kafka 4.x), flexibleVersions 12+:
 *   ClusterId              string   12+ tag 0  nullable, default null
 *   ReplicaId              int32    0-14       default -1
 *   ReplicaState           struct   15+ tag 1  { ReplicaId int32 (-1), ReplicaEpoch int64 (-1) }
 *   MaxWaitMs              int32    0+
 *   MinBytes               int32    0+
 *   MaxBytes               int32    3+   default 0x7fffffff
 *   IsolationLevel         int8     4+   default 0
 *   SessionId              int32    7+   default 0
 *   SessionEpoch           int32    7+   default -1
 *   Topics                 []FetchTopic  0+
 *     Topic                string   0-12
 *     TopicId              uuid     13+
 *     Partitions           []FetchPartition  0+
 *       Partition          int32    0+
 *       CurrentLeaderEpoch int32    9+   default -1
 *       FetchOffset        int64    0+
 *       LastFetchedEpoch   int32    12+  default -1
 *       LogStartOffset     int64    5+   default -1
 *       PartitionMaxBytes  int32    0+
 *       ReplicaDirectoryId uuid     17+ tag 0
 *       HighWatermark      int64    18+ tag 1  default 0x7fffffffffffffff
 *   ForgottenTopicsData    []ForgottenTopic  7+
 *     Topic                string   7-12
 *     TopicId              uuid     13+
 *     Partitions           []int32  7+
 *   RackId                 string   11+  default ""
 */

/** The first flexible version. */
export const FETCH_FLEXIBLE = 12;
/** The first version naming topics by id. */
export const FETCH_TOPIC_IDS = 13;
const REPLICA_STATE = 15;
const MAX_INT64 = 0x7fffffffffffffffn;

/** The versions both sides of Fetch speak. */
export const fetchVersions: VersionedApi = {
  key: ApiKey.Fetch,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 18,
};

/**
 * Reads a tagged field's struct and checks that nothing is left after it.
 *
 * @typeParam T What the struct holds.
 * @param data The tagged field's bytes.
 * @param what The struct's name, for the error message.
 * @param read Reads the struct's fields.
 * @returns What `read` returned.
 */
export function readTaggedStruct<T>(data: Uint8Array, what: string, read: (r: Reader) => T): T {
  const r = new Reader(data);
  const value = read(r);
  r.skipTags();
  r.end(what);
  return value;
}

function writeRequestPartition(w: Writer, version: number, p: FetchRequestPartition): void {
  w.int32(p.partition);
  if (version >= 9) w.int32(p.currentLeaderEpoch ?? -1);
  w.int64(p.fetchOffset);
  if (version >= 12) w.int32(p.lastFetchedEpoch ?? -1);
  if (version >= 5) w.int64(p.logStartOffset ?? -1n);
  w.int32(p.partitionMaxBytes);
  if (version < FETCH_FLEXIBLE) return;
  const tags: TaggedField[] = [];
  if (version >= 17 && p.replicaDirectoryId !== undefined) {
    tags.push({ tag: 0, data: p.replicaDirectoryId });
  }
  if (version >= 18 && p.highWatermark !== undefined && p.highWatermark !== MAX_INT64) {
    tags.push({ tag: 1, data: new Writer(8).int64(p.highWatermark).bytes() });
  }
  w.tags(tags);
}

/** The request's own tagged fields: ClusterId and, from v15, ReplicaState. */
function requestTags(version: number, request: FetchRequest): TaggedField[] {
  const tags: TaggedField[] = [];
  const clusterId = request.clusterId ?? null;
  if (clusterId !== null) {
    tags.push({ tag: 0, data: new Writer().compactString(clusterId).bytes() });
  }
  const replicaId = request.replicaId ?? -1;
  const replicaEpoch = request.replicaEpoch ?? -1n;
  if (version >= REPLICA_STATE && (replicaId !== -1 || replicaEpoch !== -1n)) {
    tags.push({
      tag: 1,
      data: new Writer(16).int32(replicaId).int64(replicaEpoch).tags().bytes(),
    });
  }
  return tags;
}

/**
 * Encodes a Fetch request body, as the client sends it.
 *
 * @param w The writer.
 * @param version The version, v4-v18.
 * @param request The request.
 * @throws {RangeError} For a version outside v4-v18.
 * @throws {TypeError} From v13, for a topic without an id.
 */
export function encodeFetchRequest(w: Writer, version: number, request: FetchRequest): void {
  assertVersion(fetchVersions, version, "encode");
  const flexible = version >= FETCH_FLEXIBLE;
  const byId = version >= FETCH_TOPIC_IDS;
  const what = `Fetch v${version}`;
  if (version < REPLICA_STATE) w.int32(request.replicaId ?? -1);
  w.int32(request.maxWaitMs).int32(request.minBytes).int32(request.maxBytes ?? 0x7fffffff);
  w.int8(request.isolationLevel ?? 0);
  if (version >= 7) w.int32(request.sessionId ?? 0).int32(request.sessionEpoch ?? -1);
  writeCount(w, flexible, request.topics.length);
  for (const topic of request.topics) {
    writeTopicKey(w, flexible, byId, { name: topic.topic, topicId: topic.topicId }, what);
    writeCount(w, flexible, topic.partitions.length);
    for (const p of topic.partitions) writeRequestPartition(w, version, p);
    endStruct(w, flexible);
  }
  if (version >= 7) {
    const forgotten = request.forgottenTopicsData ?? [];
    writeCount(w, flexible, forgotten.length);
    for (const topic of forgotten) {
      writeTopicKey(w, flexible, byId, { name: topic.topic, topicId: topic.topicId }, what);
      writeArray(w, flexible, topic.partitions, (w, n) => w.int32(n));
      endStruct(w, flexible);
    }
  }
  if (version >= 11) writeString(w, flexible, request.rackId ?? "");
  if (flexible) w.tags(requestTags(version, request));
}

function readRequestPartition(r: Reader, version: number): FetchRequestPartition {
  const p: FetchRequestPartition = {
    partition: r.int32(),
    currentLeaderEpoch: version >= 9 ? r.int32() : -1,
    fetchOffset: r.int64(),
    lastFetchedEpoch: version >= 12 ? r.int32() : -1,
    logStartOffset: version >= 5 ? r.int64() : -1n,
    partitionMaxBytes: r.int32(),
  };
  if (version < FETCH_FLEXIBLE) return p;
  for (const field of r.tags()) {
    const t = new Reader(field.data);
    if (field.tag === 0 && version >= 17) {
      p.replicaDirectoryId = t.uuid();
      t.end("Fetch request ReplicaDirectoryId");
    } else if (field.tag === 1 && version >= 18) {
      p.highWatermark = t.int64();
      t.end("Fetch request HighWatermark");
    }
  }
  return p;
}

/** Reads a topic (or a forgotten topic): its name or id, then its partitions. */
function readRequestTopic<P>(
  r: Reader,
  version: number,
  readPartition: (r: Reader) => P,
): { topic: string; topicId?: Uint8Array; partitions: P[] } {
  const flexible = version >= FETCH_FLEXIBLE;
  const byId = version >= FETCH_TOPIC_IDS;
  const name = readTopicName(r, flexible, byId);
  const topicId = byId ? r.uuid() : undefined;
  const topic: { topic: string; topicId?: Uint8Array; partitions: P[] } = {
    topic: name,
    partitions: readArray(r, flexible, readPartition),
  };
  if (topicId !== undefined) topic.topicId = topicId;
  skipStructEnd(r, flexible);
  return topic;
}

/** Reads the request's own tagged fields into it. */
function readRequestTags(r: Reader, version: number, request: FetchRequest): void {
  for (const field of r.tags()) {
    if (field.tag === 0) {
      const t = new Reader(field.data);
      request.clusterId = t.compactString();
      t.end("Fetch request ClusterId");
    } else if (field.tag === 1 && version >= REPLICA_STATE) {
      const state = readTaggedStruct(field.data, "ReplicaState", (t) => ({
        replicaId: t.int32(),
        replicaEpoch: t.int64(),
      }));
      request.replicaId = state.replicaId;
      request.replicaEpoch = state.replicaEpoch;
    }
  }
}

/**
 * Decodes a Fetch request body, as the test broker reads it; from v13 each topic's
 * name is "" beside its id.
 *
 * @param r The reader, at the body.
 * @param version The version, v4-v18.
 * @returns The request, every field filled in.
 * @throws {KafkaProtocolError} On truncated or malformed bytes.
 */
export function decodeFetchRequest(r: Reader, version: number): FetchRequest {
  assertVersion(fetchVersions, version, "decode");
  const flexible = version >= FETCH_FLEXIBLE;
  const partition = (r: Reader): FetchRequestPartition => readRequestPartition(r, version);
  const request: FetchRequest = {
    clusterId: null,
    replicaId: version < REPLICA_STATE ? r.int32() : -1,
    replicaEpoch: -1n,
    maxWaitMs: r.int32(),
    minBytes: r.int32(),
    maxBytes: r.int32(),
    isolationLevel: r.int8(),
    sessionId: version >= 7 ? r.int32() : 0,
    sessionEpoch: version >= 7 ? r.int32() : -1,
    topics: readArray(r, flexible, (r) => readRequestTopic(r, version, partition)),
    forgottenTopicsData: version >= 7
      ? readArray(r, flexible, (r) => readRequestTopic(r, version, (r) => r.int32()))
      : [],
    rackId: version < 11 ? "" : readString(r, flexible, "rack id"),
  };
  if (flexible) readRequestTags(r, version, request);
  return request;
}
