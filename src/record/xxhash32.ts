/**
 * xxHash32 (Yann Collet's XXH32), which the LZ4 frame format uses for its header,
 * block and content checksums.
 *
 * @module
 */

import { readInt32LE } from "./lz_common.ts";

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

/**
 * Hashes bytes with xxHash32.
 *
 * @param data The bytes.
 * @param seed The seed (the LZ4 frame format uses 0).
 * @returns The hash, an unsigned 32-bit integer.
 *
 * @example The hash of nothing
 * ```ts
 * import { xxhash32 } from "./xxhash32.ts";
 *
 * console.log(xxhash32(new Uint8Array(0)).toString(16)); // "2cc5d05"
 * ```
 */
export function xxhash32(data: Uint8Array, seed = 0): number {
  const length = data.length;
  let i = 0;
  let h: number;
  if (length >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = length - 16;
    while (i <= limit) {
      v1 = round(v1, readInt32LE(data, i));
      v2 = round(v2, readInt32LE(data, i + 4));
      v3 = round(v3, readInt32LE(data, i + 8));
      v4 = round(v4, readInt32LE(data, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + length) | 0;
  for (; i + 4 <= length; i += 4) {
    h = Math.imul(rotl((h + Math.imul(readInt32LE(data, i), P3)) | 0, 17), P4);
  }
  for (; i < length; i++) {
    h = Math.imul(rotl((h + Math.imul(data[i]!, P5)) | 0, 11), P1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
