/**
 * What a metadata refresh changed, for the `metadata` and `leader-change` events:
 * brokers added or removed, partition counts, and each partition whose leader moved.
 * Pure: two snapshots in, the changes out.
 *
 * @module
 */

import { formatAddress } from "../net/connect_broker.ts";
import type { MetadataSnapshot } from "../cluster/metadata_snapshot.ts";
import type {
  LeaderChangeEventDetail,
  MetadataEventDetail,
  PartitionCountChange,
} from "./producer_events.ts";

/** The changes between two snapshots. */
export interface MetadataChanges {
  /** The `metadata` event's detail, or null when nothing changed. */
  readonly metadata: MetadataEventDetail | null;
  /** One per partition whose leader moved (partitions of topics new in `next` excluded). */
  readonly leaders: readonly LeaderChangeEventDetail[];
}

/**
 * Compares two snapshots.
 *
 * @param previous The snapshot before the refresh.
 * @param next The one after.
 * @returns What changed.
 *
 * @example A leader that moved
 * ```ts
 * import { metadataChanges } from "./metadata_changes.ts";
 * import { MetadataSnapshot } from "../cluster/metadata_snapshot.ts";
 *
 * const response = (leader: number) => ({
 *   throttleTimeMs: 0,
 *   brokers: [1, 2].map((nodeId) => ({ nodeId, host: "127.0.0.1", port: 9090 + nodeId, rack: null })),
 *   clusterId: null,
 *   controllerId: 1,
 *   topics: [{
 *     errorCode: 0,
 *     name: "events",
 *     topicId: new Uint8Array(16),
 *     isInternal: false,
 *     partitions: [{
 *       errorCode: 0,
 *       partitionIndex: 0,
 *       leaderId: leader,
 *       leaderEpoch: leader,
 *       replicaNodes: [1, 2],
 *       isrNodes: [1, 2],
 *       offlineReplicas: [],
 *     }],
 *     topicAuthorizedOperations: 0,
 *   }],
 *   clusterAuthorizedOperations: 0,
 *   errorCode: 0,
 * });
 * const changes = metadataChanges(
 *   new MetadataSnapshot(response(1), 1),
 *   new MetadataSnapshot(response(2), 2),
 * );
 * console.log(changes.leaders[0]); // { topic: "events", partition: 0, previousLeader: 1, leader: 2, leaderEpoch: 2 }
 * ```
 */
export function metadataChanges(
  previous: MetadataSnapshot,
  next: MetadataSnapshot,
): MetadataChanges {
  if (previous === next) return { metadata: null, leaders: [] };
  const brokersAdded: number[] = [];
  const brokersRemoved: number[] = [];
  let brokersMoved = false;
  for (const [id, b] of next.brokers) {
    const before = previous.brokers.get(id);
    if (before === undefined) brokersAdded.push(id);
    else if (before.host !== b.host || before.port !== b.port) brokersMoved = true;
  }
  for (const id of previous.brokers.keys()) if (!next.brokers.has(id)) brokersRemoved.push(id);
  const partitions: PartitionCountChange[] = [];
  const leaders: LeaderChangeEventDetail[] = [];
  for (const [name, topic] of next.topics) {
    const before = previous.topics.get(name);
    const from = before?.partitionCount ?? 0;
    if (from !== topic.partitionCount) {
      partitions.push({ topic: name, from, to: topic.partitionCount });
    }
    if (before === undefined || before.partitionCount === 0) continue;
    const shared = Math.min(before.leaders.length, topic.leaders.length);
    for (let p = 0; p < shared; p++) {
      const leader = topic.leaders[p]!;
      const previousLeader = before.leaders[p]!;
      if (leader === previousLeader) continue;
      leaders.push({
        topic: name,
        partition: p,
        previousLeader,
        leader,
        leaderEpoch: topic.leaderEpochs[p] ?? -1,
      });
    }
  }
  const changed = brokersAdded.length > 0 || brokersRemoved.length > 0 || brokersMoved ||
    partitions.length > 0 || leaders.length > 0;
  if (!changed) return { metadata: null, leaders };
  return {
    metadata: {
      brokers: [...next.brokers.values()].map((b) => ({
        nodeId: b.nodeId,
        address: formatAddress(b.host, b.port),
      })),
      brokersAdded,
      brokersRemoved,
      partitions,
      leaderChanges: leaders.length,
    },
    leaders,
  };
}
