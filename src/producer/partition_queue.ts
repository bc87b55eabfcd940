/**
 * One partition's batches between the batcher and the broker: closed batches waiting
 * to be sent, batches in flight, and batches that failed retriably and wait to go
 * back. The rules that keep order per partition across retries live here: a failed
 * batch goes back only once nothing of the partition is in flight, in sequence order,
 * and a batch sent again goes alone (nothing follows it until it is answered), as
 * Java's `RecordAccumulator` does.
 *
 * @module
 */

import { compareSequences } from "./idempotence.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** The batches of one partition, in order. */
export class PartitionQueue {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** Closed batches not in flight, in order (batches sent again at the head). */
  readonly batches: ProducerBatch[] = [];
  /** Batches sent and not answered, in sequence order. */
  readonly inFlight: ProducerBatch[] = [];
  /** Batches that failed retriably while others of the partition were in flight. */
  readonly toRetry: ProducerBatch[] = [];
  /** The sequence number the next new batch starts at (idempotence). */
  nextSequence = 0;
  /** Nothing is sent before this time (the retry backoff)... */
  retryAtMs = 0;
  /**
   * ...unless the partition's leader epoch is newer than this one, under which the
   * latest retried attempt failed (-1: unknown): a batch going to a new leader does not
   * wait out its backoff.
   */
  retryLeaderEpoch = -1;
  /** Splits under way; the partition sends nothing until they are back. */
  splitting = 0;

  /**
   * @param topic The topic.
   * @param partition The partition.
   */
  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /**
   * Whether the next batch may go now: there is one, no failed batch waits to go
   * back before it, no split is under way, and it is within `perPartition` in flight,
   * except around a retry: a batch sent again goes alone, and nothing follows it until
   * it is answered. Otherwise a later batch could reach the broker before an earlier
   * one refused for a passing reason (NOT_ENOUGH_REPLICAS just after a restart), and a
   * broker that lost this producer's state would accept it, leaving the earlier batch
   * nowhere to go but after it.
   *
   * @param perPartition The most batches of a partition in flight.
   * @returns Whether `batches[0]` may be sent.
   */
  maySend(perPartition: number): boolean {
    if (this.batches.length === 0 || this.toRetry.length > 0 || this.splitting > 0) return false;
    const inFlight = this.inFlight.length;
    if (inFlight >= perPartition) return false;
    if (inFlight === 0) return true;
    if (this.batches[0]!.attempts > 0) return false;
    for (const batch of this.inFlight) if (batch.attempts > 1) return false;
    return true;
  }

  /**
   * Takes the next batch into flight.
   *
   * @returns The batch (the caller checked {@link PartitionQueue.maySend}).
   */
  send(): ProducerBatch {
    const batch = this.batches.shift()!;
    this.inFlight.push(batch);
    batch.attempts++;
    return batch;
  }

  /**
   * A batch is no longer in flight (answered, failed or expired).
   *
   * @param batch The batch.
   * @returns Whether it was in flight.
   */
  land(batch: ProducerBatch): boolean {
    const i = this.inFlight.indexOf(batch);
    if (i < 0) return false;
    this.inFlight.splice(i, 1);
    return true;
  }

  /**
   * Whether `batch` is the oldest of the partition still owed an answer: first in
   * flight with nothing waiting to go back before it.
   *
   * @param batch The batch.
   * @returns Whether it is.
   */
  isOldest(batch: ProducerBatch): boolean {
    return this.inFlight[0] === batch && this.toRetry.length === 0 && this.splitting === 0;
  }

  /**
   * A batch failed retriably: it goes back once nothing of the partition is in
   * flight, not before `retryAtMs`.
   *
   * @param batch The batch (landed already).
   * @param retryAtMs When it may be sent again.
   * @param leaderEpoch The partition's leader epoch its attempt was sent under (-1:
   * unknown); a newer one ends the wait.
   */
  retryLater(batch: ProducerBatch, retryAtMs: number, leaderEpoch = -1): void {
    this.toRetry.push(batch);
    this.retryAtMs = Math.max(this.retryAtMs, retryAtMs);
    this.retryLeaderEpoch = Math.max(this.retryLeaderEpoch, leaderEpoch);
    this.releaseRetries();
  }

  /**
   * Once nothing is in flight and no split is under way, the failed batches go back
   * to the head of the queue in sequence order (split halves with no sequence yet,
   * after an epoch bump, first: the sort is stable).
   */
  releaseRetries(): void {
    if (this.inFlight.length > 0 || this.toRetry.length === 0 || this.splitting > 0) return;
    this.toRetry.sort((a, b) => compareSequences(a.baseSequence, b.baseSequence));
    this.batches.unshift(...this.toRetry.splice(0));
  }

  /**
   * The creation time of the oldest batch the partition holds anywhere.
   *
   * @returns The time in ms, or Infinity when it holds none.
   */
  oldestCreatedMs(): number {
    let oldest = Infinity;
    for (const list of [this.batches, this.toRetry, this.inFlight]) {
      for (const batch of list) if (batch.createdMs < oldest) oldest = batch.createdMs;
    }
    return oldest;
  }
}
