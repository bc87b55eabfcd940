/**
 * The clock the producer's waits and timeouts run on. Runtimes' own timers hold at
 * most 2^31 - 1 ms (about 24.8 days): a longer delay fires at once, with a warning on
 * Node. {@link systemClock} waits out any delay by chaining timers, and never fires
 * for `Infinity`, so a `maxBlockMs` of `1e10` means what it says. Tests inject a
 * manual clock instead of patching globals.
 *
 * @module
 */

/** The longest delay a runtime timer holds, in milliseconds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Cancels a scheduled callback; calling it after the callback ran does nothing. */
export type Cancel = () => void;

/**
 * Time and timers.
 *
 * @example A clock that only says the time
 * ```ts
 * import { type Clock, systemClock } from "./timers.ts";
 *
 * const frozen: Clock = { ...systemClock, now: () => 0 };
 * console.log(frozen.now()); // 0
 * ```
 */
export interface Clock {
  /**
   * The time in milliseconds since the epoch.
   *
   * @returns The time.
   */
  now(): number;
  /**
   * Calls `callback` once, `ms` milliseconds from now (any delay; `Infinity` never).
   *
   * @param callback What to call.
   * @param ms The delay in milliseconds.
   * @param unref Whether the pending timer may let the process end (a periodic refresh).
   * @returns Cancels the call.
   */
  schedule(callback: () => void, ms: number, unref?: boolean): Cancel;
}

const NOTHING: Cancel = () => {};

/**
 * The runtime's clock: `Date.now()` and `setTimeout`, chained for delays past
 * {@link MAX_TIMER_MS}.
 *
 * @example Waiting for longer than a runtime timer can
 * ```ts
 * import { systemClock } from "./timers.ts";
 *
 * const cancel = systemClock.schedule(() => console.log("in 30 days"), 30 * 86_400_000);
 * cancel();
 * ```
 */
export const systemClock: Clock = {
  now: (): number => Date.now(),
  schedule(callback: () => void, ms: number, unref = false): Cancel {
    if (ms === Infinity) return NOTHING;
    const due = Date.now() + Math.max(0, ms);
    let handle: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      const left = due - Date.now();
      if (left > MAX_TIMER_MS) {
        handle = setTimeout(arm, MAX_TIMER_MS);
      } else {
        handle = setTimeout(() => {
          handle = undefined;
          callback();
        }, Math.max(0, left));
      }
      if (unref) (handle as { unref?: () => void }).unref?.();
    };
    arm();
    return () => {
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    };
  },
};

/**
 * A promise that resolves after `ms` milliseconds on `clock`.
 *
 * @param clock The clock.
 * @param ms The delay.
 * @returns Resolves after the delay.
 *
 * @example Sleeping
 * ```ts
 * import { sleep, systemClock } from "./timers.ts";
 *
 * await sleep(systemClock, 1);
 * ```
 */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.schedule(resolve, ms));
}

/**
 * An exponential backoff with ±20% jitter, as Java's `ExponentialBackoff`: `baseMs`
 * doubled per attempt after the first, capped at `maxMs`.
 *
 * @param attempts Attempts made so far (1 for the first retry).
 * @param baseMs The first backoff.
 * @param maxMs The longest backoff.
 * @param random A source of numbers in [0, 1) (injectable for tests).
 * @returns The delay in milliseconds.
 *
 * @example The third retry's backoff, without jitter
 * ```ts
 * import { backoffMs } from "./timers.ts";
 *
 * console.log(backoffMs(3, 100, 1000, () => 0.5)); // 400
 * ```
 */
export function backoffMs(
  attempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  const delay = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return delay * (0.8 + random() * 0.4);
}
