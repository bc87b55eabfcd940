/**
 * How a sink shares the event loop with the sender. A sink fed by `pipeTo` writes in
 * a chain of microtasks that never lets the event loop run: without a turn the
 * sender's socket writes and the brokers' acknowledgements would wait until the whole
 * buffer is full. And a sink that runs ahead of the sender gains nothing: the batches
 * it closes only wait for a free request slot, holding memory while the records could
 * have stayed in the user's stream (a pipe pulls only what the sink takes). So after
 * every `turnBytes` buffered the sink lets the event loop turn, and waits while more
 * than a quarter of `bufferBytes` waits unsent; the rest of the buffer is for batches
 * being filled, requests in flight and `send()` callers. Deno's event loop polls its
 * sockets only every few dozen `setImmediate` turns, so without the wait its sink kept
 * the whole buffer full.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import { KafkaTimeoutError } from "../errors.ts";

/** A sink lets the event loop turn after buffering this many bytes (or bufferBytes / 8). */
const TURN_BYTES = 1024 * 1024;

/** What the pacer reads of the sender. */
export interface UnsentSource {
  /** The bytes of batches not sent yet. */
  readonly unsentBytes: number;
  /** Resolves once fewer than `bytes` wait unsent, or fails with `onTimeout()` after `timeoutMs`. */
  whenUnsentBelow(bytes: number, timeoutMs: number, onTimeout: () => Error): Promise<void>;
}

/** Paces a producer's sinks. */
export class SinkPacer {
  readonly #sender: UnsentSource;
  readonly #bufferBytes: number;
  readonly #maxBlockMs: number;
  readonly #turnBytes: number;
  #sinceTurn = 0;
  #turn: Promise<void> | null = null;

  /**
   * @param sender The sender's unsent bytes.
   * @param bufferBytes The producer's budget.
   * @param maxBlockMs How long a sink may wait for the sender to catch up.
   */
  constructor(sender: UnsentSource, bufferBytes: number, maxBlockMs: number) {
    this.#sender = sender;
    this.#bufferBytes = bufferBytes;
    this.#maxBlockMs = maxBlockMs;
    this.#turnBytes = Math.min(TURN_BYTES, bufferBytes / 8);
  }

  /**
   * Counts bytes buffered (by any writer).
   *
   * @param bytes The record's size.
   */
  buffered(bytes: number): void {
    this.#sinceTurn += bytes;
  }

  /**
   * After each `turnBytes` buffered: a promise that resolves once the event loop
   * turned and the sender caught up; else undefined.
   *
   * @returns Undefined, or a promise that resolves when the sink may go on; it rejects
   * with a {@link KafkaTimeoutError} if the sender did not catch up in `maxBlockMs`.
   */
  yieldDue(): Promise<void> | undefined {
    if (this.#sinceTurn < this.#turnBytes) return undefined;
    return this.#turn ??= this.#nextTurn();
  }

  #nextTurn(): Promise<void> {
    const limit = this.#bufferBytes / 4;
    const sender = this.#sender;
    const turn = sender.unsentBytes < limit
      ? new Promise<void>((resolve) => setImmediate(resolve))
      : sender.whenUnsentBelow(limit, this.#maxBlockMs, () =>
        new KafkaTimeoutError(
          `Cannot buffer more records as ${sender.unsentBytes} bytes waited to be sent for ${this.#maxBlockMs} ms (maxBlockMs)`,
        ));
    return turn.then(() => this.#turned(), (error) => {
      this.#turned();
      throw error;
    });
  }

  #turned(): void {
    this.#turn = null;
    this.#sinceTurn = 0;
  }
}
