/**
 * The delivery timeout (Java's `delivery.timeout.ms`): a batch fails once this long
 * has passed since it was created, wherever it waits (queued, waiting to be sent
 * again, or in flight), and not earlier: a retry whose backoff would end after the
 * deadline still waits for it.
 *
 * @module
 */

import { KafkaTimeoutError } from "../errors.ts";
import type { PartitionQueue } from "./partition_queue.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** Where an expired batch was when its time ran out. */
export type ExpiredWhere = "queued" | "in flight";

/** The delivery-timeout clock of a producer's batches. */
export class DeliveryTimeout {
  /** The timeout (ms); Infinity for none. */
  readonly timeoutMs: number;

  /**
   * @param timeoutMs The timeout (ms); Infinity for none.
   */
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /**
   * Whether a batch still has time at `now`.
   *
   * @param batch The batch.
   * @param now The time (ms).
   * @returns True before its deadline.
   */
  hasTime(batch: ProducerBatch, now: number): boolean {
    return now - batch.createdMs < this.timeoutMs;
  }

  /**
   * When the partition's next batch runs out of time.
   *
   * @param queue The partition.
   * @returns The time (ms), or Infinity when it holds nothing.
   */
  nextExpiry(queue: PartitionQueue): number {
    return queue.oldestCreatedMs() + this.timeoutMs;
  }

  /**
   * Takes the partition's batches whose time is up out of its lists, oldest list
   * first, and hands each to `expired` with its error.
   *
   * @param queue The partition.
   * @param now The time (ms).
   * @param why Adds a reason for a queued batch (for example no leader), or null.
   * @param expired Settles each expired batch.
   */
  expire(
    queue: PartitionQueue,
    now: number,
    why: (batch: ProducerBatch, where: ExpiredWhere) => string | null,
    expired: (batch: ProducerBatch, error: KafkaTimeoutError, where: ExpiredWhere) => void,
  ): void {
    const lists = [
      [queue.inFlight, "in flight"],
      [queue.toRetry, "queued"],
      [queue.batches, "queued"],
    ] as const;
    for (const [list, where] of lists) {
      for (let i = 0; i < list.length;) {
        const batch = list[i]!;
        if (this.hasTime(batch, now)) {
          i++;
          continue;
        }
        list.splice(i, 1);
        expired(batch, this.error(batch, now, why(batch, where)), where);
      }
    }
  }

  /**
   * The error of a batch whose time ran out, naming its partition, age, attempts and
   * the last error it got.
   *
   * @param batch The batch.
   * @param now The time (ms).
   * @param why An extra reason, or null.
   * @returns The error.
   */
  error(batch: ProducerBatch, now: number, why: string | null): KafkaTimeoutError {
    const last = batch.lastError;
    const reasons = [why, last === null ? null : `last error: ${last.message}`]
      .filter((r) => r !== null);
    return new KafkaTimeoutError(
      `Expiring ${batch.count} record(s) for ${batch.topic}-${batch.partition}: ${
        now - batch.createdMs
      } ms has passed since batch creation (deliveryTimeoutMs ${this.timeoutMs}) after ${batch.attempts} attempt(s)${
        reasons.length === 0 ? "" : `; ${reasons.join("; ")}`
      }`,
      last === null ? undefined : { cause: last },
    );
  }
}
