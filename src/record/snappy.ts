/**
 * Snappy for record batches, framed as Java's client frames it (xerial's
 * `SnappyOutputStream`: a magic header, then length-prefixed raw Snappy chunks),
 * pure TypeScript, as no runtime ships Snappy. The decompressor also reads a bare
 * raw Snappy block, as xerial's reader does, and stops at the caller's byte limit.
 *
 * The compressor is Snappy's greedy algorithm: a hash table of 4-byte sequences
 * within each 64 KiB fragment, literals and 1- or 2-byte-offset copies.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { GrowableOutput } from "./growable_output.ts";
import { copyBytes, copyMatch, hashSequence, readInt32LE, SequenceTable } from "./lz_common.ts";

/** xerial's stream header: magic, then format version 1 and compatible version 1. */
const XERIAL_HEADER = Uint8Array.of(
  0x82,
  0x53,
  0x4e,
  0x41,
  0x50,
  0x50,
  0x59,
  0x00,
  0,
  0,
  0,
  1,
  0,
  0,
  0,
  1,
);
/** Uncompressed bytes per xerial chunk (xerial's default block size). */
const CHUNK = 32 * 1024;
/** Snappy matches only within a fragment of this size. */
const FRAGMENT = 64 * 1024;
const MIN_MATCH = 4;

const sequences = new SequenceTable();

function emitLiteral(
  src: Uint8Array,
  from: number,
  to: number,
  dst: Uint8Array,
  at: number,
): number {
  const n = to - from - 1;
  if (n < 60) {
    dst[at++] = n << 2;
  } else if (n < 0x100) {
    dst[at++] = 60 << 2;
    dst[at++] = n;
  } else {
    dst[at++] = 61 << 2;
    dst[at++] = n & 0xff;
    dst[at++] = n >>> 8;
  }
  copyBytes(src, from, to, dst, at);
  return at + to - from;
}

function emitCopy(offset: number, length: number, dst: Uint8Array, at: number): number {
  while (length >= 68) {
    dst[at++] = 2 | (63 << 2);
    dst[at++] = offset & 0xff;
    dst[at++] = offset >>> 8;
    length -= 64;
  }
  if (length > 64) {
    dst[at++] = 2 | (59 << 2);
    dst[at++] = offset & 0xff;
    dst[at++] = offset >>> 8;
    length -= 60;
  }
  if (length < 12 && offset < 2048) {
    dst[at++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    dst[at++] = offset & 0xff;
  } else {
    dst[at++] = 2 | ((length - 1) << 2);
    dst[at++] = offset & 0xff;
    dst[at++] = offset >>> 8;
  }
  return at;
}

/** Compresses `src[start, end)` (at most 64 KiB) as Snappy elements into `dst` at `at`. */
function compressFragment(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
  base: number,
): number {
  let anchor = start;
  let i = start;
  const limit = end - MIN_MATCH;
  if (end - start > 15) {
    const slots = sequences.slots;
    let skip = 32;
    while (i <= limit) {
      const sequence = readInt32LE(src, i);
      const h = hashSequence(sequence);
      // Matches stay within the fragment: a position before its start is no match.
      const ref = slots[h]! - base;
      slots[h] = i + base;
      if (ref < start || readInt32LE(src, ref) !== sequence) {
        i += skip++ >> 5;
        continue;
      }
      skip = 32;
      let length = MIN_MATCH;
      // Four bytes at a time, then byte by byte.
      while (
        i + length + 4 <= end && readInt32LE(src, i + length) === readInt32LE(src, ref + length)
      ) length += 4;
      while (i + length < end && src[i + length] === src[ref + length]) length++;
      // Literals before a match are chunked under 65,536 bytes by the fragment size.
      if (i > anchor) at = emitLiteral(src, anchor, i, dst, at);
      at = emitCopy(i - ref, length, dst, at);
      i += length;
      anchor = i;
      if (i <= limit) slots[hashSequence(readInt32LE(src, i - 1))] = i - 1 + base;
    }
  }
  if (end > anchor) at = emitLiteral(src, anchor, end, dst, at);
  return at;
}

/**
 * Compresses bytes as one raw Snappy block.
 *
 * @param data The bytes (at most a few MiB: a chunk).
 * @returns The block.
 */
export function snappyCompressBlock(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(maxBlockSize(data.length));
  const base = sequences.startInput(data.length);
  return out.subarray(0, writeBlock(data, 0, data.length, out, 0, base));
}

/** The most bytes a raw block of `n` input bytes takes (Snappy's MaxCompressedLength). */
function maxBlockSize(n: number): number {
  return 32 + n + Math.ceil(n / 6);
}

/**
 * Writes `src[start, end)` as a raw block (length, then elements) into `out` at `at`;
 * `base` is the input's from {@link SequenceTable.startInput}.
 */
function writeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  base: number,
): number {
  let n = end - start;
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[at++] = n;
  for (let from = start; from < end; from += FRAGMENT) {
    at = compressFragment(src, from, Math.min(end, from + FRAGMENT), out, at, base);
  }
  return at;
}

/**
 * Compresses bytes as Java's client does: xerial's header, then 32 KiB chunks, each a
 * big-endian length and a raw Snappy block.
 *
 * @param data The bytes (a batch's records section).
 * @returns The framed bytes.
 *
 * @example Compressing and decompressing
 * ```ts
 * import { snappyCompress, snappyDecompress } from "./snappy.ts";
 *
 * const data = new TextEncoder().encode("abcabcabcabcabcabcabcabc");
 * const framed = snappyCompress(data);
 * console.log(new TextDecoder().decode(snappyDecompress(framed, 1024))); // "abcabcabc…"
 * ```
 */
export function snappyCompress(data: Uint8Array): Uint8Array {
  const chunks = Math.ceil(data.length / CHUNK);
  const out = new Uint8Array(
    XERIAL_HEADER.length + chunks * 4 + maxBlockSize(data.length) + chunks * 32,
  );
  out.set(XERIAL_HEADER);
  let at = XERIAL_HEADER.length;
  const base = sequences.startInput(data.length);
  for (let start = 0; start < data.length; start += CHUNK) {
    const blockAt = at + 4;
    const n = writeBlock(data, start, Math.min(data.length, start + CHUNK), out, blockAt, base) -
      blockAt;
    out[at] = n >>> 24;
    out[at + 1] = (n >>> 16) & 0xff;
    out[at + 2] = (n >>> 8) & 0xff;
    out[at + 3] = n & 0xff;
    at = blockAt + n;
  }
  return out.slice(0, at);
}

function fail(message: string): never {
  throw new KafkaProtocolError(`Cannot decompress snappy record batch: ${message}`);
}

/** Decompresses one raw Snappy block `src[ip, end)`, appending to `out`. */
function decompressBlock(src: Uint8Array, ip: number, end: number, out: GrowableOutput): void {
  let expected = 0;
  for (let shift = 0;; shift += 7) {
    if (ip >= end || shift > 28) fail("its length is malformed");
    const byte = src[ip++]!;
    expected += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  // The block states its length: room is made once, and every write checks it.
  out.ensure(expected);
  const dst = out.bytes;
  const base = out.length;
  const limit = base + expected;
  let op = base;
  while (ip < end) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (end - ip < bytes) fail("a literal length is truncated");
        n = 0;
        for (let k = 0; k < bytes; k++) n += src[ip + k]! * 2 ** (8 * k);
        ip += bytes;
      }
      n += 1;
      if (n > end - ip) fail("a literal runs past the block");
      if (n > limit - op) fail("it holds more than its stated length");
      copyBytes(src, ip, ip + n, dst, op);
      op += n;
      ip += n;
      continue;
    }
    let length: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= end) fail("a copy is truncated");
      length = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else if (kind === 2) {
      if (end - ip < 2) fail("a copy is truncated");
      length = (tag >>> 2) + 1;
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (end - ip < 4) fail("a copy is truncated");
      length = (tag >>> 2) + 1;
      offset = readInt32LE(src, ip) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op - base) fail(`copy offset ${offset} points before the data`);
    if (length > limit - op) fail("it holds more than its stated length");
    copyMatch(dst, op, offset, length);
    op += length;
  }
  out.length = op;
  if (op !== limit) fail(`it holds ${op - base} bytes, not ${expected}`);
}

/**
 * Decompresses Snappy data: xerial-framed (Java's client) or one raw block.
 *
 * @param data The compressed bytes.
 * @param maxBytes The most bytes the output may take.
 * @returns The bytes.
 * @throws {KafkaProtocolError} On malformed data or an output over `maxBytes`.
 */
export function snappyDecompress(data: Uint8Array, maxBytes: number): Uint8Array {
  const out = new GrowableOutput(data.length * 3, maxBytes, "snappy");
  const framed = data.length >= 8 && XERIAL_HEADER.subarray(0, 8).every((b, i) => data[i] === b);
  if (!framed) {
    decompressBlock(data, 0, data.length, out);
    return out.result();
  }
  let ip = 16;
  if (data.length < ip) fail("its xerial header is truncated");
  while (ip < data.length) {
    if (data.length - ip < 4) fail("a chunk length is truncated");
    const n = ((data[ip]! << 24) | (data[ip + 1]! << 16) | (data[ip + 2]! << 8) | data[ip + 3]!) >>>
      0;
    ip += 4;
    if (n > data.length - ip) fail(`a chunk of ${n} bytes runs past the data`);
    decompressBlock(data, ip, ip + n, out);
    ip += n;
  }
  return out.result();
}
