/**
 * Reuses batch buffers, as the Java producer's `BufferPool` does, in power-of-two
 * sizes from 1 KiB up to `batchBytes`. A batch takes a buffer sized for what its
 * partition recently sent and gives it back once acknowledged; the next batch writes
 * into it. Without it a stream allocates (and the collector later frees) one buffer
 * per batch, and peak memory follows the garbage collector's lag instead of
 * `bufferBytes`. A buffer is at most twice the batch it holds.
 *
 * @module
 */

import type { BufferAllocator } from "../record/record_batch_builder.ts";

const MIN_SIZE = 1024;

/** Free lists of buffers by power-of-two size. */
export class BufferPool implements BufferAllocator {
  readonly #maxSize: number;
  readonly #maxFreeBytes: number;
  readonly #free = new Map<number, Uint8Array[]>();
  #freeBytes = 0;

  /**
   * @param maxSize The largest pooled size (`batchBytes`, rounded up to a power of two).
   * @param maxFreeBytes The most bytes kept free in the pool.
   */
  constructor(maxSize: number, maxFreeBytes: number) {
    this.#maxSize = BufferPool.bucket(maxSize);
    this.#maxFreeBytes = maxFreeBytes;
  }

  /**
   * The pooled size that holds `size` bytes: the next power of two, at least 1 KiB.
   *
   * @param size Bytes needed.
   * @returns The bucket size.
   */
  static bucket(size: number): number {
    return size <= MIN_SIZE ? MIN_SIZE : 2 ** Math.ceil(Math.log2(size));
  }

  /**
   * A buffer of at least `size` bytes: a free one of its bucket or the next larger
   * one free, or a new one.
   *
   * @param size Bytes needed.
   * @returns The buffer (its length is the bucket size).
   */
  take(size: number): Uint8Array {
    // Larger than any pooled size (a record bigger than batchBytes): exact, unpooled.
    if (size > this.#maxSize) return new Uint8Array(size);
    const bucket = BufferPool.bucket(size);
    // Its own size first, else the smallest larger one: buffers freed by batches of
    // another size are reused rather than left to pile up while new ones are made.
    for (let b = bucket; b <= this.#maxSize; b *= 2) {
      const reused = this.#free.get(b)?.pop();
      if (reused !== undefined) {
        this.#freeBytes -= b;
        return reused;
      }
    }
    return new Uint8Array(bucket);
  }

  /**
   * Returns the buffer behind `bytes` if it is a whole pooled-size buffer and the pool
   * has room, if need be by dropping smaller free buffers; anything else is left to
   * the garbage collector.
   *
   * @param bytes A view of the buffer; nothing may use it afterwards.
   */
  give(bytes: Uint8Array): void {
    const size = bytes.buffer.byteLength;
    if (bytes.byteOffset !== 0 || size > this.#maxSize || size !== BufferPool.bucket(size)) return;
    // Full: smaller free buffers make room, as a larger buffer also serves smaller
    // requests; otherwise the pool fills with sizes nobody asks for any more.
    for (let b = MIN_SIZE; b < size && this.#freeBytes + size > this.#maxFreeBytes; b *= 2) {
      const smaller = this.#free.get(b);
      while (
        smaller !== undefined && smaller.length > 0 && this.#freeBytes + size > this.#maxFreeBytes
      ) {
        smaller.pop();
        this.#freeBytes -= b;
      }
    }
    if (this.#freeBytes + size > this.#maxFreeBytes) return;
    let list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, list = []);
    list.push(new Uint8Array(bytes.buffer as ArrayBuffer));
    this.#freeBytes += size;
  }
}
