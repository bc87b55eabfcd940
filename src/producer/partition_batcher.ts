/**
 * One partition's batcher: records are encoded straight into the open batch's buffer
 * as they are appended (nothing of a record outlives its `write()` but its bytes), and
 * a `TransformStream` takes the filled batches and gives out finished RecordBatch v2
 * batches: compressed if configured, header and CRC written, buffer charged to the
 * budget. A batch closes when the next record would take it past `batchBytes` (a
 * record larger than that gets a batch of its own, as in Java), or `lingerMs` after
 * its first record, or on flush.
 *
 * @module
 */

import { CompressionId } from "../record/compression.ts";
import { type Compressor, finishBatch } from "../record/finish_batch.ts";
import {
  RecordBatchBuilder,
  type RecordBytes,
  type RecordHeaderInput,
} from "../record/record_batch_builder.ts";
import {
  CompletionRuns,
  newProducerBatch,
  type ProducerBatch,
  type RecordCompletion,
} from "./producer_batch.ts";
import type { BufferPool } from "./buffer_pool.ts";
import type { Cancel, Clock } from "../timers.ts";
import type { CompressionType } from "./options.ts";

/** How the batcher is configured. */
export interface PartitionBatcherOptions {
  /** A batch closes at this many bytes. */
  batchBytes: number;
  /** A batch closes this long after its first record. */
  lingerMs: number;
  /**
   * Natural batching (lingerMs not set): whether the partition is idle, so a new batch
   * goes at the end of the current turn rather than after `lingerMs`. Undefined: always
   * linger.
   */
  idle?: () => boolean;
  /** Batch compression. */
  compression: CompressionType;
  /** What compresses a batch's records (gzip workers, say); the registered codecs if unset. */
  compress?: Compressor;
  /** Time and the linger timer (injectable for tests). */
  clock: Clock;
  /** Where batch buffers come from. */
  pool: BufferPool;
  /** Whether batches are part of transactions (attribute bit 4). */
  transactional: boolean;
  /** Charges buffer bytes the records did not reserve to the budget (without waiting). */
  charge: (bytes: number) => void;
}

/** A batch being filled, then on its way through the stream to be finished. */
class OpenBatch {
  readonly builder: RecordBatchBuilder;
  readonly completions: CompletionRuns = new CompletionRuns();
  readonly baseTimestamp: number;
  maxTimestamp: number;
  /** When its first record was appended (ms). */
  readonly createdMs: number;
  /** Bytes its records reserved from the budget. */
  reserved = 0;

  constructor(builder: RecordBatchBuilder, baseTimestamp: number, createdMs: number) {
    this.builder = builder;
    this.baseTimestamp = baseTimestamp;
    this.maxTimestamp = baseTimestamp;
    this.createdMs = createdMs;
  }
}

/**
 * Gathers one partition's records and closes them into batches.
 *
 * @example Batching records of one partition
 * ```ts
 * import { PartitionBatcher } from "./partition_batcher.ts";
 * import { BufferPool } from "./buffer_pool.ts";
 * import { systemClock } from "../timers.ts";
 *
 * const batcher = new PartitionBatcher("events", 0, {
 *   batchBytes: 16384,
 *   lingerMs: 5,
 *   compression: "none",
 *   clock: systemClock,
 *   pool: new BufferPool(16384, 1 << 20),
 *   transactional: false,
 *   charge: () => {},
 * });
 * const completion = { timestamp: 0, resolve() {}, reject() {} };
 * batcher.append("k", "v", null, Date.now(), completion, 64);
 * batcher.append("k", "w", null, Date.now(), completion, 64);
 * const closing = batcher.close();
 * for await (const batch of batcher.readable) console.log(batch.count); // 2
 * await closing;
 * ```
 */
export class PartitionBatcher {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** Finished batches, in record order. */
  readonly readable: ReadableStream<ProducerBatch>;

  readonly #options: PartitionBatcherOptions;
  readonly #writer: WritableStreamDefaultWriter<OpenBatch>;
  #open: OpenBatch | null = null;
  // Closed batches the stream has not finished yet, oldest first (an abort rejects them).
  readonly #closing: OpenBatch[] = [];
  #cancelLinger: Cancel = () => {};
  #closed = false;
  // The next batch's buffer size, from the last batch's (see #closeOpen).
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
    const stream = new TransformStream<OpenBatch, ProducerBatch>(
      { transform: (batch, controller) => this.#finish(batch, controller) },
      // Closed batches queue on the writable side; the memory budget, not the stream,
      // bounds them.
      { highWaterMark: Infinity },
    );
    this.readable = stream.readable;
    this.#writer = stream.writable.getWriter();
    // A failure surfaces through the readable side; keep the writer's copy observed.
    this.#writer.closed.catch(() => {});
  }

  /**
   * Adds one serialized record, encoding it into the open batch. Synchronous: the hot
   * path.
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
    let batch = this.#open;
    if (batch !== null) {
      const builder = batch.builder;
      const bound = RecordBatchBuilder.maxRecordSize(
        timestamp - batch.baseTimestamp,
        builder.count,
        key,
        value,
        headers,
      );
      if (builder.size + bound > this.#options.batchBytes) {
        this.#closeOpen();
        batch = null;
      }
    }
    if (batch === null) batch = this.#openBatch(timestamp);
    const builder = batch.builder;
    builder.append(timestamp - batch.baseTimestamp, builder.count, key, value, headers);
    if (timestamp > batch.maxTimestamp) batch.maxTimestamp = timestamp;
    batch.completions.push(completion);
    batch.reserved += reserved;
  }

  /** Closes the open batch now (for `flush()`), without waiting for the linger time. */
  flush(): void {
    this.#closeOpen();
  }

  /**
   * Closes the batcher: the open batch is closed and the readable side ends.
   *
   * @returns Resolves when the last batch is taken in.
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closeOpen();
    this.#closed = true;
    return this.#writer.close().catch(() => {});
  }

  /**
   * Fails the batcher: the readable side errors with `reason`, and the records not yet
   * in a finished batch are rejected with it.
   *
   * @param reason Why.
   * @returns How many records were rejected and the budget bytes they held.
   */
  abort(reason: unknown): { records: number; reserved: number } {
    this.#cancelLinger();
    this.#closed = true;
    let records = 0;
    let reserved = 0;
    const unfinished = this.#closing.splice(0);
    if (this.#open !== null) unfinished.push(this.#open);
    this.#open = null;
    for (const batch of unfinished) {
      batch.completions.reject(reason);
      records += batch.completions.count;
      reserved += batch.reserved;
    }
    this.#writer.abort(reason).catch(() => {});
    return { records, reserved };
  }

  #openBatch(timestamp: number): OpenBatch {
    const pool = this.#options.pool;
    const batch = this.#open = new OpenBatch(
      new RecordBatchBuilder(pool.take(this.#capacity), pool),
      timestamp,
      this.#options.clock.now(),
    );
    const idle = this.#options.idle;
    if (idle !== undefined && this.#closing.length === 0 && idle()) {
      // Nothing of the partition is on its way: the batch goes once the records written in
      // this same turn (a send(records) call, a burst of writes) are in it.
      queueMicrotask(() => {
        if (this.#open === batch) this.#closeOpen();
      });
    } else {
      this.#cancelLinger = this.#options.clock.schedule(() => {
        if (this.#open === batch) this.#closeOpen();
      }, this.#options.lingerMs);
    }
    return batch;
  }

  #closeOpen(): void {
    const batch = this.#open;
    if (batch === null || this.#closed) return;
    this.#open = null;
    this.#cancelLinger();
    // The next batch's buffer is sized from this one (the pool rounds it up to a power of
    // two): a partition that sees a few records per linger does not hold batchBytes each.
    this.#capacity = Math.min(this.#options.batchBytes, Math.ceil(batch.builder.size * 1.25));
    this.#closing.push(batch);
    this.#writer.write(batch).catch(() => {});
  }

  async #finish(
    batch: OpenBatch,
    controller: TransformStreamDefaultController<ProducerBatch>,
  ): Promise<void> {
    const { builder } = batch;
    const uncompressedBytes = builder.size;
    const attributes = CompressionId[this.#options.compression] |
      (this.#options.transactional ? 0x10 : 0);
    const bytes = await finishBatch(
      builder,
      attributes,
      batch.baseTimestamp,
      batch.maxTimestamp,
      this.#options.compress,
    );
    // Aborted meanwhile: its records were rejected there.
    if (this.#closing[0] !== batch) return;
    this.#closing.shift();
    // The budget holds buffers, not just record bytes (as Java's buffer.memory): the part
    // of this batch's buffer its records did not reserve is charged now.
    let reserved = batch.reserved;
    const extra = bytes.buffer.byteLength - reserved;
    if (extra > 0) {
      this.#options.charge(extra);
      reserved += extra;
    }
    controller.enqueue(
      newProducerBatch(
        this.topic,
        this.partition,
        bytes,
        builder.count,
        batch.completions,
        reserved,
        batch.createdMs,
        uncompressedBytes,
      ),
    );
  }
}
