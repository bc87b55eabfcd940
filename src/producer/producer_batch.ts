/**
 * What flows through the producer: groups of serialized records on their way into a
 * partition's batcher, and the closed batches that come out and go to the sender.
 *
 * @module
 */

import type { RecordBytes, RecordHeaderInput } from "../record/record_batch_builder.ts";

/**
 * Settles records: one per `send()` call, or one shared by all the records of a sink,
 * which only counts (so acknowledging a record allocates nothing for the sink).
 */
export interface RecordCompletion {
  /**
   * Called when the record at `index` of `batch` is stored from `baseOffset` (-1 with
   * acks=0); `logAppendTime` is the broker's time for LogAppendTime topics, else -1.
   */
  resolve(batch: ProducerBatch, index: number, baseOffset: bigint, logAppendTime: number): void;
  /** Called with why the record was not stored. */
  reject(error: unknown): void;
}

/**
 * Records for one partition, serialized and waiting to be encoded, held as parallel
 * arrays so a record costs a few array slots, not an object. The batcher stream
 * takes groups rather than single records: one stream hop per group keeps the Web
 * Streams cost off the per-record budget.
 */
export class RecordGroup {
  /** Serialized keys. */
  readonly keys: RecordBytes[] = [];
  /** Serialized values. */
  readonly values: RecordBytes[] = [];
  /** Serialized headers, or null. */
  readonly headers: (RecordHeaderInput[] | null)[] = [];
  /** Timestamps in ms. */
  readonly timestamps: number[] = [];
  /** Per-record completions: `send()` promises, or a sink's shared counters. */
  readonly completions: RecordCompletion[] = [];
  /** Bytes reserved from the budget for these records (upper bounds). */
  reserved = 0;
  /** When the first record was appended (ms), for the delivery timeout. */
  readonly firstMs: number;
  /** Close the open batch after this group (linger expired, flush or close). */
  closeAfter = false;

  /**
   * @param firstMs When the first record was appended.
   */
  constructor(firstMs: number) {
    this.firstMs = firstMs;
  }

  /** Records in the group. */
  get count(): number {
    return this.keys.length;
  }
}

/** A closed batch on its way to (or back from) a broker. */
export interface ProducerBatch {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The encoded RecordBatch v2 (restamped with producer id and sequence when sent). */
  readonly bytes: Uint8Array;
  /** Records in the batch. */
  readonly count: number;
  /** The first record's timestamp in ms; offsets and timestamps are reported from it. */
  readonly baseTimestamp: number;
  /** Each record's timestamp delta, for the metadata handed back by `send()`. */
  readonly timestamps: readonly number[];
  /** Per-record completions, in offset order. */
  readonly completions: readonly RecordCompletion[];
  /** Bytes reserved from the budget for this batch. */
  readonly reserved: number;
  /** When its first record was written (ms): the delivery timeout counts from here. */
  readonly createdMs: number;
  /** Attempts made so far. */
  attempts: number;
  /** The sequence of its first record once assigned (idempotent producers), else -1. */
  baseSequence: number;
  /** The producer epoch it was stamped with, else -1. */
  producerEpoch: number;
}
