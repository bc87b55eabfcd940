/**
 * The bytes a test broker connection has read and not yet used, as the socket's reads
 * left them: requests are taken from it exactly `n` bytes at a time.
 *
 * @module
 */

/** The largest frame buffer a connection keeps for its next requests. */
const MAX_KEPT_FRAME = 4 * 1024 * 1024;

/**
 * Reads from a stream, handed out in pieces of exactly the size asked.
 *
 * @example Four bytes, then three, from reads of two and five
 * ```ts
 * import { ByteQueue } from "./byte_queue.ts";
 *
 * const reader = ReadableStream.from([new Uint8Array([0, 0]), new Uint8Array([0, 3, 7, 8, 9])])
 *   .getReader();
 * const queue = new ByteQueue();
 * console.log(await queue.take(reader, 4)); // Uint8Array(4) [ 0, 0, 0, 3 ]
 * console.log(await queue.take(reader, 3, true)); // Uint8Array(3) [ 7, 8, 9 ]
 * console.log(await queue.take(reader, 1)); // null
 * ```
 */
export class ByteQueue {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Frames spanning chunks are assembled here, reused from one request to the next. */
  #frame: Uint8Array = new Uint8Array(0);

  /**
   * Reads exactly `n` bytes, or null at end of stream. A frame (`reuse`) that spans
   * chunks is assembled into the connection's own buffer: requests are handled one at
   * a time, and what a handler keeps of a request (the record batches) it copies, so
   * the buffer is free again once the request is handled.
   *
   * @param reader The stream's reader; read from only when too few bytes are queued.
   * @param n How many bytes.
   * @param reuse Whether the bytes may be assembled into the reused frame buffer.
   * @returns The bytes (a view that is valid until the next `take`), or null when the
   * stream ended (or failed) first.
   */
  async take(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    n: number,
    reuse = false,
  ): Promise<Uint8Array | null> {
    while (this.#buffered < n) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch {
        return null;
      }
      if (result.done) return null;
      this.#chunks.push(result.value);
      this.#buffered += result.value.length;
    }
    const first = this.#chunks[0]!;
    let out: Uint8Array;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      if (reuse && n <= MAX_KEPT_FRAME) {
        if (this.#frame.length < n) {
          this.#frame = new Uint8Array(Math.max(n, this.#frame.length * 2));
        }
        out = this.#frame.subarray(0, n);
      } else out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const chunk = this.#chunks[0]!;
        const part = Math.min(chunk.length, n - at);
        out.set(chunk.subarray(0, part), at);
        at += part;
        if (part === chunk.length) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(part);
      }
    }
    this.#buffered -= n;
    return out;
  }
}
