/**
 * The budget bytes of batches the sender holds but has not sent yet, and waits for
 * them to drop below a limit: a sink waits while too much waits unsent (more would
 * only wait for a free request slot, holding memory the records could spend in the
 * user's stream).
 *
 * @module
 */

import type { Cancel, Clock } from "../timers.ts";
import type { ProducerBatch } from "./producer_batch.ts";

interface Waiter {
  readonly bytes: number;
  readonly resolve: () => void;
  cancelTimer: Cancel;
}

/** Batches queued and never sent, with the bytes they hold. */
export class UnsentBytes {
  readonly #clock: Clock;
  readonly #batches = new Set<ProducerBatch>();
  #bytes = 0;
  #waiters: Waiter[] = [];

  /**
   * @param clock Where each wait's timeout runs.
   */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The budget bytes of the batches not sent yet. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * A batch was queued.
   *
   * @param batch The batch.
   */
  add(batch: ProducerBatch): void {
    this.#batches.add(batch);
    this.#bytes += batch.reserved;
  }

  /**
   * A batch left for a request, or was settled without one; waiters now below their
   * limit go on.
   *
   * @param batch The batch.
   */
  remove(batch: ProducerBatch): void {
    if (!this.#batches.delete(batch)) return;
    this.#bytes -= batch.reserved;
    if (this.#waiters.length === 0) return;
    const left: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#bytes < waiter.bytes) {
        waiter.cancelTimer();
        waiter.resolve();
      } else {
        left.push(waiter);
      }
    }
    this.#waiters = left;
  }

  /**
   * Resolves once fewer than `bytes` wait unsent.
   *
   * @param bytes The limit.
   * @param timeoutMs How long to wait before failing with `onTimeout()`'s error.
   * @param onTimeout Builds the error for a timeout.
   * @returns Resolves once below the limit.
   */
  whenBelow(bytes: number, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (this.#bytes < bytes) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, cancelTimer: () => {} };
      waiter.cancelTimer = this.#clock.schedule(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(onTimeout());
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}
