/**
 * Splits a byte stream into lines at `\n` (a `\r` before it is dropped, as Java's
 * `readLine` does), numbering them from 1. A line is handed out as its place in the
 * chunk it came in (bytes, start, end), so neither a copy nor a view is made per line;
 * only a line cut between two chunks is copied together.
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;

/**
 * Receives one line, `bytes[start..end)`, valid during the call; returns false to stop
 * at it.
 */
export type LineHandler = (
  bytes: Uint8Array,
  start: number,
  end: number,
  number: number,
) => boolean;

/** A splitter of byte chunks into numbered lines. */
export class LineSplitter {
  /** The start of a line cut by the end of a chunk, in pieces. */
  #pieces: Uint8Array[] = [];
  #pieceBytes = 0;
  #number = 0;

  /** The number of the last line handed out. */
  get lines(): number {
    return this.#number;
  }

  /**
   * Hands out the complete lines of a chunk and keeps the rest for the next one.
   *
   * @example Lines cut between chunks
   * ```ts
   * import { LineSplitter } from "./line_splitter.ts";
   *
   * const lines: string[] = [];
   * const splitter = new LineSplitter();
   * const collect = (bytes: Uint8Array, start: number, end: number, n: number) =>
   *   lines.push(`${n}:${new TextDecoder().decode(bytes.subarray(start, end))}`) > 0;
   * splitter.push(new TextEncoder().encode("a\r\nb"), collect);
   * splitter.push(new TextEncoder().encode("c\n\nd"), collect);
   * splitter.end(collect);
   * console.log(lines); // [ "1:a", "2:bc", "3:", "4:d" ]
   * ```
   *
   * @param chunk The bytes.
   * @param onLine Called per line; returning false stops (the rest is dropped).
   * @returns False when `onLine` stopped.
   */
  push(chunk: Uint8Array, onLine: LineHandler): boolean {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      let ok: boolean;
      if (this.#pieces.length > 0) {
        const line = this.#join(chunk.subarray(start, nl));
        ok = onLine(line, 0, withoutCr(line, 0, line.length), ++this.#number);
      } else {
        ok = onLine(chunk, start, withoutCr(chunk, start, nl), ++this.#number);
      }
      start = nl + 1;
      if (!ok) return false;
    }
    if (start < chunk.length) {
      // Copied: the caller may reuse the chunk once this returns.
      const rest = chunk.slice(start);
      this.#pieces.push(rest);
      this.#pieceBytes += rest.length;
    }
    return true;
  }

  /**
   * Hands out the last line, if the input did not end with a newline.
   *
   * @param onLine Called with it.
   * @returns False when `onLine` stopped.
   */
  end(onLine: LineHandler): boolean {
    if (this.#pieces.length === 0) return true;
    const line = this.#join(new Uint8Array(0));
    return onLine(line, 0, withoutCr(line, 0, line.length), ++this.#number);
  }

  #join(tail: Uint8Array): Uint8Array {
    const line = new Uint8Array(this.#pieceBytes + tail.length);
    let at = 0;
    for (const piece of this.#pieces) {
      line.set(piece, at);
      at += piece.length;
    }
    line.set(tail, at);
    this.#pieces = [];
    this.#pieceBytes = 0;
    return line;
  }
}

/** The end of a line without its trailing `\r`. */
function withoutCr(bytes: Uint8Array, start: number, end: number): number {
  return end > start && bytes[end - 1] === CR ? end - 1 : end;
}
