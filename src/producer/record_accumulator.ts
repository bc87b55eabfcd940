/**
 * The record accumulator (Java's `RecordAccumulator`): a batcher per partition, the
 * `bufferBytes` budget and the pool of batch buffers, and the count of records not
 * settled yet. A serialized record is reserved its bytes and appended to its
 * partition's open batch synchronously; when the budget is spent it waits (up to its
 * `maxBlockMs`), which is how a sink's `write()` applies backpressure. Finished batches
 * go to the sender; settled ones give their bytes and buffers back.
 *
 * @module
 */

import { KafkaClosedError, KafkaTimeoutError } from "../errors.ts";
import type { Compressor } from "../record/finish_batch.ts";
import type { RecordBytes, RecordHeaderInput } from "../record/record_batch_builder.ts";
import type { Clock } from "../timers.ts";
import { BufferPool } from "./buffer_pool.ts";
import { MemoryBudget } from "./memory_budget.ts";
import type { CompressionType } from "./options.ts";
import { PartitionBatcher } from "./partition_batcher.ts";
import type { ProducerBatch, RecordCompletion } from "./producer_batch.ts";

/** Options of the {@link RecordAccumulator}. */
export interface RecordAccumulatorOptions {
  /** A batch closes at this size. */
  batchBytes: number;
  /** A batch closes this long after its first record. */
  lingerMs: number;
  /**
   * Natural batching: whether a partition is idle (nothing in flight or queued), so its
   * new batch goes at once. Undefined when `lingerMs` was set: batches always linger.
   */
  idle: ((topic: string, partition: number) => boolean) | undefined;
  /** Batch compression. */
  compression: CompressionType;
  /** What compresses a batch's records; the registered codecs if unset. */
  compress?: Compressor;
  /** The budget of bytes buffered and in flight. */
  bufferBytes: number;
  /** How long a record waits for budget, named in its timeout error (ms). */
  maxBlockMs: number;
  /** Whether batches are part of transactions. */
  transactional: boolean;
  /** Time and timers. */
  clock: Clock;
  /** Takes each finished batch (the sender). */
  enqueue: (batch: ProducerBatch) => void;
  /** Called for each record appended (partitioner stickiness, sink pacing). */
  appended: (topic: string, partition: number, size: number) => void;
  /**
   * Called when records that were appended or waited for budget fail for good (their
   * batch failed, the accumulator was aborted, or a wait for budget failed); `batch`
   * tells whether they failed as a batch, or one by one while waiting for budget.
   */
  failed?: (
    topic: string,
    partition: number,
    records: number,
    error: unknown,
    batch: boolean,
  ) => void;
}

/** The message of a write to a closed producer. */
export const CLOSED_MESSAGE = "Cannot send record as the producer is closed";

/** Per-partition batchers and the memory they may use. */
export class RecordAccumulator {
  readonly #options: RecordAccumulatorOptions;
  readonly #budget: MemoryBudget;
  readonly #buffers: BufferPool;
  readonly #batchers = new Map<string, PartitionBatcher[]>();
  #outstanding = 0;
  #idle: (() => void)[] = [];
  #flushing = 0;
  #closed = false;

  /**
   * @param options Sizes, linger, compression, the clock and where batches go.
   */
  constructor(options: RecordAccumulatorOptions) {
    this.#options = options;
    this.#budget = new MemoryBudget(options.bufferBytes, options.clock);
    // Free buffers kept for reuse: an eighth of the budget, so bursts recycle.
    this.#buffers = new BufferPool(options.batchBytes, options.bufferBytes / 8);
  }

  /** Records appended or waiting (for budget or metadata) and not settled. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Bytes of the budget not in use. */
  get availableBytes(): number {
    return this.#budget.available;
  }

  /** Records waiting for budget. */
  get waitingForBytes(): number {
    return this.#budget.waiting;
  }

  /**
   * Counts a record waiting before it is appended (for its topic's metadata), so a
   * flush waits for it too.
   *
   * @param delta +1 when it starts waiting, -1 when it stops.
   */
  track(delta: number): void {
    this.#outstanding += delta;
    if (delta < 0) this.#checkIdle();
  }

  /**
   * Reserves a record's bytes and appends it to its partition's open batch. The hot
   * path: synchronous unless the budget is spent.
   *
   * @param topic The topic.
   * @param partition The partition.
   * @param key The serialized key.
   * @param value The serialized value.
   * @param headers The serialized headers, or null.
   * @param timestamp The record's timestamp (ms).
   * @param completion Settles the record.
   * @param size Its bytes, for the budget.
   * @param timeoutMs How long it may wait for budget.
   * @returns Undefined when appended at once, else a promise of it.
   */
  append(
    topic: string,
    partition: number,
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaderInput[] | null,
    timestamp: number,
    completion: RecordCompletion,
    size: number,
    timeoutMs: number,
  ): Promise<void> | undefined {
    if (this.#budget.tryReserve(size)) {
      this.#commit(topic, partition, key, value, headers, timestamp, completion, size);
      return undefined;
    }
    return this.#appendAfterBudget(
      topic,
      partition,
      key,
      value,
      headers,
      timestamp,
      completion,
      size,
      timeoutMs,
    );
  }

  /**
   * Closes every open batch now and resolves once every record appended before the
   * call is settled; records appended meanwhile are closed into batches at once.
   *
   * @returns Resolves when nothing is outstanding.
   */
  async flush(): Promise<void> {
    this.#flushing++;
    try {
      for (const list of this.#batchers.values()) for (const batcher of list) batcher?.flush();
      if (this.#outstanding > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    } finally {
      this.#flushing--;
    }
  }

  /**
   * Closes the batchers (after a flush): later appends fail.
   *
   * @returns Resolves once the last batches were taken in.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#batchers.values()].flatMap((list) => list.map((b) => b?.close())),
    );
    this.#budget.failWaiters(new KafkaClosedError(CLOSED_MESSAGE));
  }

  /**
   * Fails every record not yet in a finished batch, and every wait for budget.
   *
   * @param error Why.
   */
  abort(error: Error): void {
    for (const list of this.#batchers.values()) {
      for (const batcher of list) {
        if (batcher === undefined) continue;
        const dropped = batcher.abort(error);
        this.#outstanding -= dropped.records;
        this.#budget.release(dropped.reserved);
        if (dropped.records > 0) {
          this.#options.failed?.(batcher.topic, batcher.partition, dropped.records, error, true);
        }
      }
    }
    this.#checkIdle();
    this.#budget.failWaiters(error);
  }

  /**
   * A batch the sender settled: its bytes and buffer go back, its records resolve or
   * reject.
   *
   * @param batch The batch.
   * @param error Why it failed, or null when it was stored.
   * @param baseOffset Where it was stored (-1 when unknown).
   * @param logAppendTime The broker's time, or -1.
   */
  settled(
    batch: ProducerBatch,
    error: Error | null,
    baseOffset: bigint,
    logAppendTime: number,
  ): void {
    this.#budget.release(batch.reserved);
    this.#buffers.give(batch.bytes);
    if (error === null) batch.completions.resolve(batch, baseOffset, logAppendTime);
    else {
      batch.completions.reject(error);
      this.#options.failed?.(batch.topic, batch.partition, batch.count, error, true);
    }
    this.#outstanding -= batch.count;
    this.#checkIdle();
  }

  // Outside append(): a closure in the hot path would allocate a context per record.
  #appendAfterBudget(
    topic: string,
    partition: number,
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaderInput[] | null,
    timestamp: number,
    completion: RecordCompletion,
    size: number,
    timeoutMs: number,
  ): Promise<void> {
    const o = this.#options;
    this.#outstanding++;
    return this.#budget.reserve(size, timeoutMs, () =>
      new KafkaTimeoutError(
        `Cannot buffer record for ${topic}-${partition} as ${o.bufferBytes} bytes (bufferBytes) stayed in use for ${o.maxBlockMs} ms (maxBlockMs)`,
      )).then(
        () => {
          this.#outstanding--;
          if (this.#closed) {
            this.#budget.release(size);
            const error = new KafkaClosedError(CLOSED_MESSAGE);
            this.#options.failed?.(topic, partition, 1, error, false);
            throw error;
          }
          this.#commit(topic, partition, key, value, headers, timestamp, completion, size);
        },
        (error) => {
          this.#outstanding--;
          this.#checkIdle();
          this.#options.failed?.(topic, partition, 1, error, false);
          throw error;
        },
      );
  }

  #commit(
    topic: string,
    partition: number,
    key: RecordBytes,
    value: RecordBytes,
    headers: RecordHeaderInput[] | null,
    timestamp: number,
    completion: RecordCompletion,
    size: number,
  ): void {
    const batcher = this.#batcher(topic, partition);
    completion.timestamp = timestamp;
    batcher.append(key, value, headers, timestamp, completion, size);
    this.#outstanding++;
    this.#options.appended(topic, partition, size);
    if (this.#flushing > 0) batcher.flush();
  }

  #batcher(topic: string, partition: number): PartitionBatcher {
    let list = this.#batchers.get(topic);
    if (list === undefined) this.#batchers.set(topic, list = []);
    let batcher = list[partition];
    if (batcher === undefined) {
      const o = this.#options;
      batcher = list[partition] = new PartitionBatcher(topic, partition, {
        batchBytes: o.batchBytes,
        lingerMs: o.lingerMs,
        compression: o.compression,
        ...(o.compress === undefined ? {} : { compress: o.compress }),
        clock: o.clock,
        pool: this.#buffers,
        transactional: o.transactional,
        charge: (bytes) => this.#budget.charge(bytes),
        ...(o.idle === undefined ? {} : { idle: () => o.idle!(topic, partition) }),
      });
      this.#pump(batcher);
    }
    return batcher;
  }

  async #pump(batcher: PartitionBatcher): Promise<void> {
    const reader = batcher.readable.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.#options.enqueue(value);
      }
    } catch {
      // The batcher was aborted; its records were rejected there.
    }
  }

  #checkIdle(): void {
    if (this.#outstanding === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
  }
}
