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
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import {
  type LeaderIdAndEpoch,
  leaderIdAndEpochTag,
  type NodeEndpoint,
  nodeEndpointsTag,
  readLeaderIdAndEpoch,
  readNodeEndpoints,
} from "./leader_hints.ts";
import { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
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
 *
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

const FLEXIBLE = 12;
const TOPIC_IDS = 13;
const REPLICA_STATE = 15;
const MAX_INT64 = 0x7fffffffffffffffn;
const NO_ID = new Uint8Array(16);

function readTaggedStruct<T>(data: Uint8Array, what: string, read: (r: Reader) => T): T {
  const r = new Reader(data);
  const value = read(r);
  r.skipTags();
  r.end(what);
  return value;
}

function encodeFetch(w: Writer, version: number, request: FetchRequest): void {
  assertVersion(fetchApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  const count = (n: number): void => {
    if (flexible) w.unsignedVarint(n + 1);
    else w.int32(n);
  };
  const topicKey = (name: string, id: Uint8Array | undefined): void => {
    if (byId) {
      if (id === undefined) {
        throw new TypeError(
          `Cannot encode Fetch v${version} for topic ${name} as it has no topic id: v13 and later name topics by id`,
        );
      }
      w.uuid(id);
    } else if (flexible) w.compactString(name);
    else w.string(name);
  };
  if (version < REPLICA_STATE) w.int32(request.replicaId ?? -1);
  w.int32(request.maxWaitMs).int32(request.minBytes).int32(request.maxBytes ?? 0x7fffffff);
  w.int8(request.isolationLevel ?? 0);
  if (version >= 7) w.int32(request.sessionId ?? 0).int32(request.sessionEpoch ?? -1);
  count(request.topics.length);
  for (const topic of request.topics) {
    topicKey(topic.topic, topic.topicId);
    count(topic.partitions.length);
    for (const p of topic.partitions) {
      w.int32(p.partition);
      if (version >= 9) w.int32(p.currentLeaderEpoch ?? -1);
      w.int64(p.fetchOffset);
      if (version >= 12) w.int32(p.lastFetchedEpoch ?? -1);
      if (version >= 5) w.int64(p.logStartOffset ?? -1n);
      w.int32(p.partitionMaxBytes);
      if (flexible) {
        const tags: TaggedField[] = [];
        if (version >= 17 && p.replicaDirectoryId !== undefined) {
          tags.push({ tag: 0, data: p.replicaDirectoryId });
        }
        if (version >= 18 && p.highWatermark !== undefined && p.highWatermark !== MAX_INT64) {
          tags.push({ tag: 1, data: new Writer(8).int64(p.highWatermark).bytes() });
        }
        w.tags(tags);
      }
    }
    if (flexible) w.tags();
  }
  if (version >= 7) {
    const forgotten = request.forgottenTopicsData ?? [];
    count(forgotten.length);
    for (const topic of forgotten) {
      topicKey(topic.topic, topic.topicId);
      if (flexible) w.compactArray(topic.partitions, (w, n) => w.int32(n)).tags();
      else w.array(topic.partitions, (w, n) => w.int32(n));
    }
  }
  if (version >= 11) {
    if (flexible) w.compactString(request.rackId ?? "");
    else w.string(request.rackId ?? "");
  }
  if (flexible) {
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
    w.tags(tags);
  }
}

function decodeFetchRequest(r: Reader, version: number): FetchRequest {
  assertVersion(fetchApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  const array = <T>(read: (r: Reader) => T): T[] =>
    flexible ? r.requiredCompactArray(read) : r.requiredArray(read);
  const topicName = (r: Reader): string =>
    byId ? "" : flexible ? r.requiredCompactString("topic name") : r.requiredString("topic name");
  const readPartition = (r: Reader): FetchRequestPartition => {
    const p: FetchRequestPartition = {
      partition: r.int32(),
      currentLeaderEpoch: version >= 9 ? r.int32() : -1,
      fetchOffset: r.int64(),
      lastFetchedEpoch: version >= 12 ? r.int32() : -1,
      logStartOffset: version >= 5 ? r.int64() : -1n,
      partitionMaxBytes: r.int32(),
    };
    if (flexible) {
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
    }
    return p;
  };
  const readTopic = (r: Reader): FetchRequestTopic => {
    const name = topicName(r);
    const topicId = byId ? r.uuid() : undefined;
    const topic: FetchRequestTopic = { topic: name, partitions: array(readPartition) };
    if (topicId !== undefined) topic.topicId = topicId;
    if (flexible) r.skipTags();
    return topic;
  };
  const readForgotten = (r: Reader): FetchForgottenTopic => {
    const name = topicName(r);
    const topicId = byId ? r.uuid() : undefined;
    const topic: FetchForgottenTopic = { topic: name, partitions: array((r) => r.int32()) };
    if (topicId !== undefined) topic.topicId = topicId;
    if (flexible) r.skipTags();
    return topic;
  };
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
    topics: array(readTopic),
    forgottenTopicsData: version >= 7 ? array(readForgotten) : [],
    rackId: version < 11 ? "" : flexible ? r.requiredCompactString("rack id") : r.requiredString(
      "rack id",
    ),
  };
  if (flexible) {
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
  return request;
}

function recordsLength(records: FetchResponsePartition["records"]): number {
  if (records === null) return -1;
  if (records instanceof Uint8Array) return records.length;
  let n = 0;
  for (const batch of records) n += batch.length;
  return n;
}

function encodeFetchResponse(w: Writer, version: number, response: FetchResponse): void {
  assertVersion(fetchApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  const count = (n: number): void => {
    if (flexible) w.unsignedVarint(n + 1);
    else w.int32(n);
  };
  let size = 64;
  for (const topic of response.responses) {
    size += 32 + topic.topic.length * 3;
    for (const p of topic.partitions) {
      size += 80 + Math.max(0, recordsLength(p.records)) +
        (p.abortedTransactions?.length ?? 0) * 17;
    }
  }
  w.ensure(size);
  w.int32(response.throttleTimeMs);
  if (version >= 7) w.int16(response.errorCode).int32(response.sessionId);
  count(response.responses.length);
  for (const topic of response.responses) {
    if (byId) w.uuid(topic.topicId);
    else if (flexible) w.compactString(topic.topic);
    else w.string(topic.topic);
    count(topic.partitions.length);
    for (const p of topic.partitions) {
      w.int32(p.partitionIndex).int16(p.errorCode).int64(p.highWatermark);
      w.int64(p.lastStableOffset);
      if (version >= 5) w.int64(p.logStartOffset);
      const aborted = p.abortedTransactions;
      if (aborted === null) {
        if (flexible) w.unsignedVarint(0);
        else w.int32(-1);
      } else {
        count(aborted.length);
        for (const txn of aborted) {
          w.int64(txn.producerId).int64(txn.firstOffset);
          if (flexible) w.tags();
        }
      }
      if (version >= 11) w.int32(p.preferredReadReplica);
      const length = recordsLength(p.records);
      if (flexible) w.unsignedVarint(length + 1);
      else w.int32(length);
      if (p.records instanceof Uint8Array) w.raw(p.records);
      else if (p.records !== null) { for (const batch of p.records) w.raw(batch); }
      if (flexible) {
        // Each tagged struct is written only when it differs from its default.
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
        w.tags(tags);
      }
    }
    if (flexible) w.tags();
  }
  if (flexible) {
    const endpoints = version >= 16 ? nodeEndpointsTag(0, response.nodeEndpoints) : null;
    w.tags(endpoints === null ? [] : [endpoints]);
  }
}

function decodeFetch(r: Reader, version: number): FetchResponse {
  assertVersion(fetchApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const byId = version >= TOPIC_IDS;
  const array = <T>(read: (r: Reader) => T): T[] =>
    flexible ? r.requiredCompactArray(read) : r.requiredArray(read);
  const readAborted = (r: Reader): FetchAbortedTransaction => {
    const txn = { producerId: r.int64(), firstOffset: r.int64() };
    if (flexible) r.skipTags();
    return txn;
  };
  const readPartition = (r: Reader): FetchResponsePartition => {
    const p: FetchResponsePartition = {
      partitionIndex: r.int32(),
      errorCode: r.int16(),
      highWatermark: r.int64(),
      lastStableOffset: r.int64(),
      logStartOffset: version >= 5 ? r.int64() : -1n,
      abortedTransactions: flexible ? r.compactArray(readAborted) : r.array(readAborted),
      preferredReadReplica: version >= 11 ? r.int32() : -1,
      records: flexible ? r.compactBytes() : r.bytes32(),
      divergingEpoch: null,
      currentLeader: null,
      snapshotId: null,
    };
    if (flexible) {
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
    return p;
  };
  const readTopic = (r: Reader): FetchResponseTopic => {
    const topic: FetchResponseTopic = {
      topic: byId
        ? ""
        : flexible
        ? r.requiredCompactString("topic name")
        : r.requiredString("topic name"),
      topicId: byId ? r.uuid() : NO_ID.slice(),
      partitions: array(readPartition),
    };
    if (flexible) r.skipTags();
    return topic;
  };
  const response: FetchResponse = {
    throttleTimeMs: r.int32(),
    errorCode: version >= 7 ? r.int16() : 0,
    sessionId: version >= 7 ? r.int32() : 0,
    responses: array(readTopic),
    nodeEndpoints: [],
  };
  if (flexible) {
    for (const field of r.tags()) {
      if (field.tag !== 0 || version < 16) continue;
      response.nodeEndpoints = readNodeEndpoints(field.data, "Fetch response NodeEndpoints");
    }
  }
  return response;
}

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
  key: ApiKey.Fetch,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 18,
  flexibleFrom: FLEXIBLE,
  encode: encodeFetch,
  decode: decodeFetch,
  decodeRequest: decodeFetchRequest,
  encodeResponse: encodeFetchResponse,
};
