/**
 * A serialized key as the partitioners need it: the producer keeps string keys as
 * strings (the batch writes them as UTF-8 in place), so a partitioner that needs the
 * bytes gets them encoded into reused scratch space, and the default partitioner
 * hashes an ASCII key straight from the string.
 *
 * @module
 */

import { writeUtf8 } from "../record/utf8.ts";
import { keyPartition, murmur2Ascii } from "./murmur2.ts";

/** A serialized key: bytes, or a string to be written as UTF-8. */
export type SerializedKey = Uint8Array | string;

/** Encodes string keys into reused scratch space. */
export class KeyScratch {
  #scratch = new Uint8Array(256);
  #views: Uint8Array[] = [];

  /**
   * The key's UTF-8 bytes: a string key is encoded into scratch space that the next
   * call overwrites.
   *
   * @param key The serialized key.
   * @returns Its bytes.
   *
   * @example Encoding a string key
   * ```ts
   * import { KeyScratch } from "./key_bytes.ts";
   *
   * console.log(new KeyScratch().bytes("ab")); // Uint8Array(2) [ 97, 98 ]
   * ```
   */
  bytes(key: SerializedKey): Uint8Array {
    if (typeof key !== "string") return key;
    if (key.length * 3 > this.#scratch.length) {
      this.#scratch = new Uint8Array(key.length * 3);
      this.#views = [];
    }
    const length = writeUtf8(this.#scratch, 0, key);
    // One view per length, reused: a new subarray per record would be garbage.
    return this.#views[length] ??= this.#scratch.subarray(0, length);
  }

  /**
   * Java's partition for a key: `toPositive(murmur2(key)) % partitionCount`, hashing an
   * ASCII string without encoding it.
   *
   * @param key The serialized key.
   * @param partitionCount A positive integer.
   * @returns The partition.
   *
   * @example The partition of a string key
   * ```ts
   * import { KeyScratch } from "./key_bytes.ts";
   *
   * console.log(new KeyScratch().partition("foobar", 6)); // 0
   * ```
   */
  partition(key: SerializedKey, partitionCount: number): number {
    if (typeof key === "string") {
      const hash = murmur2Ascii(key);
      if (hash === hash) return (hash & 0x7fffffff) % partitionCount;
    }
    return keyPartition(this.bytes(key), partitionCount);
  }
}
