/**
 * Partitioners: how the producer picks a partition for a record that names none.
 * The built-in strategies follow the Java producer (3.3 and later):
 *
 * - `"default"` (alias `"murmur2"`): a record with a key goes to
 *   `toPositive(murmur2(key)) % partitionCount`, where Java, librdkafka
 *   (`murmur2_random`) and KafkaJS put it; a record without a key goes to the
 *   topic's sticky partition (KIP-480, KIP-794).
 * - `"sticky"`: every record goes to the topic's sticky partition, keys ignored
 *   (Java's `partitioner.ignore.keys=true`).
 * - `"round-robin"`: records of a topic cycle through its partitions, one each, in
 *   order (Java's `RoundRobinPartitioner`, without its KAFKA-9965 skipping).
 * - a {@linkcode PartitionerFunction}: the user's choice, checked.
 *
 * The sticky partition of a topic is a random partition kept until at least
 * `batchBytes` were appended to it and an append opened a new batch there, or
 * until `2 * batchBytes` were appended whatever the batches: then another
 * partition is drawn, uniformly among the others. A change of the topic's
 * partition count also draws again. The producer reports every append through
 * {@linkcode Partitioner.onAppend}.
 *
 * Java also steers sticky and round-robin picks to partitions with a live leader
 * (and, adaptively, away from slow brokers); this module sees only partition
 * counts, and leaves availability to the producer.
 *
 * @module
 */

import { KafkaPartitionerError } from "../errors.ts";
import { KeyScratch, type SerializedKey } from "./key_bytes.ts";

/**
 * What a {@linkcode PartitionerFunction} is told about the record to place.
 */
export interface PartitionerRecord {
  /** The record's topic. */
  topic: string;
  /** The key, before serialization. */
  key: unknown;
  /** The value, before serialization. */
  value: unknown;
  /** The serialized key, or `null` for a record without a key. */
  keyBytes: Uint8Array | null;
  /** The record's explicit partition: the producer only asks when there is none. */
  partition?: number | undefined;
}

/**
 * A user-supplied partitioner: returns the partition for a record, an integer in
 * `[0, partitionCount)`. Called once per record that names no partition, after its
 * key is serialized; it must be synchronous and should be fast.
 *
 * @param record The record, with its serialized key.
 * @param partitionCount How many partitions the topic has.
 * @param topic The record's topic.
 * @returns The partition.
 */
export type PartitionerFunction = (
  record: PartitionerRecord,
  partitionCount: number,
  topic: string,
) => number;

/**
 * The names of the built-in strategies (see the module documentation): the one list
 * that the partitioner, the producer's option check and its documentation use.
 */
export const PARTITIONER_NAMES = ["default", "murmur2", "sticky", "round-robin"] as const;

/** The name of a built-in strategy: one of {@linkcode PARTITIONER_NAMES}. */
export type PartitionerName = typeof PARTITIONER_NAMES[number];

/**
 * How the producer picks partitions: a built-in strategy's name (see the module
 * documentation) or a {@linkcode PartitionerFunction}. `undefined` means
 * `"default"`.
 */
export type PartitionerOption = PartitionerName | PartitionerFunction;

/**
 * The object the producer calls per record, made by {@linkcode createPartitioner}.
 */
export interface Partitioner {
  /**
   * Picks a partition for a record that has no explicit partition.
   *
   * @param topic The record's topic.
   * @param key The serialized key (bytes, or a string written as UTF-8), or `null` for none.
   * @param record The record's key and value, before serialization.
   * @param partitionCount How many partitions the topic has: a positive integer.
   * @returns The partition, an integer in `[0, partitionCount)`.
   */
  partition(
    topic: string,
    key: SerializedKey | null,
    record: { key: unknown; value: unknown },
    partitionCount: number,
  ): number;

  /**
   * Tells the partitioner `bytes` were appended to `partition` of `topic`, and
   * whether that append opened a new batch (for KIP-794 stickiness).
   *
   * @param topic The topic appended to.
   * @param partition The partition appended to.
   * @param bytes How many bytes the append added to the batch.
   * @param newBatch Whether the append opened a new batch. A batcher that knows an
   * append filled its batch may pass `true` then too, as Java does (its
   * `allBatchesFull`), so that switching leaves no partly filled batch behind.
   */
  onAppend(topic: string, partition: number, bytes: number, newBatch: boolean): void;
}

/** Options of {@linkcode createPartitioner}. */
export interface PartitionerOptions {
  /**
   * The producer's batch size in bytes: a sticky partition is kept for at least
   * this many bytes (Java's `batch.size`). A positive integer.
   */
  batchBytes: number;
  /**
   * The source of randomness for sticky picks: returns a number in `[0, 1)`, as
   * `Math.random` does. Inject a deterministic one in tests.
   *
   * @default {Math.random}
   */
  random?: () => number;
}

/**
 * Checks the explicit partition of a record against its topic's partition count.
 *
 * @param topic The record's topic, for the error message.
 * @param partition The partition the record names.
 * @param partitionCount How many partitions the topic has.
 * @returns `partition`, when it is an integer in `[0, partitionCount)`.
 * @throws {RangeError} If it is not.
 *
 * @example Checking a record's partition
 * ```ts
 * import { checkExplicitPartition } from "./partitioner.ts";
 *
 * console.log(checkExplicitPartition("events", 2, 6)); // 2
 * try {
 *   checkExplicitPartition("events", 6, 6);
 * } catch (error) {
 *   console.log((error as RangeError).message);
 *   // Cannot send record to topic "events" as its partition must be an integer in [0, 6): current value is 6
 * }
 * ```
 */
export function checkExplicitPartition(
  topic: string,
  partition: number,
  partitionCount: number,
): number {
  if (!(Number.isInteger(partition) && partition >= 0 && partition < partitionCount)) {
    throw new RangeError(
      `Cannot send record to topic "${topic}" as its partition must be an integer in [0, ${partitionCount}): current value is ${
        describe(partition)
      }`,
    );
  }
  return partition;
}

/**
 * Makes the partitioner the producer calls for records without an explicit
 * partition.
 *
 * @param option A built-in strategy (`"default"`, `"murmur2"`, `"sticky"`,
 * `"round-robin"`), a {@linkcode PartitionerFunction}, or `undefined` for
 * `"default"`.
 * @param options The batch size sticky partitions are kept for, and optionally the
 * source of randomness.
 * @returns A new partitioner, with its own sticky and round-robin state per topic.
 * @throws {TypeError} If `option` is none of the above, or `random` is not a function.
 * @throws {RangeError} If `batchBytes` is not a positive integer.
 *
 * @example Keyed records go where Java puts them, unkeyed ones stick
 * ```ts
 * import { createPartitioner } from "./partitioner.ts";
 *
 * const partitioner = createPartitioner("default", { batchBytes: 16384 });
 * const key = new TextEncoder().encode("foobar");
 * console.log(partitioner.partition("events", key, { key: "foobar", value: 1 }, 6)); // 0
 *
 * const p = partitioner.partition("events", null, { key: null, value: 2 }, 6);
 * partitioner.onAppend("events", p, 100, true);
 * console.log(partitioner.partition("events", null, { key: null, value: 3 }, 6) === p); // true
 * ```
 */
export function createPartitioner(
  option: PartitionerOption | undefined,
  options: PartitionerOptions,
): Partitioner {
  const { batchBytes, random = Math.random } = options;
  if (!(Number.isInteger(batchBytes) && batchBytes > 0)) {
    throw new RangeError(
      `Cannot create partitioner as batchBytes must be a positive integer: current value is ${
        describe(batchBytes)
      }`,
    );
  }
  if (typeof random !== "function") {
    throw new TypeError(
      `Cannot create partitioner as random must be a function: current value is ${
        describe(random)
      }`,
    );
  }
  switch (option) {
    case undefined:
    case "default":
    case "murmur2":
      return new StickyPartitioner(batchBytes, random, false);
    case "sticky":
      return new StickyPartitioner(batchBytes, random, true);
    case "round-robin":
      return new RoundRobinPartitioner();
  }
  if (typeof option === "function") return new FunctionPartitioner(option);
  throw new TypeError(
    `Cannot create partitioner as partitioner must be ${
      PARTITIONER_NAMES.map((m) => `"${m}"`).join(", ")
    } or a function: current value is ${describe(option)}`,
  );
}

/** The sticky partition of one topic and what was appended to it. */
interface StickyState {
  partition: number;
  partitionCount: number;
  producedBytes: number;
}

/** `"default"`/`"murmur2"` (keys hashed) and `"sticky"` (keys ignored). */
class StickyPartitioner implements Partitioner {
  readonly #batchBytes: number;
  readonly #random: () => number;
  readonly #ignoreKeys: boolean;
  readonly #topics = new Map<string, StickyState>();
  readonly #keys = new KeyScratch();

  constructor(batchBytes: number, random: () => number, ignoreKeys: boolean) {
    this.#batchBytes = batchBytes;
    this.#random = random;
    this.#ignoreKeys = ignoreKeys;
  }

  partition(
    topic: string,
    key: SerializedKey | null,
    _record: { key: unknown; value: unknown },
    partitionCount: number,
  ): number {
    checkPartitionCount(topic, partitionCount);
    if (key !== null && !this.#ignoreKeys) return this.#keys.partition(key, partitionCount);
    const state = this.#topics.get(topic);
    if (state === undefined) {
      const partition = this.#pick(topic, partitionCount, -1);
      this.#topics.set(topic, { partition, partitionCount, producedBytes: 0 });
      return partition;
    }
    if (state.partitionCount !== partitionCount) {
      state.partition = this.#pick(topic, partitionCount, -1);
      state.partitionCount = partitionCount;
      state.producedBytes = 0;
    }
    return state.partition;
  }

  onAppend(topic: string, partition: number, bytes: number, newBatch: boolean): void {
    const state = this.#topics.get(topic);
    if (state === undefined || state.partition !== partition) return;
    const produced = state.producedBytes + bytes;
    if ((newBatch && produced >= this.#batchBytes) || produced >= 2 * this.#batchBytes) {
      state.partition = this.#pick(topic, state.partitionCount, partition);
      state.producedBytes = 0;
    } else {
      state.producedBytes = produced;
    }
  }

  /** A random partition in [0, count), other than `previous` when there is a choice. */
  #pick(topic: string, count: number, previous: number): number {
    const r = this.#random();
    if (!(r >= 0 && r < 1)) {
      throw new RangeError(
        `Cannot pick a sticky partition for topic "${topic}" as random() must return a number in [0, 1): current value is ${
          describe(r)
        }`,
      );
    }
    if (previous < 0 || previous >= count || count === 1) return Math.floor(r * count);
    const p = Math.floor(r * (count - 1));
    return p >= previous ? p + 1 : p;
  }
}

/** `"round-robin"`: one counter per topic, across all records. */
class RoundRobinPartitioner implements Partitioner {
  readonly #counters = new Map<string, { next: number }>();

  partition(
    topic: string,
    _key: SerializedKey | null,
    _record: { key: unknown; value: unknown },
    partitionCount: number,
  ): number {
    checkPartitionCount(topic, partitionCount);
    let counter = this.#counters.get(topic);
    if (counter === undefined) {
      counter = { next: 0 };
      this.#counters.set(topic, counter);
    }
    const partition = counter.next % partitionCount;
    counter.next = partition + 1;
    return partition;
  }

  onAppend(_topic: string, _partition: number, _bytes: number, _newBatch: boolean): void {}
}

/** A user's {@linkcode PartitionerFunction}, with its result checked. */
class FunctionPartitioner implements Partitioner {
  readonly #fn: PartitionerFunction;
  readonly #keys = new KeyScratch();

  constructor(fn: PartitionerFunction) {
    this.#fn = fn;
  }

  partition(
    topic: string,
    key: SerializedKey | null,
    record: { key: unknown; value: unknown },
    partitionCount: number,
  ): number {
    checkPartitionCount(topic, partitionCount);
    const keyBytes = key === null ? null : this.#keys.bytes(key);
    let partition: unknown;
    try {
      partition = this.#fn(
        { topic, key: record.key, value: record.value, keyBytes },
        partitionCount,
        topic,
      );
    } catch (error) {
      throw new KafkaPartitionerError(topic, error);
    }
    if (
      typeof partition === "number" && Number.isInteger(partition) && partition >= 0 &&
      partition < partitionCount
    ) {
      return partition;
    }
    const message =
      `Cannot partition record for topic "${topic}" as the partitioner function must return an integer in [0, ${partitionCount}): current value is ${
        describe(partition)
      }`;
    throw typeof partition === "number" ? new RangeError(message) : new TypeError(message);
  }

  onAppend(_topic: string, _partition: number, _bytes: number, _newBatch: boolean): void {}
}

function checkPartitionCount(topic: string, partitionCount: number): void {
  if (!(Number.isInteger(partitionCount) && partitionCount > 0)) {
    throw new RangeError(
      `Cannot choose a partition for topic "${topic}" as the partition count must be a positive integer: current value is ${
        describe(partitionCount)
      }`,
    );
  }
}

/** A value as an error message shows it: strings quoted, anything else as `String()` does. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
