/**
 * CRC-32C (Castagnoli), the checksum of Kafka's record batch v2: reflected
 * polynomial `0x82F63B78`, initial value and final XOR `0xFFFFFFFF`, as in
 * RFC 3720 (iSCSI) and Java's `java.util.zip.CRC32C`.
 *
 * Pure TypeScript, slicing-by-16: sixteen 256-entry tables built once at module
 * load, sixteen bytes folded per step. On little-endian hosts, inputs of 512 bytes
 * or more are read four bytes at a time through an `Int32Array` view of their
 * 4-byte-aligned middle; every other input is read byte by byte. Both paths give
 * the same result.
 *
 * @module
 */

const POLYNOMIAL = 0x82f63b78;

/**
 * Table `k` (entries `256 * k` to `256 * k + 255`) maps a byte to the CRC of that
 * byte followed by `k` zero bytes, so sixteen lookups fold sixteen bytes at once.
 */
const TABLE: Int32Array = buildTable(16);

/** Whether an `Int32Array` over the input yields its bytes in little-endian order. */
const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** From this length on, the aligned word path repays building the `Int32Array` view. */
const WORD_PATH_MIN_LENGTH = 512;

function buildTable(slices: number): Int32Array {
  const table = new Int32Array(256 * slices);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n]!;
    for (let k = 1; k < slices; k++) {
      c = table[c & 0xff]! ^ (c >>> 8);
      table[256 * k + n] = c;
    }
  }
  return table;
}

/** Folds `bytes[start, end)` into the raw (pre-inverted) register `crc`, sixteen bytes a step. */
function updateBytes(crc: number, bytes: Uint8Array, start: number, end: number): number {
  const t = TABLE;
  let i = start;
  const end16 = end - 15;
  for (; i < end16; i += 16) {
    const a = crc ^
      (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc = t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]! ^
      t[2816 + bytes[i + 4]!]! ^ t[2560 + bytes[i + 5]!]! ^
      t[2304 + bytes[i + 6]!]! ^ t[2048 + bytes[i + 7]!]! ^
      t[1792 + bytes[i + 8]!]! ^ t[1536 + bytes[i + 9]!]! ^
      t[1280 + bytes[i + 10]!]! ^ t[1024 + bytes[i + 11]!]! ^
      t[768 + bytes[i + 12]!]! ^ t[512 + bytes[i + 13]!]! ^
      t[256 + bytes[i + 14]!]! ^ t[bytes[i + 15]!]!;
  }
  for (; i < end; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return crc;
}

/** Folds little-endian words, four (sixteen bytes) a step; `words.length` is a multiple of 4. */
function updateWords(crc: number, words: Int32Array): number {
  const t = TABLE;
  const length = words.length;
  for (let i = 0; i < length; i += 4) {
    const a = crc ^ words[i]!;
    const b = words[i + 1]!;
    const c = words[i + 2]!;
    const d = words[i + 3]!;
    crc = t[3840 + (a & 0xff)]! ^ t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^ t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^ t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^ t[2048 + (b >>> 24)]! ^
      t[1792 + (c & 0xff)]! ^ t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^ t[1024 + (c >>> 24)]! ^
      t[768 + (d & 0xff)]! ^ t[512 + ((d >>> 8) & 0xff)]! ^
      t[256 + ((d >>> 16) & 0xff)]! ^ t[d >>> 24]!;
  }
  return crc;
}

/**
 * Continues a CRC-32C over more bytes: `crc32cUpdate(crc32c(a), b)` equals the
 * CRC-32C of `a` followed by `b`, and `crc32cUpdate(0, b)` equals `crc32c(b)`.
 *
 * @param crc The CRC-32C of the bytes so far (0 for none), as returned by
 * {@linkcode crc32c} or this function; signed or unsigned 32-bit forms both work.
 * @param bytes The next bytes. Any view works, at any offset.
 * @returns The CRC-32C of all the bytes, as an unsigned 32-bit integer.
 *
 * @example Checksumming a batch written in two parts
 * ```ts
 * import { crc32c, crc32cUpdate } from "./crc32c.ts";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * const crc = crc32cUpdate(crc32cUpdate(0, bytes.subarray(0, 4)), bytes.subarray(4));
 * console.log(crc === crc32c(bytes)); // true
 * ```
 */
export function crc32cUpdate(crc: number, bytes: Uint8Array): number {
  const length = bytes.length;
  let state = ~crc;
  if (LITTLE_ENDIAN && length >= WORD_PATH_MIN_LENGTH) {
    const head = (4 - (bytes.byteOffset & 3)) & 3;
    state = updateBytes(state, bytes, 0, head);
    const blocks = (length - head) >>> 4;
    state = updateWords(state, new Int32Array(bytes.buffer, bytes.byteOffset + head, blocks << 2));
    state = updateBytes(state, bytes, head + (blocks << 4), length);
  } else {
    state = updateBytes(state, bytes, 0, length);
  }
  return ~state >>> 0;
}

/**
 * Computes the CRC-32C (Castagnoli) of some bytes, as Kafka's record batch v2
 * stores it (over the bytes from the batch's `attributes` field to its end).
 *
 * @param bytes The bytes to checksum. Any view works, at any offset.
 * @returns The checksum, as an unsigned 32-bit integer.
 *
 * @example Checksumming bytes
 * ```ts
 * import { crc32c } from "@webstream/kafka/protocol";
 *
 * const crc = crc32c(new TextEncoder().encode("123456789"));
 * console.log(crc.toString(16)); // e3069283
 * ```
 */
export function crc32c(bytes: Uint8Array): number {
  return crc32cUpdate(0, bytes);
}
