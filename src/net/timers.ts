/**
 * The timer functions of the net layer: request timeouts, connect timeouts and
 * re-authentication run on them, so tests can inject a fake clock.
 *
 * @module
 */

/**
 * The timer functions the connection uses; tests inject a fake clock.
 *
 * @example A timer source that counts the timers it starts
 * ```ts
 * import type { Timers } from "./timers.ts";
 *
 * let started = 0;
 * const timers: Timers = {
 *   setTimeout: (callback: () => void, ms: number) => (started++, setTimeout(callback, ms)),
 *   clearTimeout: (handle: unknown) => clearTimeout(handle as number),
 * };
 * ```
 */
export interface Timers {
  /**
   * Calls `callback` once after `ms` milliseconds.
   *
   * @param callback What to call.
   * @param ms The delay.
   * @returns A handle for {@linkcode Timers.clearTimeout}.
   */
  setTimeout(callback: () => void, ms: number): unknown;
  /**
   * Cancels a timer; a handle of a timer that already fired is ignored.
   *
   * @param handle What {@linkcode Timers.setTimeout} returned.
   */
  clearTimeout(handle: unknown): void;
}

/**
 * The runtime's own timers.
 *
 * @example Waiting a millisecond
 * ```ts
 * import { globalTimers } from "./timers.ts";
 *
 * await new Promise<void>((resolve) => globalTimers.setTimeout(resolve, 1));
 * ```
 */
export const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
