/**
 * What the LZ4 and Snappy compressors share: reading 4 bytes little-endian, and the
 * hash of a 4-byte sequence that indexes their tables of earlier positions.
 *
 * @module
 */

/** Bits of a sequence hash: tables of 16,384 positions (64 KiB of Int32). */
export const SEQUENCE_HASH_LOG = 14;

/**
 * Reads 4 bytes little-endian as a signed 32-bit integer.
 *
 * @param b The bytes.
 * @param i Where to read (the caller checks `i + 4 <= b.length`).
 * @returns The value.
 */
export function readInt32LE(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/**
 * Hashes a 4-byte sequence to a table index (Knuth's multiplicative hash, as LZ4).
 *
 * @param sequence The 4 bytes, from {@link readInt32LE}.
 * @returns An index below `2 ** SEQUENCE_HASH_LOG`.
 */
export function hashSequence(sequence: number): number {
  return Math.imul(sequence, 2654435761) >>> (32 - SEQUENCE_HASH_LOG);
}

/**
 * Copies `src[from, to)` into `dst` at `at`; byte by byte when short, where making
 * a subarray would cost more than the copy.
 *
 * @param src The source.
 * @param from The first byte.
 * @param to After the last byte.
 * @param dst The destination.
 * @param at Where to write.
 */
export function copyBytes(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  at: number,
): void {
  const n = to - from;
  if (n < 32) {
    for (let k = 0; k < n; k++) dst[at + k] = src[from + k]!;
  } else {
    dst.set(src.subarray(from, to), at);
  }
}

/**
 * Copies `length` bytes from `offset` bytes back in `dst` to `at`: a match of a
 * decompressor. When the match overlaps what it writes (offset < length), bytes are
 * copied one by one so the repeat comes out as the format means.
 *
 * @param dst The output.
 * @param at Where to write (the caller checks the room).
 * @param offset How far back, at least 1 and at most `at`.
 * @param length How many bytes.
 */
export function copyMatch(dst: Uint8Array, at: number, offset: number, length: number): void {
  const from = at - offset;
  if (offset >= length && length >= 32) {
    dst.copyWithin(at, from, from + length);
  } else {
    for (let k = 0; k < length; k++) dst[at + k] = dst[from + k]!;
  }
}

/** Positions past this are not stored: the table is cleared and `base` starts again. */
const BASE_LIMIT = 2 ** 30;

/**
 * The positions of earlier 4-byte sequences, by {@link hashSequence}, kept as
 * `position + base`. Each input gets a `base` past everything stored before, so
 * earlier inputs' entries read as positions before 0 and the table needs no clearing
 * between inputs (clearing 64 KiB per 32 KiB chunk cost more than compressing it).
 */
export class SequenceTable {
  /** `position + base` per hash; 0 when never set. */
  readonly slots: Int32Array = new Int32Array(1 << SEQUENCE_HASH_LOG);
  #base = 1 << 16;

  /**
   * Starts an input: what is stored before reads as stale from now on.
   *
   * @param length The input's length.
   * @returns The base to add to this input's positions.
   */
  startInput(length: number): number {
    if (this.#base + length + 1 > BASE_LIMIT) {
      this.slots.fill(0);
      this.#base = 1 << 16;
    }
    const base = this.#base;
    this.#base += length + 1;
    return base;
  }
}
