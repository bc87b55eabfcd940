/**
 * The demo's records and their check. Record `i` has the key `user-<i mod keys>` and
 * a value of `valueBytes` bytes: `i` in 12 decimal digits, then a fixed filler. So
 * every record read back tells which one it is, and the check can say whether each
 * was read once, on the partition Java's murmur2 gives its key, and in write order
 * within its partition.
 *
 * @module
 */

import { partitionForKey, type ProducerRecord } from "../../mod.ts";

/** What the demo writes. */
export interface DemoShape {
  /** How many records. */
  readonly records: number;
  /** How many distinct keys (record `i` has key `i mod keys`). */
  readonly keys: number;
  /** The size of each value, at least 12. */
  readonly valueBytes: number;
}

const DIGITS = 12;
const KEY_PREFIX = "user-";
const encoder = new TextEncoder();

function filler(valueBytes: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let out = "";
  while (out.length < valueBytes - DIGITS) out += alphabet;
  return out.slice(0, valueBytes - DIGITS);
}

/**
 * The records, generated as the pipe asks for them (a thousand at a time).
 *
 * @example Two records
 * ```ts
 * import { demoRecords } from "./demo_records.ts";
 *
 * for await (const r of demoRecords({ records: 2, keys: 10, valueBytes: 16 })) {
 *   console.log(r.key, r.value);
 * }
 * // user-0 000000000000abcd
 * // user-1 000000000001abcd
 * ```
 *
 * @param shape What to write.
 * @returns The stream.
 */
export function demoRecords(shape: DemoShape): ReadableStream<ProducerRecord<string, string>> {
  const tail = filler(shape.valueBytes);
  let i = 0;
  return new ReadableStream<ProducerRecord<string, string>>({
    pull(controller) {
      const end = Math.min(i + 1000, shape.records);
      for (; i < end; i++) {
        controller.enqueue({
          key: KEY_PREFIX + (i % shape.keys),
          value: String(i).padStart(DIGITS, "0") + tail,
        });
      }
      if (i === shape.records) controller.close();
    },
  }, { highWaterMark: 0 });
}

/** What the check found. */
export interface DemoVerdict {
  /** Whether every record was read once, on its partition, in order, and nothing else. */
  readonly verified: boolean;
  /** Records read. */
  readonly read: number;
  /** The first few problems, in words. */
  readonly problems: readonly string[];
}

/** Checks the records read back against what was written. */
export class DemoCheck {
  readonly #shape: DemoShape;
  readonly #partitions: number;
  readonly #seen: Uint8Array;
  readonly #last: Float64Array;
  readonly #partitionOfKey: Int32Array;
  readonly #tail: Uint8Array;
  readonly #problems: string[] = [];
  #problemCount = 0;
  #read = 0;

  /**
   * @param shape What was written.
   * @param partitions The topic's partition count.
   */
  constructor(shape: DemoShape, partitions: number) {
    this.#shape = shape;
    this.#partitions = partitions;
    this.#seen = new Uint8Array(shape.records);
    this.#last = new Float64Array(partitions).fill(-1);
    this.#partitionOfKey = new Int32Array(shape.keys).fill(-1);
    this.#tail = encoder.encode(filler(shape.valueBytes));
  }

  /**
   * Checks one record read back.
   *
   * @example A record on the wrong partition
   * ```ts
   * import { DemoCheck } from "./demo_records.ts";
   *
   * const check = new DemoCheck({ records: 1, keys: 1, valueBytes: 12 }, 6);
   * const bytes = (s: string) => new TextEncoder().encode(s);
   * check.record(5, 0, bytes("user-0"), bytes("000000000000"));
   * console.log(check.verdict().problems);
   * // [ "record 0 (key user-0) is on partition 5, murmur2 says 1" ]
   * ```
   *
   * @param partition Where it was read.
   * @param offset Its offset.
   * @param key Its key.
   * @param value Its value.
   */
  record(
    partition: number,
    offset: number,
    key: Uint8Array | null,
    value: Uint8Array | null,
  ): void {
    this.#read++;
    const i = value === null ? -1 : this.#index(value);
    if (i < 0 || i >= this.#shape.records) {
      return this.#problem(`the record at ${partition}:${offset} is not one the demo wrote`);
    }
    const k = i % this.#shape.keys;
    if (key === null || !this.#keyIs(key, k)) {
      return this.#problem(`record ${i} at ${partition}:${offset} has the wrong key`);
    }
    if (this.#seen[i] === 1) return this.#problem(`record ${i} was read twice`);
    this.#seen[i] = 1;
    let expected = this.#partitionOfKey[k]!;
    if (expected < 0) {
      expected = this.#partitionOfKey[k] = partitionForKey(key, this.#partitions);
    }
    if (partition !== expected) {
      return this.#problem(
        `record ${i} (key ${KEY_PREFIX}${k}) is on partition ${partition}, murmur2 says ${expected}`,
      );
    }
    if (i <= this.#last[partition]!) {
      return this.#problem(
        `record ${i} comes after record ${this.#last[partition]} in partition ${partition}`,
      );
    }
    this.#last[partition] = i;
  }

  /**
   * What the check found, once everything was read.
   *
   * @returns The verdict.
   */
  verdict(): DemoVerdict {
    let missing = 0;
    for (let i = 0; i < this.#seen.length; i++) if (this.#seen[i] === 0) missing++;
    const problems = [...this.#problems];
    if (missing > 0) problems.push(`${missing} records were not read back`);
    return {
      verified: missing === 0 && this.#problemCount === 0,
      read: this.#read,
      problems,
    };
  }

  #problem(text: string): void {
    if (this.#problemCount++ < 5) this.#problems.push(text);
  }

  /** The record number in a value, or -1 when the value is not the demo's. */
  #index(value: Uint8Array): number {
    if (value.length !== this.#shape.valueBytes) return -1;
    let n = 0;
    for (let d = 0; d < DIGITS; d++) {
      const c = value[d]! - 48;
      if (c < 0 || c > 9) return -1;
      n = n * 10 + c;
    }
    const tail = this.#tail;
    for (let t = 0; t < tail.length; t++) if (value[DIGITS + t] !== tail[t]) return -1;
    return n;
  }

  #keyIs(key: Uint8Array, k: number): boolean {
    const p = KEY_PREFIX.length;
    if (key.length <= p) return false;
    for (let c = 0; c < p; c++) if (key[c] !== KEY_PREFIX.charCodeAt(c)) return false;
    let n = 0;
    for (let d = p; d < key.length; d++) {
      const c = key[d]! - 48;
      if (c < 0 || c > 9) return false;
      n = n * 10 + c;
    }
    return n === k && String(n).length === key.length - p;
  }
}
