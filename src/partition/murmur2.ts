/**
 * Kafka's murmur2 key hash, bit for bit the Java client's
 * `org.apache.kafka.common.utils.Utils.murmur2` (MurmurHash2, seed `0x9747b28c`),
 * so keyed records land on the same partitions as with the Java producer,
 * librdkafka's `murmur2_random` partitioner and KafkaJS's default partitioner.
 *
 * 32-bit arithmetic throughout: `Math.imul` for products, `>>>` for Java's
 * unsigned shifts, `| 0` where Java's `int` wraps.
 *
 * @module
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Hashes bytes with Kafka's murmur2, as Java's `Utils.murmur2` does.
 *
 * @param key The serialized key.
 * @returns The hash, a signed 32-bit integer (as Java's `int`).
 *
 * @example Hashing a key
 * ```ts
 * import { murmur2 } from "@webstream/kafka";
 *
 * console.log(murmur2(new TextEncoder().encode("foobar"))); // -790332482
 * ```
 */
export function murmur2(key: Uint8Array): number {
  const length = key.length;
  let h = SEED ^ length;
  const end4 = length & ~3;
  let i = 0;
  for (; i < end4; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail !== 0) {
    if (tail === 3) h ^= key[i + 2]! << 16;
    if (tail >= 2) h ^= key[i + 1]! << 8;
    h ^= key[i]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * {@link murmur2} of a string's UTF-8 bytes, read straight from the string when it is
 * ASCII (its UTF-8 bytes are its char codes): no encoding into a buffer first.
 *
 * @param key The key, as a string.
 * @returns The hash, or NaN when the string is not ASCII (hash its UTF-8 bytes then).
 *
 * @example Hashing an ASCII key without encoding it
 * ```ts
 * import { murmur2, murmur2Ascii } from "./murmur2.ts";
 *
 * console.log(murmur2Ascii("foobar") === murmur2(new TextEncoder().encode("foobar"))); // true
 * console.log(murmur2Ascii("é")); // NaN
 * ```
 */
export function murmur2Ascii(key: string): number {
  const length = key.length;
  let h = SEED ^ length;
  const end4 = length & ~3;
  let seen = 0;
  let i = 0;
  for (; i < end4; i += 4) {
    const a = key.charCodeAt(i);
    const b = key.charCodeAt(i + 1);
    const c = key.charCodeAt(i + 2);
    const d = key.charCodeAt(i + 3);
    seen |= a | b | c | d;
    let k = a | (b << 8) | (c << 16) | (d << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail !== 0) {
    if (tail === 3) {
      const c = key.charCodeAt(i + 2);
      seen |= c;
      h ^= c << 16;
    }
    if (tail >= 2) {
      const c = key.charCodeAt(i + 1);
      seen |= c;
      h ^= c << 8;
    }
    const c = key.charCodeAt(i);
    seen |= c;
    h ^= c;
    h = Math.imul(h, M);
  }
  if (seen >= 0x80) return NaN;
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * Clears the sign bit, as Java's `Utils.toPositive`: not `Math.abs`, so
 * `-2147483648` maps to 0 and every input to an integer in [0, 2^31).
 *
 * @param n A signed 32-bit integer.
 * @returns `n & 0x7fffffff`.
 *
 * @example Making a hash non-negative
 * ```ts
 * import { toPositive } from "./murmur2.ts";
 *
 * console.log(toPositive(-790332482)); // 1357151166
 * ```
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * Picks the partition of a keyed record as the Java producer's default
 * partitioner does: `toPositive(murmur2(key)) % partitionCount`.
 *
 * @param key The serialized key.
 * @param partitionCount How many partitions the topic has: a positive integer.
 * @returns The partition, an integer in [0, partitionCount).
 * @throws {RangeError} If `partitionCount` is not a positive integer.
 *
 * @example Choosing a partition for a key
 * ```ts
 * import { partitionForKey } from "@webstream/kafka";
 *
 * console.log(partitionForKey(new TextEncoder().encode("foobar"), 6)); // 0
 * ```
 */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  if (!(Number.isInteger(partitionCount) && partitionCount > 0)) {
    throw new RangeError(
      `Cannot choose a partition for a key as the partition count must be a positive integer: current value is ${partitionCount}`,
    );
  }
  return keyPartition(key, partitionCount);
}

/**
 * {@link partitionForKey} without the check of `partitionCount`, for callers that
 * checked it once (the partitioner, per record).
 *
 * @param key The serialized key.
 * @param partitionCount A positive integer.
 * @returns The partition.
 */
export function keyPartition(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}
