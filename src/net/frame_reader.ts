/**
 * Frame reassembly: a broker's responses arrive as a byte stream cut into reads of any
 * size, each response a 4-byte big-endian size followed by that many bytes. A
 * {@linkcode FrameReader} takes the reads in order and hands out whole frames.
 *
 * @module
 */

/**
 * Splits the reads of a socket into size-prefixed frames. A frame that lies whole in
 * one read is handed out as a view of it; only frames that straddle reads are copied,
 * each byte once.
 *
 * @example Two frames, the second split over two reads
 * ```ts
 * import { FrameReader } from "./frame_reader.ts";
 *
 * const frames: number[][] = [];
 * const reader = new FrameReader(1024, (frame) => frames.push([...frame]), console.error);
 * reader.push(new Uint8Array([0, 0, 0, 1, 7, 0, 0, 0, 2, 8]));
 * console.log(reader.midFrame); // true: one byte of the second frame is missing
 * reader.push(new Uint8Array([9]));
 * console.log(frames); // [ [ 7 ], [ 8, 9 ] ]
 * ```
 */
export class FrameReader {
  readonly #maxFrameBytes: number;
  readonly #onFrame: (frame: Uint8Array) => void;
  readonly #onBadSize: (reason: string) => void;
  /** The 4-byte size prefix, when it is split over reads. */
  readonly #sizeBytes = new Uint8Array(4);
  #sizeFill = 0;
  /** The frame being assembled from several reads, if any. */
  #frame: Uint8Array | undefined;
  #frameFill = 0;
  #stopped = false;

  /**
   * Starts with no bytes buffered.
   *
   * @param maxFrameBytes The largest frame accepted, in bytes.
   * @param onFrame Called with each whole frame (its size prefix excluded), in order.
   * It may call {@linkcode FrameReader.stop}; the rest of the read is then dropped.
   * @param onBadSize Called, once, with why a size prefix is refused (negative, or
   * over `maxFrameBytes`), e.g. "its size -1 is negative"; the reader stops.
   */
  constructor(
    maxFrameBytes: number,
    onFrame: (frame: Uint8Array) => void,
    onBadSize: (reason: string) => void,
  ) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#onFrame = onFrame;
    this.#onBadSize = onBadSize;
  }

  /** Whether part of a frame (or of its size prefix) is buffered. */
  get midFrame(): boolean {
    return this.#sizeFill > 0 || this.#frame !== undefined;
  }

  /**
   * Takes the next read of the stream.
   *
   * @param chunk The bytes read; a frame handed out may be a view of them.
   */
  push(chunk: Uint8Array): void {
    const length = chunk.length;
    let at = 0;
    while (at < length && !this.#stopped) {
      const frame = this.#frame;
      if (frame !== undefined) {
        const n = Math.min(frame.length - this.#frameFill, length - at);
        frame.set(chunk.subarray(at, at + n), this.#frameFill);
        this.#frameFill += n;
        at += n;
        if (this.#frameFill === frame.length) {
          this.#frame = undefined;
          this.#onFrame(frame);
        }
        continue;
      }
      let size: number;
      if (this.#sizeFill === 0 && length - at >= 4) {
        size = (chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!;
        at += 4;
      } else {
        const n = Math.min(4 - this.#sizeFill, length - at);
        this.#sizeBytes.set(chunk.subarray(at, at + n), this.#sizeFill);
        this.#sizeFill += n;
        at += n;
        if (this.#sizeFill < 4) return;
        this.#sizeFill = 0;
        const b = this.#sizeBytes;
        size = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
      }
      if (size < 0 || size > this.#maxFrameBytes) {
        this.stop();
        this.#onBadSize(
          `its size ${size} is ${
            size < 0 ? "negative" : `over the limit of ${this.#maxFrameBytes} bytes`
          }`,
        );
        return;
      }
      if (length - at >= size) {
        // The whole frame is in this chunk: a view, no copy.
        const whole = chunk.subarray(at, at + size);
        at += size;
        this.#onFrame(whole);
      } else {
        const partial = new Uint8Array(size);
        partial.set(chunk.subarray(at));
        this.#frame = partial;
        this.#frameFill = length - at;
        at = length;
      }
    }
  }

  /** Drops what is buffered; later reads are ignored. */
  stop(): void {
    this.#stopped = true;
    this.#frame = undefined;
  }
}
