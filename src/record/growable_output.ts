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

  /**
   * Makes room for `n` more bytes.
   *
   * @param n How many.
   * @throws {KafkaProtocolError} Past the limit.
   */
  ensure(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    if (needed > this.#maxBytes) {
      throw new KafkaProtocolError(
        `Cannot decompress ${this.#what} record batch as its records exceed ${this.#maxBytes} bytes`,
      );
    }
    const next = new Uint8Array(Math.min(this.#maxBytes, Math.max(needed, this.bytes.length * 2)));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /**
   * Copies `n` bytes from `distance` bytes back (they may overlap what is written).
   *
   * @param distance How far back, at least 1 and at most `length`.
   * @param n How many bytes.
   */
  copyBack(distance: number, n: number): void {
    this.ensure(n);
    const out = this.bytes;
    let op = this.length;
    const from = op - distance;
    if (distance >= n) {
      out.copyWithin(op, from, from + n);
    } else {
      for (let i = 0; i < n; i++) out[op + i] = out[from + i]!;
    }
    op += n;
    this.length = op;
  }

  /** The bytes written, as one array (a view when the buffer is exactly full). */
  result(): Uint8Array {
    return this.length === this.bytes.length ? this.bytes : this.bytes.slice(0, this.length);
  }
}
