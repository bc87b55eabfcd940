/**
 * Reuses full-size batch buffers, as the Java producer's `BufferPool` does: a batch
 * that filled `batchBytes` gives its buffer back once acknowledged, and the next
 * batch writes into it. Without it a bulk stream allocates (and the collector later
 * frees) one `batchBytes` buffer per batch, and peak memory follows the garbage
 * collector's lag instead of `bufferBytes`.
 *
 * @module
 */

/** A free list of equally sized buffers. */
export class BufferPool {
  readonly #size: number;
  readonly #maxFree: number;
  readonly #free: Uint8Array[] = [];

  /**
   * @param size The size of the pooled buffers (`batchBytes`).
   * @param maxFreeBytes The most bytes kept free in the pool.
   */
  constructor(size: number, maxFreeBytes: number) {
    this.#size = size;
    this.#maxFree = Math.floor(maxFreeBytes / size);
  }

  /** The size of the pooled buffers. */
  get size(): number {
    return this.#size;
  }

  /**
   * A buffer of the pool's size: a free one, or a new one.
   *
   * @returns The buffer.
   */
  take(): Uint8Array {
    return this.#free.pop() ?? new Uint8Array(this.#size);
  }

  /**
   * Returns the buffer behind `bytes` to the pool if it is one of the pool's size
   * and the pool has room; anything else is left to the garbage collector.
   *
   * @param bytes A view of the buffer; nothing may use it afterwards.
   */
  give(bytes: Uint8Array): void {
    if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== this.#size) return;
    if (this.#free.length >= this.#maxFree) return;
    this.#free.push(new Uint8Array(bytes.buffer as ArrayBuffer));
  }
}
