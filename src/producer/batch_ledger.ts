/**
 * The sender's accounts of its batches: how many are pending (queued, in flight or
 * being retried, not settled), how many are in flight, which expired while in flight
 * (their answer, when it comes, is moot), and the bytes never sent yet. Every batch
 * is settled here exactly once, which is when its records' promises settle and when
 * `whenIdle()` waiters wake.
 *
 * @module
 */

import type { PartitionQueue } from "./partition_queue.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type { BatchOutcome } from "./sender_options.ts";
import type { UnsentBytes } from "./unsent_bytes.ts";

/** Counts and settles the sender's batches. */
export class BatchLedger {
  readonly #outcome: BatchOutcome;
  /** The budget bytes of the batches queued and never sent. */
  readonly unsent: UnsentBytes;
  #pending = 0;
  #inFlight = 0;
  readonly #expired = new WeakSet<ProducerBatch>();
  #idleWaiters: (() => void)[] = [];

  /**
   * @param unsent The bytes not sent yet.
   * @param outcome Told of each settled batch.
   *
   * @example A batch settled: its outcome is told, and the idle waiters wake
   * ```ts
   * import { BatchLedger } from "./batch_ledger.ts";
   * import { UnsentBytes } from "./unsent_bytes.ts";
   * import type { ProducerBatch } from "./producer_batch.ts";
   * import { systemClock } from "../timers.ts";
   *
   * const ledger = new BatchLedger(new UnsentBytes(systemClock), {
   *   delivered: (_batch, offset) => console.log("delivered at", offset), // delivered at 7n
   *   failed: () => {},
   *   fatal: () => {},
   * });
   * const batch = { reserved: 100 } as ProducerBatch;
   * ledger.added();
   * const idle = ledger.whenIdle();
   * ledger.settle(batch, null, 7n, -1);
   * await idle;
   * ```
   */
  constructor(unsent: UnsentBytes, outcome: BatchOutcome) {
    this.unsent = unsent;
    this.#outcome = outcome;
  }

  /** Batches taken and not settled. */
  get pending(): number {
    return this.#pending;
  }

  /** Batches in flight, all partitions. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** A batch was taken (enqueued, or one half of a split). */
  added(): void {
    this.#pending++;
  }

  /**
   * A batch went into a request.
   *
   * @param batch The batch.
   */
  sent(batch: ProducerBatch): void {
    this.unsent.remove(batch);
    this.#inFlight++;
  }

  /**
   * A batch's attempt ended (answered or failed): it leaves its queue's in-flight list.
   *
   * @param queue Its partition's queue.
   * @param batch The batch.
   */
  landed(queue: PartitionQueue, batch: ProducerBatch): void {
    if (queue.land(batch)) this.#inFlight--;
  }

  /**
   * A batch in flight is given up (delivery timeout, forced close): its answer is moot.
   *
   * @param batch The batch.
   */
  expiredInFlight(batch: ProducerBatch): void {
    this.#expired.add(batch);
    this.#inFlight--;
  }

  /**
   * Whether a batch was given up while in flight.
   *
   * @param batch The batch.
   * @returns True when its answer is moot.
   */
  isExpired(batch: ProducerBatch): boolean {
    return this.#expired.has(batch);
  }

  /**
   * Settles a batch: delivered at `baseOffset`, or failed with `error`.
   *
   * @param batch The batch.
   * @param error Why it failed, or null.
   * @param baseOffset Where it was stored (-1 when unknown or failed).
   * @param logAppendTime The broker's timestamp for it (-1 for none).
   */
  settle(batch: ProducerBatch, error: Error | null, baseOffset = -1n, logAppendTime = -1): void {
    this.#pending--;
    this.unsent.remove(batch);
    if (error === null) this.#outcome.delivered(batch, baseOffset, logAppendTime);
    else this.#outcome.failed(batch, error);
    if (this.#pending === 0) { for (const resolve of this.#idleWaiters.splice(0)) resolve(); }
  }

  /**
   * Resolves once nothing is pending.
   *
   * @returns The promise.
   */
  whenIdle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
