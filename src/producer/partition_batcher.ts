/**
 * One partition's batcher: a `TransformStream` that takes groups of serialized
 * records and gives out closed RecordBatch v2 batches. A batch closes when the next
 * record would take it past `batchBytes` (a record larger than that gets a batch of
 * its own, as in Java), or `lingerMs` after its first record, or on flush.
 *
 * Records are gathered into a {@link RecordGroup} synchronously by
 * {@link PartitionBatcher.append} and handed to the stream a group at a time (when the
 * group is large, when the linger time is up, or on flush), so the per-record cost
 * is a few array slots and the stream machinery is paid per group.
 *
 * @module
 */

import { CompressionId } from "../record/compression.ts";
import { compressionCodec } from "../record/compression.ts";
import {
  RecordBatchBuilder,
  type RecordBytes,
  type RecordHeaderInput,
} from "../record/record_batch_builder.ts";
import { type ProducerBatch, type RecordCompletion, RecordGroup } from "./producer_batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { CompressionType } from "./options.ts";

/** How the batcher is configured. */
export interface PartitionBatcherOptions {
  /** A batch closes at this many bytes. */
  batchBytes: number;
  /** A batch closes this long after its first record. */
  lingerMs: number;
  /** Batch compression. */
  compression: CompressionType;
  /** The clock, in ms (injectable for tests). */
  now: () => number;
  /** Where batch buffers come from. */
  pool: BufferPool;
  /** Whether batches are part of transactions (attribute bit 4). */
  transactional: boolean;
  /** Charges buffer bytes the records did not reserve to the budget (without waiting). */
  charge: (bytes: number) => void;
}

/** A group goes to the stream once its records may take this many bytes. */
const GROUP_BYTES = 16384;

/**
 * Gathers one partition's records and closes them into batches.
 *
 * @example Batching records of one partition
 * ```ts ignore
 * const batcher = new PartitionBatcher("events", 0, { batchBytes: 16384, lingerMs: 5, compression: "none", now: Date.now });
 * batcher.append("k", "v", null, Date.now(), null, 64);
 * batcher.close();
 * for await (const batch of batcher.readable) console.log(batch.count); // 1
 * ```
 */
export class PartitionBatcher {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** Closed batches, in record order. */
  readonly readable: ReadableStream<ProducerBatch>;

  readonly #options: PartitionBatcherOptions;
  readonly #writer: WritableStreamDefaultWriter<RecordGroup>;
  #group: RecordGroup | null = null;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  // State of the open batch, touched only inside the stream's transform().
  #builder: RecordBatchBuilder | null = null;
  #baseTimestamp = 0;
  #maxTimestamp = 0;
  #createdMs = 0;
  #reserved = 0;
  #timestamps: number[] = [];
  #completions: RecordCompletion[] = [];
  // The next batch's buffer size, from the last batch's (see #closeBatch).
  #capacity = 1024;

  /**
   * @param topic The topic.
   * @param partition The partition.
   * @param options Sizes, linger and compression.
   */
  constructor(topic: string, partition: number, options: PartitionBatcherOptions) {
    this.topic = topic;
    this.partition = partition;
    this.#options = options;
    const stream = new TransformStream<RecordGroup, ProducerBatch>(
      {
        transform: (group, controller) => this.#transform(group, controller),
        flush: (controller) => this.#closeBatch(controller),
      },
      // Groups queue on the writable side; the memory budget, not the stream, bounds them.
      { highWaterMark: Infinity },
    );
    this.readable = stream.readable;
    this.#writer = stream.writable.getWriter();
    // A failure surfaces through the readable side; keep the writer's copy observed.
    this.#writer.closed.catch(() => {});
  }

  /**
   * Adds one serialized record. Synchronous: the hot path.
   *
   * @param key The serialized key.
   * @param value The serialized value.
   * @param headers The serialized headers, or null.
   * @param timestamp The record's timestamp (ms).
   * @param completion Settles the record (a `send()` promise or a sink's counters).
   * @param reserved The bytes reserved for it from the budget.
   */
  append(
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaderInput[] | null,
    timestamp: number,
    completion: RecordCompletion,
    reserved: number,
  ): void {
    let group = this.#group;
    if (group === null) {
      group = this.#group = new RecordGroup(this.#options.now());
      if (this.#lingerTimer === undefined) this.#startLinger(this.#options.lingerMs);
    }
    group.keys.push(key);
    group.values.push(value);
    group.headers.push(headers);
    group.timestamps.push(timestamp);
    group.completions.push(completion);
    group.reserved += reserved;
    if (group.reserved >= GROUP_BYTES) this.#sendGroup(false);
  }

  /** Closes the open batch now (for `flush()`), without waiting for the linger time. */
  flush(): void {
    this.#sendGroup(true);
  }

  /**
   * Closes the batcher: the open batch is closed and the readable side ends.
   *
   * @returns Resolves when the last group is taken in.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#sendGroup(false);
    this.#closed = true;
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    return this.#writer.close().catch(() => {});
  }

  /**
   * Fails the batcher: the readable side errors with `reason`, and the records not yet
   * in a closed batch are rejected with it.
   *
   * @param reason Why.
   * @returns How many records were rejected and the budget bytes they held.
   */
  abort(reason: unknown): { records: number; reserved: number } {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#closed = true;
    let records = 0;
    let reserved = this.#reserved;
    const group = this.#group;
    this.#group = null;
    if (group !== null) {
      for (const c of group.completions) c.reject(reason);
      records += group.count;
      reserved += group.reserved;
    }
    for (const c of this.#completions) c.reject(reason);
    records += this.#completions.length;
    this.#completions = [];
    this.#timestamps = [];
    this.#reserved = 0;
    this.#builder = null;
    this.#writer.abort(reason).catch(() => {});
    return { records, reserved };
  }

  #startLinger(ms: number): void {
    this.#lingerTimer = setTimeout(() => {
      this.#lingerTimer = undefined;
      this.#sendGroup(true);
    }, ms);
  }

  #sendGroup(closeAfter: boolean): void {
    if (this.#closed) return;
    let group = this.#group;
    if (group === null) {
      if (!closeAfter) return;
      group = new RecordGroup(this.#options.now());
    }
    this.#group = null;
    group.closeAfter = closeAfter;
    if (closeAfter) {
      clearTimeout(this.#lingerTimer);
      this.#lingerTimer = undefined;
    }
    this.#writer.write(group).catch(() => {});
  }

  async #transform(
    group: RecordGroup,
    controller: TransformStreamDefaultController<ProducerBatch>,
  ): Promise<void> {
    const { batchBytes } = this.#options;
    const n = group.count;
    for (let i = 0; i < n; i++) {
      const key = group.keys[i]!;
      const value = group.values[i]!;
      const headers = group.headers[i]!;
      const timestamp = group.timestamps[i]!;
      let builder = this.#builder;
      if (builder !== null) {
        const bound = RecordBatchBuilder.maxRecordSize(
          timestamp - this.#baseTimestamp,
          builder.count,
          key,
          value,
          headers,
        );
        if (builder.size + bound > batchBytes) {
          await this.#closeBatch(controller);
          builder = null;
        }
      }
      if (builder === null) {
        builder = this.#builder = new RecordBatchBuilder(this.#options.pool.take(this.#capacity));
        this.#baseTimestamp = timestamp;
        this.#maxTimestamp = timestamp;
        this.#createdMs = group.firstMs;
      }
      builder.append(timestamp - this.#baseTimestamp, builder.count, key, value, headers);
      if (timestamp > this.#maxTimestamp) this.#maxTimestamp = timestamp;
      this.#timestamps.push(timestamp);
      this.#completions.push(group.completions[i]!);
    }
    // The group's reservation travels with the batch its records ended up in; split
    // across batches it is charged to the last, which is released no earlier.
    this.#reserved += group.reserved;
    if (group.closeAfter) {
      await this.#closeBatch(controller);
    } else if (this.#builder !== null && this.#lingerTimer === undefined && this.#group === null) {
      // Records stay in the open batch: its linger clock runs from its first record.
      const age = this.#options.now() - this.#createdMs;
      this.#startLinger(Math.max(0, this.#options.lingerMs - age));
    }
  }

  async #closeBatch(controller: TransformStreamDefaultController<ProducerBatch>): Promise<void> {
    const builder = this.#builder;
    if (builder === null || builder.count === 0) {
      this.#builder = null;
      return;
    }
    this.#builder = null;
    const compression = CompressionId[this.#options.compression];
    const header = {
      baseOffset: 0n,
      partitionLeaderEpoch: -1,
      attributes: compression | (this.#options.transactional ? 0x10 : 0),
      lastOffsetDelta: builder.count - 1,
      baseTimestamp: BigInt(this.#baseTimestamp),
      maxTimestamp: BigInt(this.#maxTimestamp),
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
    };
    const count = builder.count;
    const timestamps = this.#timestamps;
    const completions = this.#completions;
    let reserved = this.#reserved;
    const baseTimestamp = this.#baseTimestamp;
    const createdMs = this.#createdMs;
    this.#timestamps = [];
    this.#completions = [];
    this.#reserved = 0;
    const bytes = compression === 0
      ? builder.finish(header)
      : builder.finish(header, await compressionCodec(compression).compress(builder.records()));
    // The next batch's buffer is sized from this one (the pool rounds it up to a power of
    // two): a partition that sees a few records per linger does not hold batchBytes each.
    this.#capacity = Math.min(this.#options.batchBytes, Math.ceil(builder.size * 1.25));
    // The budget holds buffers, not just record bytes (as Java's buffer.memory): the part
    // of this batch's buffer its records did not reserve is charged now.
    const extra = bytes.buffer.byteLength - reserved;
    if (extra > 0) {
      this.#options.charge(extra);
      reserved += extra;
    }
    controller.enqueue({
      topic: this.topic,
      partition: this.partition,
      bytes,
      count,
      baseTimestamp,
      timestamps,
      completions,
      reserved,
      createdMs,
      attempts: 0,
      baseSequence: -1,
      producerEpoch: -1,
    });
  }
}
