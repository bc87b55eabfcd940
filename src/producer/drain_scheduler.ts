/**
 * When the sender drains: at most once per microtask turn however many events asked
 * for it (a batch queued, an answer, a metadata update), and at the earliest time
 * something waits for (a retry's backoff, a delivery timeout).
 *
 * @module
 */

import type { Cancel, Clock } from "../timers.ts";

/** Coalesces wake-ups of a drain function and keeps one timer for the earliest due time. */
export class DrainScheduler {
  readonly #clock: Clock;
  readonly #drain: () => void;
  #scheduled = false;
  #stopped = false;
  #cancelTimer: Cancel = () => {};
  #timerAt = Infinity;

  /**
   * @param clock Time and timers.
   * @param drain What to run.
   *
   * @example Three wake-ups in one turn drain once
   * ```ts
   * import { DrainScheduler } from "./drain_scheduler.ts";
   * import { systemClock } from "../timers.ts";
   *
   * let drains = 0;
   * const scheduler = new DrainScheduler(systemClock, () => drains++);
   * scheduler.wake();
   * scheduler.wake();
   * scheduler.wake();
   * await Promise.resolve();
   * console.log(drains); // 1
   * ```
   */
  constructor(clock: Clock, drain: () => void) {
    this.#clock = clock;
    this.#drain = drain;
  }

  /** Drains at the end of this turn (once, however often it is asked). */
  wake(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (!this.#stopped) this.#drain();
    });
  }

  /**
   * Drains at `at` (ms on the clock) unless a timer for an earlier time is set.
   *
   * @param at When; Infinity for never.
   */
  wakeAt(at: number): void {
    if (this.#stopped || at === Infinity || at >= this.#timerAt) return;
    this.#cancelTimer();
    this.#timerAt = at;
    this.#cancelTimer = this.#clock.schedule(() => {
      this.#timerAt = Infinity;
      this.wake();
    }, at - this.#clock.now());
  }

  /** No drain from now on; the timer is cancelled. */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer();
  }
}
