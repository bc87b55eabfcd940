/**
 * One Metadata response turned into what the producer asks per record and per
 * batch: a topic's partition count and each partition's leader, and each broker's
 * address. Immutable: a refresh builds a new snapshot.
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
   */
  constructor(response: MetadataResponse | null, fetchedMs: number) {
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
      for (const p of t.partitions) {
        // A partition whose leader is not available (or not among the brokers) has none.
        leaders[p.partitionIndex] = brokers.has(p.leaderId) ? p.leaderId : -1;
        leaderEpochs[p.partitionIndex] = p.leaderEpoch;
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
}
