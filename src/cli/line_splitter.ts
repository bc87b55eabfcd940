/**
 * Splits a byte stream into lines at `\n` (a `\r` before it is dropped, as Java's
 * `readLine` does), numbering them from 1. Lines are views of the chunks they came
 * in, so a chunk of many lines is not copied; only a line cut between two chunks is.
 *
 * @module
 */

const LF = 0x0a;
const CR = 0x0d;

/** Receives one line; returns false to stop at it. */
export type LineHandler = (line: Uint8Array, number: number) => boolean;

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
   * const collect = (line: Uint8Array, n: number) => lines.push(`${n}:${new TextDecoder().decode(line)}`) > 0;
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
      let line = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.#pieces.length > 0) line = this.#join(line);
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (!onLine(line, ++this.#number)) return false;
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
    let line = this.#join(new Uint8Array(0));
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    return onLine(line, ++this.#number);
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
