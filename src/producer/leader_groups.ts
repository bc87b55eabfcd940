/**
 * Which partitions may send now, grouped by the broker that leads them: the step of a
 * drain that reads the queues and the metadata and decides nothing else. Pure.
 *
 * @module
 */

import type { TopicInfo } from "../cluster/metadata_snapshot.ts";
import type { PartitionQueue } from "./partition_queue.ts";

/** The queues ready to send, by leader, and what the others wait for. */
export interface LeaderGroups {
  /** Ready queues by the leader's broker id, in queue order. */
  readonly byLeader: Map<number, PartitionQueue[]>;
  /** Some queue has no known leader: metadata should be refreshed. */
  readonly needMetadata: boolean;
  /** The earliest retry backoff that ends (ms), Infinity for none. */
  readonly nextRetryAt: number;
}

/**
 * Groups the queues that may send now by their partition's leader. A queue waits while
 * its retry backoff runs, unless its partition has a newer leader epoch than the one the
 * batch failed under (a batch going back to a new leader skips its backoff, as Java's
 * RecordAccumulator does); a queue whose partition is not ready (a transaction that has
 * not added it yet) waits too.
 *
 * @param queues Every partition's queue.
 * @param now The clock (ms).
 * @param perPartition Batches a partition may have in flight.
 * @param topic The metadata of a topic, if known.
 * @param partitionReady Whether a partition may be sent to (the transaction's say).
 * @returns The groups.
 *
 * @example One partition ready under broker 1, one without a leader
 * ```ts
 * import { groupByLeader } from "./leader_groups.ts";
 * import { PartitionQueue } from "./partition_queue.ts";
 * import type { ProducerBatch } from "./producer_batch.ts";
 *
 * const a = new PartitionQueue("t", 0);
 * const b = new PartitionQueue("t", 1);
 * a.batches.push({} as ProducerBatch);
 * b.batches.push({} as ProducerBatch);
 * const info = {
 *   name: "t",
 *   topicId: new Uint8Array(16),
 *   errorCode: 0,
 *   partitionCount: 2,
 *   leaders: Int32Array.of(1, -1),
 *   leaderEpochs: Int32Array.of(0, -1),
 * };
 * const groups = groupByLeader([a, b], 0, 5, () => info, () => true);
 * console.log(groups.byLeader.get(1)?.length, groups.needMetadata); // 1 true
 * ```
 */
export function groupByLeader(
  queues: Iterable<PartitionQueue>,
  now: number,
  perPartition: number,
  topic: (name: string) => TopicInfo | undefined,
  partitionReady: (topic: string, partition: number) => boolean,
): LeaderGroups {
  const byLeader = new Map<number, PartitionQueue[]>();
  let needMetadata = false;
  let nextRetryAt = Infinity;
  for (const queue of queues) {
    if (!queue.maySend(perPartition)) continue;
    const info = topic(queue.topic);
    if (
      queue.retryAtMs > now &&
      !((info?.leaderEpochs[queue.partition] ?? -1) > queue.retryLeaderEpoch)
    ) {
      nextRetryAt = Math.min(nextRetryAt, queue.retryAtMs);
      continue;
    }
    const leader = info?.leaders[queue.partition] ?? -1;
    if (leader < 0) {
      needMetadata = true;
      continue;
    }
    if (!partitionReady(queue.topic, queue.partition)) continue;
    let list = byLeader.get(leader);
    if (list === undefined) byLeader.set(leader, list = []);
    list.push(queue);
  }
  return { byLeader, needMetadata, nextRetryAt };
}
