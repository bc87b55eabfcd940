/**
 * What the socket adapters share: releasing a stream or socket that may already be
 * closed or errored.
 *
 * @module
 */

/**
 * Runs `action`, ignoring what it throws: for closing or erroring a stream or socket
 * that may already be closed or errored, where there is nothing left to release.
 *
 * @param action What to run.
 *
 * @example Closing a stream twice
 * ```ts
 * import { safely } from "./safely.ts";
 *
 * new ReadableStream<Uint8Array>({
 *   start: (controller) => {
 *     controller.close();
 *     safely(() => controller.close()); // a TypeError, ignored
 *   },
 * });
 * ```
 */
export function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Already closed or errored: nothing left to release.
  }
}
