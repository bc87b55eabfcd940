/**
 * LZ4 for record batches, in the LZ4 frame format Kafka uses since KIP-57 (what
 * Java's `KafkaLZ4BlockOutputStream` writes and librdkafka reads): pure TypeScript,
 * no runtime ships LZ4.
 *
 * The compressor is LZ4's greedy fast mode (a hash table of 4-byte sequences,
 * 64 KiB independent blocks, a block stored raw when it does not shrink). The
 * decompressor reads any frame the reference library writes: linked or independent
 * blocks, block and content checksums (the content checksum is checked), a content
 * size; it refuses dictionaries, and stops at the caller's byte limit.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { GrowableOutput } from "./growable_output.ts";
import { copyBytes, copyMatch, hashSequence, readInt32LE, SequenceTable } from "./lz_common.ts";
import { xxhash32 } from "./xxhash32.ts";

const MAGIC = 0x184d2204;
const BLOCK_SIZE = 64 * 1024;
/** FLG: version 01, independent blocks, no checksums, no content size (as Java). */
const FLG = 0x60;
/** BD: 64 KiB maximum block size. */
const BD = 0x40;
const MIN_MATCH = 4;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
/** A match may not start within the last 12 bytes of a block. */
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;

const sequences = new SequenceTable();

/** Writes a length's extension bytes (after the 15 in the token). */
function writeLength(dst: Uint8Array, at: number, n: number): number {
  while (n >= 255) {
    dst[at++] = 255;
    n -= 255;
  }
  dst[at++] = n;
  return at;
}

/**
 * Compresses `src[start, end)` as one LZ4 block into `dst` at `at`; `dst` must hold
 * the worst case (`end - start + (end - start) / 255 + 16`).
 *
 * @returns Where the block ends in `dst`.
 */
function compressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
  base: number,
): number {
  let anchor = start;
  let i = start;
  const matchLimit = end - LAST_LITERALS;
  const mfLimit = end - MF_LIMIT;
  if (end - start > MF_LIMIT) {
    const slots = sequences.slots;
    let step = 1 << 6;
    while (i < mfLimit) {
      const sequence = readInt32LE(src, i);
      const h = hashSequence(sequence);
      // Blocks are independent: a position before this block's start is no match.
      const ref = slots[h]! - base;
      slots[h] = i + base;
      if (ref < start || i - ref > MAX_OFFSET || readInt32LE(src, ref) !== sequence) {
        // LZ4's acceleration: the longer no match is found, the bigger the strides.
        i += step++ >> 6;
        continue;
      }
      step = 1 << 6;
      let match = ref;
      // Extend backwards over literals that also match.
      while (i > anchor && match > start && src[i - 1] === src[match - 1]) {
        i--;
        match--;
      }
      let length = MIN_MATCH;
      // Four bytes at a time, then byte by byte.
      while (
        i + length + 4 <= matchLimit &&
        readInt32LE(src, i + length) === readInt32LE(src, match + length)
      ) length += 4;
      while (i + length < matchLimit && src[i + length] === src[match + length]) length++;
      const literals = i - anchor;
      const tokenAt = at++;
      let token = (literals >= 15 ? 15 : literals) << 4;
      if (literals >= 15) at = writeLength(dst, at, literals - 15);
      copyBytes(src, anchor, i, dst, at);
      at += literals;
      const offset = i - match;
      dst[at++] = offset & 0xff;
      dst[at++] = offset >>> 8;
      const extra = length - MIN_MATCH;
      token |= extra >= 15 ? 15 : extra;
      if (extra >= 15) at = writeLength(dst, at, extra - 15);
      dst[tokenAt] = token;
      i += length;
      anchor = i;
      if (i < mfLimit) slots[hashSequence(readInt32LE(src, i - 2))] = i - 2 + base;
    }
  }
  const literals = end - anchor;
  dst[at++] = (literals >= 15 ? 15 : literals) << 4;
  if (literals >= 15) at = writeLength(dst, at, literals - 15);
  copyBytes(src, anchor, end, dst, at);
  return at + literals;
}

/**
 * Compresses bytes into one LZ4 frame, as Kafka's Java client writes it.
 *
 * @param data The bytes (a batch's records section).
 * @returns The frame.
 *
 * @example Compressing and decompressing
 * ```ts
 * import { lz4Compress, lz4Decompress } from "./lz4.ts";
 *
 * const data = new TextEncoder().encode("abcabcabcabcabcabcabcabc");
 * const frame = lz4Compress(data);
 * console.log(new TextDecoder().decode(lz4Decompress(frame, 1024))); // "abcabcabc…"
 * ```
 */
export function lz4Compress(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / BLOCK_SIZE));
  const out = new Uint8Array(7 + blocks * (4 + BLOCK_SIZE + BLOCK_SIZE / 255 + 16) + 4);
  out[0] = MAGIC & 0xff;
  out[1] = (MAGIC >>> 8) & 0xff;
  out[2] = (MAGIC >>> 16) & 0xff;
  out[3] = MAGIC >>> 24;
  out[4] = FLG;
  out[5] = BD;
  out[6] = (xxhash32(out.subarray(4, 6)) >>> 8) & 0xff;
  let at = 7;
  const base = sequences.startInput(data.length);
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(data.length, start + BLOCK_SIZE);
    const blockAt = at + 4;
    let size = compressBlock(data, start, end, out, blockAt, base) - blockAt;
    let flag = 0;
    if (size >= end - start) {
      // It did not shrink: store it as it is.
      out.set(data.subarray(start, end), blockAt);
      size = end - start;
      flag = 0x80;
    }
    out[at] = size & 0xff;
    out[at + 1] = (size >>> 8) & 0xff;
    out[at + 2] = (size >>> 16) & 0xff;
    out[at + 3] = (size >>> 24) | flag;
    at = blockAt + size;
  }
  out[at++] = 0; // end mark
  out[at++] = 0;
  out[at++] = 0;
  out[at++] = 0;
  return out.slice(0, at);
}

function fail(message: string): never {
  throw new KafkaProtocolError(`Cannot decompress lz4 record batch: ${message}`);
}

/**
 * Decompresses one block `src[ip, end)`, appending to `out`; matches may reach into
 * earlier blocks (linked blocks). Room for `blockMax` bytes (or what `maxBytes`
 * still allows) is made once, and every write checks it.
 */
function decompressBlock(
  src: Uint8Array,
  ip: number,
  end: number,
  out: GrowableOutput,
  blockMax: number,
): void {
  const room = Math.min(blockMax, out.room);
  out.ensure(room);
  const dst = out.bytes;
  let op = out.length;
  const limit = op + room;
  const overflow = (): never =>
    room < blockMax ? out.tooLarge() : fail("a block decompresses past its size");
  while (ip < end) {
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let byte: number;
      do {
        if (ip >= end) fail("a literal length runs past its block");
        byte = src[ip++]!;
        literals += byte;
      } while (byte === 255);
    }
    if (literals > end - ip) fail("literals run past their block");
    if (literals > limit - op) overflow();
    copyBytes(src, ip, ip + literals, dst, op);
    op += literals;
    ip += literals;
    if (ip === end) break; // the last sequence has no match
    if (end - ip < 2) fail("a match offset runs past its block");
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) fail(`match offset ${offset} points before the data`);
    let length = token & 15;
    if (length === 15) {
      let byte: number;
      do {
        if (ip >= end) fail("a match length runs past its block");
        byte = src[ip++]!;
        length += byte;
      } while (byte === 255);
    }
    length += MIN_MATCH;
    if (length > limit - op) overflow();
    copyMatch(dst, op, offset, length);
    op += length;
  }
  out.length = op;
}

/**
 * Decompresses an LZ4 frame.
 *
 * @param frame The frame (a compressed batch's records section).
 * @param maxBytes The most bytes the output may take.
 * @returns The bytes.
 * @throws {KafkaProtocolError} On a malformed frame, a bad header or content
 * checksum, a dictionary, or an output over `maxBytes`.
 */
export function lz4Decompress(frame: Uint8Array, maxBytes: number): Uint8Array {
  const end = frame.length;
  if (end < 7 || readInt32LE(frame, 0) >>> 0 !== MAGIC) fail("it does not start with an LZ4 frame");
  const flg = frame[4]!;
  if (flg >>> 6 !== 1) fail(`frame version ${flg >>> 6} is not 1`);
  if (flg & 0x01) fail("frames with a dictionary are not supported");
  const blockSizeId = (frame[5]! >>> 4) & 7;
  if (blockSizeId < 4) fail(`block size id ${blockSizeId} is not 4 to 7`);
  const blockMax = 1 << (2 * blockSizeId + 8);
  const blockChecksums = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  let ip = 6 + (hasContentSize ? 8 : 0);
  if (ip >= end) fail("its header is truncated");
  if (frame[ip] !== ((xxhash32(frame.subarray(4, ip)) >>> 8) & 0xff)) {
    fail("its header checksum does not match");
  }
  ip++;
  const out = new GrowableOutput(frame.length * 3, maxBytes, "lz4");
  for (;;) {
    if (end - ip < 4) fail("a block size is truncated");
    const word = readInt32LE(frame, ip) >>> 0;
    ip += 4;
    if (word === 0) break;
    const size = word & 0x7fffffff;
    if (size > end - ip) fail(`a block of ${size} bytes runs past the frame`);
    if (word & 0x80000000) {
      out.ensure(size);
      out.bytes.set(frame.subarray(ip, ip + size), out.length);
      out.length += size;
    } else {
      decompressBlock(frame, ip, ip + size, out, blockMax);
    }
    ip += size + (blockChecksums ? 4 : 0);
    if (ip > end) fail("a block checksum is truncated");
  }
  if (hasContentSize) {
    const stated = (readInt32LE(frame, 6) >>> 0) + (readInt32LE(frame, 10) >>> 0) * 2 ** 32;
    if (stated !== out.length) {
      fail(`it holds ${out.length} bytes, not the ${stated} its header states`);
    }
  }
  if (contentChecksum) {
    if (end - ip < 4) fail("the content checksum is truncated");
    if (xxhash32(out.bytes.subarray(0, out.length)) !== readInt32LE(frame, ip) >>> 0) {
      fail("the content checksum does not match");
    }
  }
  return out.result();
}
