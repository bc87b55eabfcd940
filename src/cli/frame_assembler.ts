/**
 * Kafka's framing, read from chunks of any size: each frame is a 4-byte big-endian
 * size and that many bytes. A frame inside one chunk is handed out as a view of it;
 * only a frame cut between chunks is copied together.
 *
 * @module
 */

/** Assembles size-prefixed frames from byte chunks. */
export class FrameAssembler {
  readonly #size = new Uint8Array(4);
  #sizeFill = 0;
  #frame: Uint8Array | undefined;
  #frameFill = 0;
  readonly #maxFrameBytes: number;

  /**
   * @param maxFrameBytes The largest frame taken; a larger size is refused before
   * anything is allocated for it.
   */
  constructor(maxFrameBytes: number = 256 * 1024 * 1024) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /**
   * Hands out every frame a chunk completes; keeps the rest for the next chunk.
   *
   * @example Two frames, the second cut between chunks
   * ```ts
   * import { FrameAssembler } from "./frame_assembler.ts";
   *
   * const frames: number[][] = [];
   * const assembler = new FrameAssembler();
   * assembler.push(new Uint8Array([0, 0, 0, 1, 7, 0, 0]), (f) => frames.push([...f]));
   * assembler.push(new Uint8Array([0, 2, 8, 9]), (f) => frames.push([...f]));
   * console.log(frames); // [ [ 7 ], [ 8, 9 ] ]
   * ```
   *
   * @param chunk The bytes.
   * @param onFrame Called with each frame's body (without its size), valid during the call.
   * @throws {RangeError} For a frame over the limit.
   */
  push(chunk: Uint8Array, onFrame: (body: Uint8Array) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#frame !== undefined) {
        const n = Math.min(this.#frame.length - this.#frameFill, chunk.length - at);
        this.#frame.set(chunk.subarray(at, at + n), this.#frameFill);
        this.#frameFill += n;
        at += n;
        if (this.#frameFill === this.#frame.length) {
          const frame = this.#frame;
          this.#frame = undefined;
          onFrame(frame);
        }
        continue;
      }
      if (this.#sizeFill === 0 && chunk.length - at >= 4) {
        const size = this.#readSize(chunk, at);
        if (chunk.length - at - 4 >= size) {
          onFrame(chunk.subarray(at + 4, at + 4 + size));
          at += 4 + size;
          continue;
        }
        this.#start(size);
        at += 4;
        continue;
      }
      this.#size[this.#sizeFill++] = chunk[at++]!;
      if (this.#sizeFill === 4) {
        this.#sizeFill = 0;
        this.#start(this.#readSize(this.#size, 0));
        if (this.#frame!.length === 0) {
          this.#frame = undefined;
          onFrame(new Uint8Array(0));
        }
      }
    }
  }

  #start(size: number): void {
    this.#frame = new Uint8Array(size);
    this.#frameFill = 0;
  }

  #readSize(bytes: Uint8Array, at: number): number {
    const size = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) |
      bytes[at + 3]!) >>> 0;
    if (size > this.#maxFrameBytes) {
      throw new RangeError(
        `Cannot read frame as its size is over ${this.#maxFrameBytes} bytes: current value is ${size}`,
      );
    }
    return size;
  }
}
