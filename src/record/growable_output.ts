/**
 * The output buffer of a decompressor: grows by doubling, and refuses to grow past
 * the caller's limit, so a small input claiming a huge output is refused, not
 * allocated.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";

/** A decompressor's output; `bytes` may be replaced as it grows. */
export class GrowableOutput {
  /** The buffer; valid up to `length`. */
  bytes: Uint8Array;
  /** Bytes written. */
  length = 0;
  readonly #maxBytes: number;
  readonly #what: string;

  /**
   * @param sizeHint The first capacity.
   * @param maxBytes The most bytes the output may hold.
   * @param what The codec, for error messages ("lz4", "snappy").
   */
  constructor(sizeHint: number, maxBytes: number, what: string) {
    this.#maxBytes = maxBytes;
    this.#what = what;
    this.bytes = new Uint8Array(Math.max(64, Math.min(sizeHint, maxBytes)));
  }

  /** How many more bytes the limit allows. */
  get room(): number {
    return this.#maxBytes - this.length;
  }

  /**
   * Makes room for `n` more bytes.
   *
   * @param n How many.
   * @throws {KafkaProtocolError} Past the limit.
   */
  ensure(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    if (needed > this.#maxBytes) this.tooLarge();
    const next = new Uint8Array(Math.min(this.#maxBytes, Math.max(needed, this.bytes.length * 2)));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /**
   * Fails: the output would pass the limit.
   *
   * @throws {KafkaProtocolError} Always.
   */
  tooLarge(): never {
    throw new KafkaProtocolError(
      `Cannot decompress ${this.#what} record batch as its records exceed ${this.#maxBytes} bytes`,
    );
  }

  /** The bytes written, as one array (a view when the buffer is exactly full). */
  result(): Uint8Array {
    return this.length === this.bytes.length ? this.bytes : this.bytes.slice(0, this.length);
  }
}
