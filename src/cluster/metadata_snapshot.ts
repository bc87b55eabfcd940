/**
 * One Metadata response turned into what the producer asks per record and per
 * batch: a topic's partition count and each partition's leader, and each broker's
 * address. Immutable: a refresh builds a new snapshot, and so does a leader named in
 * a Produce response (KIP-951, {@link MetadataSnapshot.withLeaders}).
 *
 * @module
 */

import type { MetadataResponse } from "../protocol/metadata.ts";
import { ErrorCode } from "../protocol/error_codes.ts";

/** A broker's address. */
export interface BrokerInfo {
  /** The broker id. */
  readonly nodeId: number;
  /** Its host. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
}

/** What the producer knows of a topic. */
export interface TopicInfo {
  /** The topic name. */
  readonly name: string;
  /** The topic id (16 bytes; zeros when the broker does not send ids). */
  readonly topicId: Uint8Array;
  /** The topic-level error code (NONE when the topic is known). */
  readonly errorCode: number;
  /** The number of partitions. */
  readonly partitionCount: number;
  /** The leader's broker id per partition, -1 when it has none. */
  readonly leaders: Int32Array;
  /** The leader epoch per partition, -1 when unknown. */
  readonly leaderEpochs: Int32Array;
}

/** A partition's new leader, as a broker named it (a Produce response's CurrentLeader). */
export interface PartitionLeader {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The leader's broker id. */
  readonly leaderId: number;
  /** Its leader epoch. */
  readonly leaderEpoch: number;
}

/** The cluster as one Metadata response described it. */
export class MetadataSnapshot {
  /** Brokers by id. */
  readonly brokers: ReadonlyMap<number, BrokerInfo>;
  /** Topics by name. */
  readonly topics: ReadonlyMap<string, TopicInfo>;
  /** When it was fetched (ms). */
  readonly fetchedMs: number;

  /**
   * @param response The Metadata response.
   * @param fetchedMs When it was fetched.
   * @param previous The snapshot it replaces: a partition the response gives an older
   * leader epoch than `previous` knows (a broker that has not heard of the election
   * yet) keeps its newer leader, as Java's `Metadata` keeps it.
   */
  constructor(
    response: MetadataResponse | null,
    fetchedMs: number,
    previous?: MetadataSnapshot,
  ) {
    this.fetchedMs = fetchedMs;
    const brokers = new Map<number, BrokerInfo>();
    const topics = new Map<string, TopicInfo>();
    for (const b of response?.brokers ?? []) {
      brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port });
    }
    for (const t of response?.topics ?? []) {
      if (t.name === null) continue;
      let count = 0;
      for (const p of t.partitions) count = Math.max(count, p.partitionIndex + 1);
      const leaders = new Int32Array(count).fill(-1);
      const leaderEpochs = new Int32Array(count).fill(-1);
      const before = previous?.topics.get(t.name);
      for (const p of t.partitions) {
        const i = p.partitionIndex;
        const known = before?.leaderEpochs[i] ?? -1;
        const knownLeader = before?.leaders[i] ?? -1;
        if (p.leaderEpoch >= 0 && known > p.leaderEpoch && brokers.has(knownLeader)) {
          leaders[i] = knownLeader;
          leaderEpochs[i] = known;
          continue;
        }
        // A partition whose leader is not available (or not among the brokers) has none.
        leaders[i] = brokers.has(p.leaderId) ? p.leaderId : -1;
        leaderEpochs[i] = p.leaderEpoch;
      }
      topics.set(t.name, {
        name: t.name,
        topicId: t.topicId,
        errorCode: t.errorCode,
        partitionCount: t.errorCode === ErrorCode.NONE ? count : 0,
        leaders,
        leaderEpochs,
      });
    }
    this.brokers = brokers;
    this.topics = topics;
  }

  /**
   * This snapshot with partitions moved to the leaders a broker named (KIP-951), as
   * Java's `Metadata.updatePartitionLeadership` does: a leader is taken only when its
   * epoch is newer than the one known (or none is known), its broker's address is
   * known (from `endpoints`, which also replace the addresses known for their ids),
   * and the partition is known.
   *
   * @example A leader named with its address moves the partition
   * ```ts
   * import { MetadataSnapshot } from "./metadata_snapshot.ts";
   *
   * const snapshot = new MetadataSnapshot({
   *   throttleTimeMs: 0,
   *   brokers: [{ nodeId: 1, host: "127.0.0.1", port: 9092, rack: null }],
   *   clusterId: null,
   *   controllerId: 1,
   *   topics: [{
   *     errorCode: 0,
   *     name: "t",
   *     topicId: new Uint8Array(16),
   *     isInternal: false,
   *     partitions: [{
   *       errorCode: 0,
   *       partitionIndex: 0,
   *       leaderId: 1,
   *       leaderEpoch: 7,
   *       replicaNodes: [1, 2],
   *       isrNodes: [1, 2],
   *       offlineReplicas: [],
   *     }],
   *     topicAuthorizedOperations: 0,
   *   }],
   *   clusterAuthorizedOperations: 0,
   *   errorCode: 0,
   * }, 0);
   * const next = snapshot.withLeaders(
   *   [{ topic: "t", partition: 0, leaderId: 2, leaderEpoch: 8 }],
   *   [{ nodeId: 2, host: "127.0.0.1", port: 9093 }],
   * );
   * console.log(next.topics.get("t")?.leaders[0]); // 2
   * console.log(next.withLeaders([{ topic: "t", partition: 0, leaderId: 1, leaderEpoch: 8 }], []) === next); // true
   * ```
   *
   * @param leaders The leaders named.
   * @param endpoints The addresses sent with them.
   * @returns The new snapshot, or this one when no partition moved.
   */
  withLeaders(
    leaders: readonly PartitionLeader[],
    endpoints: readonly BrokerInfo[],
  ): MetadataSnapshot {
    const brokers = new Map(this.brokers);
    for (const e of endpoints) {
      if (e.nodeId >= 0) brokers.set(e.nodeId, { nodeId: e.nodeId, host: e.host, port: e.port });
    }
    const topics = new Map(this.topics);
    let moved = false;
    for (const l of leaders) {
      const topic = topics.get(l.topic);
      if (topic === undefined || l.partition < 0 || l.partition >= topic.leaders.length) continue;
      if (l.leaderId < 0 || l.leaderEpoch < 0 || !brokers.has(l.leaderId)) continue;
      const known = topic.leaderEpochs[l.partition]!;
      if (known >= 0 && l.leaderEpoch <= known) continue;
      // Copy a topic's arrays once, at its first move.
      const copy = topic === this.topics.get(l.topic)
        ? { ...topic, leaders: topic.leaders.slice(), leaderEpochs: topic.leaderEpochs.slice() }
        : topic;
      copy.leaders[l.partition] = l.leaderId;
      copy.leaderEpochs[l.partition] = l.leaderEpoch;
      topics.set(l.topic, copy);
      moved = true;
    }
    if (!moved) return this;
    return MetadataSnapshot.#of(brokers, topics, this.fetchedMs);
  }

  static #of(
    brokers: ReadonlyMap<number, BrokerInfo>,
    topics: ReadonlyMap<string, TopicInfo>,
    fetchedMs: number,
  ): MetadataSnapshot {
    const snapshot = new MetadataSnapshot(null, fetchedMs);
    (snapshot as { brokers: ReadonlyMap<number, BrokerInfo> }).brokers = brokers;
    (snapshot as { topics: ReadonlyMap<string, TopicInfo> }).topics = topics;
    return snapshot;
  }
}
