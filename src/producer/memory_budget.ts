/**
 * The producer's byte budget (Java's `buffer.memory`): bytes buffered in batches
 * plus bytes in flight never exceed it. A record takes its share when written and
 * gives it back when its batch is acknowledged or failed; a writer that finds the
 * budget spent waits, first come first served, which is how backpressure reaches
 * the user's stream.
 *
 * @module
 */

import { type Cancel, type Clock, systemClock } from "../timers.ts";

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  cancelTimer: Cancel;
}

/**
 * A counting semaphore over bytes.
 *
 * @example Reserving and releasing
 * ```ts
 * import { MemoryBudget } from "./memory_budget.ts";
 *
 * const budget = new MemoryBudget(1024);
 * console.log(budget.tryReserve(1000)); // true
 * console.log(budget.tryReserve(100)); // false: only 24 bytes are free
 * const waiting = budget.reserve(100, 5000, () => new Error("no room within 5 s"));
 * budget.release(1000); // the waiter fits now
 * await waiting;
 * ```
 */
export class MemoryBudget {
  readonly #capacity: number;
  readonly #clock: Clock;
  #used = 0;
  readonly #waiters: Waiter[] = [];

  /**
   * @param capacity The most bytes that may be reserved at once.
   * @param clock Where each waiter's timeout runs.
   */
  constructor(capacity: number, clock: Clock = systemClock) {
    this.#capacity = capacity;
    this.#clock = clock;
  }

  /** Bytes not reserved (0 when a charge took the budget past its capacity). */
  get available(): number {
    return Math.max(0, this.#capacity - this.#used);
  }

  /** Reservations waiting for bytes. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Reserves bytes if they are free and nobody waits before us.
   *
   * @param bytes How many bytes.
   * @returns Whether they were reserved.
   */
  tryReserve(bytes: number): boolean {
    if (this.#waiters.length > 0 || this.#used + bytes > this.#capacity) return false;
    this.#used += bytes;
    return true;
  }

  /**
   * Reserves bytes, waiting for releases in arrival order. Each waiter's timeout runs
   * from its own call, however many wait before it.
   *
   * @param bytes How many bytes (at most the capacity).
   * @param timeoutMs How long to wait before failing with `onTimeout()`'s error.
   * @param onTimeout Builds the error for a timeout.
   * @returns Resolves once reserved.
   */
  reserve(bytes: number, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { bytes, resolve, reject, cancelTimer: () => {} };
      waiter.cancelTimer = this.#clock.schedule(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(onTimeout());
        this.#wake();
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /**
   * Takes bytes without waiting, even past the capacity (for memory already in use, such
   * as a batch buffer larger than its records); later reservations wait until it is back.
   *
   * @param bytes How many bytes.
   */
  charge(bytes: number): void {
    this.#used += bytes;
  }

  /**
   * Gives bytes back and wakes waiters that now fit.
   *
   * @param bytes How many bytes.
   */
  release(bytes: number): void {
    this.#used -= bytes;
    if (this.#used < 0) this.#used = 0;
    this.#wake();
  }

  /**
   * Fails every waiter, for a closing producer.
   *
   * @param error The error they get.
   */
  failWaiters(error: unknown): void {
    for (const waiter of this.#waiters.splice(0)) {
      waiter.cancelTimer();
      waiter.reject(error);
    }
  }

  #wake(): void {
    while (this.#waiters.length > 0) {
      const head = this.#waiters[0]!;
      if (this.#used + head.bytes > this.#capacity) return;
      this.#waiters.shift();
      head.cancelTimer();
      this.#used += head.bytes;
      head.resolve();
    }
  }
}
