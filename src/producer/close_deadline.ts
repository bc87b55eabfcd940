/**
 * close()'s deadline: `close({ timeoutMs })` may be called more than once, and the
 * earliest deadline wins. When it passes, the producer fails whatever is not settled
 * (a {@link KafkaCloseTimeoutError} naming how many records), and the close goes on
 * against closed connections.
 *
 * @module
 */

import type { KafkaCloseTimeoutError } from "../errors.ts";
import type { Cancel, Clock } from "../timers.ts";
import type { CloseOptions } from "./producer.ts";

/** Tracks close()'s earliest deadline and what passing it did. */
export class CloseDeadline {
  readonly #clock: Clock;
  readonly #force: (timeoutMs: number) => KafkaCloseTimeoutError | null;
  #at = Infinity;
  #cancel: Cancel = () => {};
  readonly #passed = Promise.withResolvers<void>();
  #error: KafkaCloseTimeoutError | null = null;

  /**
   * @param clock Time and timers.
   * @param force Called once when the deadline passes: fails what is left, and returns
   *   the error it failed it with (null when everything had settled).
   *
   * @example The earliest of two deadlines wins
   * ```ts
   * import { CloseDeadline } from "./close_deadline.ts";
   * import { systemClock } from "../timers.ts";
   *
   * const deadline = new CloseDeadline(systemClock, (ms) => {
   *   console.log(`forced after ${ms} ms`); // forced after 10 ms
   *   return null;
   * });
   * deadline.set(1000);
   * deadline.set(10);
   * await deadline.passed;
   * ```
   */
  constructor(clock: Clock, force: (timeoutMs: number) => KafkaCloseTimeoutError | null) {
    this.#clock = clock;
    this.#force = force;
  }

  /** Resolves once the deadline passed (never, if it does not). */
  get passed(): Promise<void> {
    return this.#passed.promise;
  }

  /** The error the records left at the deadline failed with, if any. */
  get error(): KafkaCloseTimeoutError | null {
    return this.#error;
  }

  /**
   * Sets a deadline `timeoutMs` from now, unless an earlier one is set.
   *
   * @param timeoutMs How long close() may take.
   */
  set(timeoutMs: number): void {
    const at = this.#clock.now() + timeoutMs;
    if (at >= this.#at) return;
    this.#at = at;
    this.#cancel();
    this.#cancel = this.#clock.schedule(() => {
      this.#error = this.#force(timeoutMs);
      this.#passed.resolve();
    }, timeoutMs);
  }

  /** Cancels the deadline's timer (the close finished). */
  cancel(): void {
    this.#cancel();
  }
}

/**
 * The `timeoutMs` of close()'s options, checked.
 *
 * @param options What close() was given.
 * @returns The timeout in ms, Infinity when none was given.
 * @throws {TypeError} For options that are not an object or a timeout not a number.
 * @throws {RangeError} For a negative timeout.
 *
 * @example
 * ```ts
 * import { closeTimeout } from "./close_deadline.ts";
 *
 * console.log(closeTimeout(undefined)); // Infinity
 * console.log(closeTimeout({ timeoutMs: 5000 })); // 5000
 * ```
 */
export function closeTimeout(options: CloseOptions | undefined): number {
  if (options === undefined) return Infinity;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot close producer as options must be an object: current value is ${String(options)}`,
    );
  }
  const timeoutMs = options.timeoutMs;
  if (timeoutMs === undefined) return Infinity;
  if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs)) {
    throw new TypeError(
      `Cannot close producer as timeoutMs must be a number: current value is ${
        typeof timeoutMs === "string" ? JSON.stringify(timeoutMs) : String(timeoutMs)
      }`,
    );
  }
  if (timeoutMs < 0) {
    throw new RangeError(
      `Cannot close producer as timeoutMs must be at least 0: current value is ${timeoutMs}`,
    );
  }
  return timeoutMs;
}
