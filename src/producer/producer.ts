/**
 * The producer: takes records (from `send()` or a sink), serializes them, picks a
 * partition, and appends them to that partition's batcher synchronously; closed
 * batches go to the sender. Memory is bounded by the `bufferBytes` budget: an
 * append that does not fit waits (up to `maxBlockMs`), which is how a sink's
 * `write()` applies backpressure.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import {
  KafkaClosedError,
  KafkaDeliveryError,
  KafkaError,
  KafkaTimeoutError,
  KafkaTransactionError,
} from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { ApiKey } from "../protocol/api.ts";
import { initProducerIdApi } from "../protocol/init_producer_id.ts";
import { metadataApi, type MetadataResponse } from "../protocol/metadata.ts";
import { utf8Length, writeUtf8 } from "../record/utf8.ts";
import type { RecordBytes, RecordHeaderInput } from "../record/record_batch_builder.ts";
import {
  checkExplicitPartition,
  createPartitioner,
  type Partitioner,
} from "../partition/partitioner.ts";
import { ClusterMetadata } from "../cluster/cluster_metadata.ts";
import { BrokerPool } from "../net/broker_pool.ts";
import type { ProducerRecord, RecordMetadata } from "../types.ts";
import { normalizeHeaders } from "./headers.ts";
import { BufferPool } from "./buffer_pool.ts";
import { MemoryBudget } from "./memory_budget.ts";
import {
  type ProducerOptions,
  type RequiredSerializers,
  type ResolvedProducerOptions,
  resolveProducerOptions,
} from "./options.ts";
import { PartitionBatcher } from "./partition_batcher.ts";
import type { ProducerBatch, RecordCompletion } from "./producer_batch.ts";
import { type ProducerIdentity, Sender } from "./sender.ts";
import { serializeField } from "./serializer.ts";
import { TransactionManager } from "./transaction_manager.ts";
import { checkTopicName } from "./topic_name.ts";
import { registerCompressionCodec } from "../record/compression.ts";
import { systemClock } from "../timers.ts";
import { TopicWaits } from "./topic_waits.ts";
import { zstdCodec } from "./zstd_codec.ts";

registerCompressionCodec(zstdCodec);

/**
 * A Kafka producer.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 */
export interface Producer<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  /**
   * Sends one record; resolves with where it was stored once acknowledged.
   *
   * @param record The record.
   * @returns Its metadata.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  /**
   * Sends records; resolves once all are acknowledged, in the given order, or rejects
   * with a {@link KafkaDeliveryError} counting those that failed.
   *
   * @param records The records.
   * @returns Their metadata.
   */
  send(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  /**
   * Sends every buffered record now and resolves once all records sent before the
   * call are acknowledged or failed.
   *
   * @returns Resolves when done.
   */
  flush(): Promise<void>;
  /**
   * Flushes (waiting until every record sent is acknowledged or failed), aborts a
   * transaction left open (as Java's `close()`: read_committed consumers do not wait
   * for its timeout), then closes the connections and stops every timer. Later sends
   * fail with {@link KafkaClosedError}. A producer that is never closed keeps the
   * process alive while it has connections, as Java's does.
   *
   * @returns Resolves when closed.
   */
  close(): Promise<void>;
  /**
   * Runs `work` inside a transaction (a `transactionalId` producer): begins it,
   * commits it when `work` resolves (after every record of it is acknowledged), aborts
   * it when `work` or the commit throws, and rethrows.
   *
   * @example Committing two records together
   * ```ts ignore
   * await producer.transaction(async (tx) => {
   *   await tx.send({ topic: "debits", value: "-10" });
   *   await tx.send({ topic: "credits", value: "+10" });
   * });
   * ```
   *
   * @typeParam T What `work` returns.
   * @param work Sends the transaction's records through `tx.send`.
   * @returns What `work` returned.
   */
  transaction<T>(work: (tx: Pick<Producer<K, V>, "send">) => Promise<T>): Promise<T>;
  /**
   * Opens a transaction (the first call also initializes the transactional id, fencing
   * older producers with it). Java: `beginTransaction()` after `initTransactions()`.
   *
   * @returns Resolves once open.
   */
  beginTransaction(): Promise<void>;
  /**
   * Flushes and commits the open transaction. Fails (leaving it open, to be aborted)
   * if a record of it failed.
   *
   * @returns Resolves once committed.
   */
  commitTransaction(): Promise<void>;
  /**
   * Lets the open transaction's records settle, then aborts it: read_committed
   * consumers never see them.
   *
   * @returns Resolves once aborted.
   */
  abortTransaction(): Promise<void>;
  /** Closes the producer (for `await using`). */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * A sink writing into this producer. Closing it flushes (and does not close the
   * producer); it errors with a {@link KafkaDeliveryError} if any of its records failed.
   */
  readonly writable: WritableStream<ProducerRecord<K, V>>;
}

/** A record waiting for its topic's metadata. */
interface Pending<K, V> {
  readonly record: ProducerRecord<K, V>;
  readonly completion: RecordCompletion;
}

/** Counts a sink's records, so its close can report exactly what failed. */
export class SinkCompletion implements RecordCompletion {
  timestamp = 0;
  delivered = 0;
  failed = 0;
  readonly errors: Error[] = [];

  /** Counts one delivered record. */
  resolve(): void {
    this.delivered++;
  }

  /**
   * Counts one failed record, keeping the first error of each kind (its name: the
   * error class, or Kafka's name for a broker's code).
   *
   * @param error Why it failed.
   */
  reject(error: unknown): void {
    this.failed++;
    const e = error instanceof Error ? error : new Error(String(error));
    if (this.errors.length < 8 && !this.errors.some((x) => x.name === e.name)) {
      this.errors.push(e);
    }
  }

  /**
   * The error to report, or null when nothing failed.
   *
   * @returns The error or null.
   */
  error(): KafkaDeliveryError | null {
    return this.failed === 0
      ? null
      : new KafkaDeliveryError(this.failed, this.delivered, this.errors);
  }
}

/**
 * A sink lets the event loop turn after buffering this many bytes, or an eighth of
 * `bufferBytes` if less (see `KafkaProducer.yieldDue`). Measured on the mock-cluster
 * bench: every 1 MiB costs nothing in throughput and keeps Bun's peak RSS near 90 MB
 * (vs ~135 MB without); every 256 KiB was slower on both runtimes.
 */
const YIELD_BYTES = 1024 * 1024;

const CLOSED_MESSAGE = "Cannot send record as the producer is closed";

/** The producer's implementation. */
export class KafkaProducer<K, V> implements Producer<K, V> {
  readonly #options: ResolvedProducerOptions<K, V>;
  readonly #pool: BrokerPool;
  readonly #metadata: ClusterMetadata;
  readonly #sender: Sender;
  readonly #transactions: TransactionManager | undefined;
  readonly #budget: MemoryBudget;
  readonly #buffers: BufferPool;
  readonly #partitioner: Partitioner;
  readonly #batchers = new Map<string, PartitionBatcher[]>();
  readonly #topicWaits: TopicWaits<Pending<K, V>>;
  readonly #checkedTopics = new Set<string>();
  #scratch = new Uint8Array(256);
  #keyViews: Uint8Array[] = [];
  #outstanding = 0;
  // Bytes buffered since the event loop last turned; see yieldDue().
  #sinceTurn = 0;
  readonly #turnBytes: number;
  #turn: Promise<void> | null = null;
  #flushing = 0;
  #idle: (() => void)[] = [];
  #closed = false;
  #closing: Promise<void> | null = null;
  #fatal: Error | null = null;

  /**
   * @param options The producer options.
   */
  constructor(options: ProducerOptions<K, V>) {
    const o = this.#options = resolveProducerOptions(options);
    this.#pool = new BrokerPool({
      bootstrap: o.bootstrap,
      clientId: o.clientId,
      connect: o.connect,
      tls: o.tls,
      sasl: o.sasl,
      connectTimeoutMs: o.connectTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      maxInFlight: o.maxInFlight,
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
    });
    this.#metadata = new ClusterMetadata((topics) => this.#fetchMetadata(topics), {
      metadataMaxAgeMs: o.metadataMaxAgeMs,
      retryBackoffMs: o.retryBackoffMs,
      clock: systemClock,
      describeAttempts: () => this.#pool.describeAttempts(),
    });
    this.#metadata.onUpdate(() => this.#pool.setBrokers(this.#metadata.snapshot.brokers));
    this.#topicWaits = new TopicWaits(
      this.#metadata,
      systemClock,
      o.maxBlockMs,
      (topic, pending, deadlineMs) =>
        this.#appendKnown(topic, pending.record, pending.completion, deadlineMs),
    );
    this.#budget = new MemoryBudget(o.bufferBytes, systemClock);
    this.#turnBytes = Math.min(YIELD_BYTES, o.bufferBytes / 8);
    // Free buffers kept for reuse: an eighth of the budget, so bursts recycle.
    this.#buffers = new BufferPool(o.batchBytes, o.bufferBytes / 8);
    this.#partitioner = createPartitioner(o.partitioner, { batchBytes: o.batchBytes });
    this.#transactions = o.transactionalId === undefined
      ? undefined
      : new TransactionManager(this.#pool, {
        transactionalId: o.transactionalId,
        transactionTimeoutMs: o.transactionTimeoutMs,
        retryBackoffMs: o.retryBackoffMs,
        maxBlockMs: o.maxBlockMs,
        wakeSender: () => this.#sender.wake(),
        onEpochBumped: (identity) => this.#sender.resetIdentity(identity),
        onFatal: (error) => this.#fail(error),
      });
    this.#sender = new Sender(this.#metadata, this.#pool, {
      acks: o.acks,
      requestTimeoutMs: o.requestTimeoutMs,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
      retryBackoffMs: o.retryBackoffMs,
      retryBackoffMaxMs: o.retryBackoffMaxMs,
      maxRequestBytes: o.maxRequestBytes,
      maxInFlight: o.maxInFlight,
      initProducerIdentity: this.#transactions !== undefined
        ? (current) => this.#transactions!.identity(current)
        : o.idempotent
        ? (current) => this.#initProducerId(current)
        : undefined,
      transactional: this.#transactions === undefined ? undefined : {
        transactionalId: o.transactionalId!,
        partitionReady: (topic, partition) => this.#transactions!.partitionReady(topic, partition),
        abortableError: () => this.#transactions!.abortableError(),
        requireEpochBump: (error) => this.#transactions!.requireEpochBump(error),
      },
      clock: systemClock,
    }, {
      delivered: (batch, baseOffset, logAppendTime) =>
        this.#settled(batch, null, baseOffset, logAppendTime),
      failed: (batch, error) => this.#settled(batch, error, -1n, -1),
      fatal: (error) => this.#fail(error),
    });
  }

  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  send(
    records: ProducerRecord<K, V> | readonly ProducerRecord<K, V>[],
  ): Promise<RecordMetadata> | Promise<RecordMetadata[]> {
    if (Array.isArray(records)) return this.#sendMany(records);
    return this.#sendOne(records as ProducerRecord<K, V>);
  }

  #sendOne(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => {
      const completion: RecordCompletion = {
        timestamp: 0,
        resolve: (batch, index, baseOffset, logAppendTime) =>
          resolve({
            topic: batch.topic,
            partition: batch.partition,
            offset: baseOffset < 0n ? -1n : baseOffset + BigInt(index),
            timestamp: logAppendTime >= 0 ? logAppendTime : completion.timestamp,
          }),
        reject,
      };
      try {
        const waiting = this.append(record, completion);
        if (waiting !== undefined) waiting.catch(reject);
      } catch (error) {
        reject(error);
      }
    });
  }

  async #sendMany(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    const results = await Promise.allSettled(records.map((r) => this.#sendOne(r)));
    const failures = new SinkCompletion();
    const out: RecordMetadata[] = [];
    for (const result of results) {
      if (result.status === "fulfilled") {
        failures.resolve();
        out.push(result.value);
      } else failures.reject(result.reason);
    }
    const error = failures.error();
    if (error !== null) throw error;
    return out;
  }

  /**
   * Serializes, partitions and buffers one record. Synchronous unless the topic's
   * metadata or buffer space must be waited for; then a promise says when the record
   * is buffered. Throws (or rejects) for a record that cannot be sent; `completion`
   * is settled only for a record that was buffered.
   *
   * @param record The record.
   * @param completion Settles it once acknowledged or failed.
   * @returns Undefined when buffered at once, else a promise of it.
   */
  append(record: ProducerRecord<K, V>, completion: RecordCompletion): Promise<void> | undefined {
    if (this.#fatal !== null) throw this.#fatal;
    if (this.#transactions !== undefined && !this.#transactions.inTransaction) {
      throw new KafkaTransactionError(
        "Cannot send record as the transactional producer has no open transaction: use transaction() or beginTransaction()",
      );
    }
    if (this.#closing !== null) throw new KafkaClosedError(CLOSED_MESSAGE);
    if (record === null || typeof record !== "object") {
      throw new TypeError(
        `Cannot send record as it must be an object: current value is ${String(record)}`,
      );
    }
    const topic = record.topic ?? this.#options.topic;
    if (topic === undefined) {
      throw new TypeError(
        "Cannot send record as it names no topic and the producer has no topic option",
      );
    }
    if (!this.#checkedTopics.has(topic)) {
      checkTopicName(topic);
      this.#checkedTopics.add(topic);
    }
    // Records of a topic still waiting for metadata keep their order behind it.
    if (this.#topicWaits.has(topic) || this.#metadata.topic(topic) === undefined) {
      return this.#appendAfterMetadata(topic, record, completion);
    }
    return this.#appendKnown(topic, record, completion, -1);
  }

  // The slow paths live in their own methods: a closure in the hot path would make
  // every record allocate a context for the variables it captures.
  #appendAfterMetadata(
    topic: string,
    record: ProducerRecord<K, V>,
    completion: RecordCompletion,
  ): Promise<void> {
    this.#outstanding++;
    return this.#topicWaits.wait(topic, { record, completion }).finally(() => {
      this.#outstanding--;
      this.#checkIdle();
    });
  }

  /**
   * Appends a record of a topic with metadata. `deadlineMs` bounds a wait for buffer
   * space: the end of the record's `maxBlockMs` when it already waited for metadata,
   * -1 for a record written just now.
   */
  #appendKnown(
    topic: string,
    record: ProducerRecord<K, V>,
    completion: RecordCompletion,
    deadlineMs: number,
  ): Promise<void> | undefined {
    if (this.#closed) throw new KafkaClosedError(CLOSED_MESSAGE);
    const info = this.#metadata.topic(topic);
    if (info === undefined) {
      // Metadata lost the topic since (deleted?): wait for it again.
      return this.#appendAfterMetadata(topic, record, completion);
    }
    const o = this.#options;
    const key: RecordBytes = serializeField(
      o.keySerializer,
      (record.key ?? null) as K,
      "key",
      topic,
    );
    const value: RecordBytes = serializeField(o.valueSerializer, record.value, "value", topic);
    const headers = normalizeHeaders(record.headers, topic);
    const timestamp = this.#timestamp(record.timestamp);
    let partition: number;
    if (record.partition !== undefined) {
      partition = checkExplicitPartition(topic, record.partition, info.partitionCount);
    } else {
      partition = this.#partitioner.partition(
        topic,
        this.#keyBytes(key),
        record as { key: unknown; value: unknown },
        info.partitionCount,
      );
    }
    const size = this.#estimateSize(key, value, headers);
    if (size > o.maxRequestBytes || size > o.bufferBytes) {
      throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, {
        topic,
        partition,
        message:
          `Cannot send record to ${topic}-${partition} as it is ${size} bytes when serialized, which is larger than ${
            size > o.maxRequestBytes
              ? `maxRequestBytes (${o.maxRequestBytes})`
              : `bufferBytes (${o.bufferBytes})`
          }`,
        byClient: true,
      });
    }
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
      deadlineMs < 0 ? o.maxBlockMs : Math.max(0, deadlineMs - systemClock.now()),
    );
  }

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
            throw new KafkaClosedError(CLOSED_MESSAGE);
          }
          this.#commit(topic, partition, key, value, headers, timestamp, completion, size);
        },
        (error) => {
          this.#outstanding--;
          this.#checkIdle();
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
    this.#sinceTurn += size;
    batcher.append(key, value, headers, timestamp, completion, size);
    this.#outstanding++;
    this.#partitioner.onAppend(topic, partition, size, true);
    if (this.#flushing > 0) batcher.flush();
  }

  /**
   * For a sink, after each `YIELD_BYTES` buffered: a promise that resolves once the
   * event loop turned and the sender caught up (fewer than a quarter of `bufferBytes`
   * wait in batches it has not sent yet); else undefined.
   *
   * A sink fed by `pipeTo` writes in a chain of microtasks that never lets the event
   * loop run: without a turn the sender's socket writes and the brokers'
   * acknowledgements wait until the whole buffer is full. And a sink that runs ahead
   * of the sender gains nothing: the batches it closes only wait for a free request
   * slot, holding memory while the records could have stayed in the user's stream (a
   * pipe pulls only what the sink takes). So the sink waits while more than
   * `bufferBytes / 4` wait unsent; the rest of the buffer is for batches being filled,
   * requests in flight and `send()` callers. It matters most on Deno, whose event loop
   * polls its sockets only every ~60 turns of `setImmediate`: there the producer
   * started sending only after ~400 ms, and the whole 32 MiB buffer stayed full from
   * then on. Mock-cluster bench, 1,000,000 records, acks=1, 4 runs each: Deno's peak
   * RSS went from 137-143 MB to 109-124 MB at the same throughput (564k-706k vs
   * 552k-663k records/s, within this machine's noise); Bun's buffer never got that
   * full (7 MB), it stayed at 88-93 MB.
   *
   * @returns Undefined, or a promise that resolves when the sink may go on; it rejects
   * with a {@link KafkaTimeoutError} if the sender did not catch up in `maxBlockMs`.
   */
  yieldDue(): Promise<void> | undefined {
    if (this.#sinceTurn < this.#turnBytes) return undefined;
    return this.#turn ??= this.#nextTurn();
  }

  #nextTurn(): Promise<void> {
    const o = this.#options;
    const limit = o.bufferBytes / 4;
    const turn = this.#sender.unsentBytes < limit
      ? new Promise<void>((resolve) => setImmediate(resolve))
      : this.#sender.whenUnsentBelow(limit, o.maxBlockMs, () =>
        new KafkaTimeoutError(
          `Cannot buffer more records as ${this.#sender.unsentBytes} bytes waited to be sent for ${o.maxBlockMs} ms (maxBlockMs)`,
        ));
    return turn.then(() => this.#turned(), (error) => {
      this.#turned();
      throw error;
    });
  }

  #turned(): void {
    this.#turn = null;
    this.#sinceTurn = 0;
  }

  #timestamp(value: number | Date | undefined): number {
    if (value === undefined) return Date.now();
    const ms = value instanceof Date ? value.getTime() : value;
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(
        `Cannot send record as its timestamp must be a non-negative integer of milliseconds or a Date: current value is ${
          String(value)
        }`,
      );
    }
    return ms;
  }

  /** Key bytes for the partitioner; a string key is encoded into scratch space. */
  #keyBytes(key: RecordBytes): Uint8Array | null {
    if (typeof key !== "string") return key;
    if (key.length * 3 > this.#scratch.length) {
      this.#scratch = new Uint8Array(key.length * 3);
      this.#keyViews = [];
    }
    const length = writeUtf8(this.#scratch, 0, key);
    // One view per length, reused: a new subarray per record would be garbage.
    return this.#keyViews[length] ??= this.#scratch.subarray(0, length);
  }

  /**
   * A record's size for the budget and the size limits: exact for bytes and ASCII
   * strings (a string counts its UTF-16 length unless that might exceed a limit, then
   * its exact UTF-8 length).
   */
  #estimateSize(key: RecordBytes, value: RecordBytes, headers: RecordHeaderInput[] | null): number {
    let size = 24 + fieldSize(key) + fieldSize(value);
    if (headers !== null) {
      for (const h of headers) {
        size += 10 + h.key.length + fieldSize(h.value);
      }
    }
    // Strings were counted by UTF-16 length; where up to 3 bytes each could cross a
    // limit, count them exactly (rare, so the common path stays a few additions).
    const limit = Math.min(this.#options.maxRequestBytes, this.#options.bufferBytes);
    if (size * 3 > limit) {
      size = 24 + exactFieldSize(key) + exactFieldSize(value);
      if (headers !== null) {
        for (const h of headers) size += 10 + utf8Length(h.key) + exactFieldSize(h.value);
      }
    }
    return size;
  }

  #batcher(topic: string, partition: number): PartitionBatcher {
    let list = this.#batchers.get(topic);
    if (list === undefined) this.#batchers.set(topic, list = []);
    let batcher = list[partition];
    if (batcher === undefined) {
      batcher = list[partition] = new PartitionBatcher(topic, partition, {
        batchBytes: this.#options.batchBytes,
        lingerMs: this.#options.lingerMs,
        compression: this.#options.compression,
        clock: systemClock,
        pool: this.#buffers,
        transactional: this.#transactions !== undefined,
        charge: (bytes) => this.#budget.charge(bytes),
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
        this.#sender.enqueue(value);
      }
    } catch {
      // The batcher was aborted; its records were rejected there.
    }
  }

  #settled(
    batch: ProducerBatch,
    error: Error | null,
    baseOffset: bigint,
    logAppendTime: number,
  ): void {
    if (error !== null) this.#transactions?.recordFailed(error);
    this.#budget.release(batch.reserved);
    this.#buffers.give(batch.bytes);
    if (error === null) batch.completions.resolve(batch, baseOffset, logAppendTime);
    else batch.completions.reject(error);
    this.#outstanding -= batch.count;
    this.#checkIdle();
  }

  #checkIdle(): void {
    if (this.#outstanding === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
  }

  /** Gets a producer id (idempotence), or bumps the epoch of the current one (KIP-360). */
  async #initProducerId(current: ProducerIdentity | null): Promise<ProducerIdentity> {
    const session = await this.#pool.any();
    const version = session.versions.get(ApiKey.InitProducerId);
    if (version === undefined) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, {
        message:
          `broker at ${session.address} has no InitProducerId version this client speaks; set idempotent: false`,
      });
    }
    const bump = current !== null && version >= 3;
    const response = await session.connection.request(initProducerIdApi, version, {
      transactionalId: null,
      // As Java for a producer that is idempotent but not transactional.
      transactionTimeoutMs: 2147483647,
      producerId: bump ? current.producerId : -1n,
      producerEpoch: bump ? current.producerEpoch : -1,
    });
    if (response.errorCode !== 0) {
      throw new KafkaError(response.errorCode, {
        message: `InitProducerId from broker at ${session.address}`,
      });
    }
    return { producerId: response.producerId, producerEpoch: response.producerEpoch };
  }

  /** Fails the producer for good: every buffered record and every later send fails with `error`. */
  #fail(error: Error): void {
    if (this.#fatal !== null) return;
    this.#fatal = error;
    for (const list of this.#batchers.values()) {
      for (const batcher of list) {
        if (batcher === undefined) continue;
        const dropped = batcher.abort(error);
        this.#outstanding -= dropped.records;
        this.#budget.release(dropped.reserved);
      }
    }
    this.#sender.close(error);
    this.#checkIdle();
    this.#budget.failWaiters(error);
  }

  async #fetchMetadata(topics: readonly string[]): Promise<MetadataResponse> {
    const session = await this.#pool.any();
    const version = session.versions.get(ApiKey.Metadata);
    if (version === undefined) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, {
        message: `broker at ${session.address} has no Metadata version this client speaks`,
      });
    }
    return await session.connection.request(metadataApi, version, {
      topics: topics.map((name) => ({ name })),
      allowAutoTopicCreation: false,
    });
  }

  async transaction<T>(work: (tx: Pick<Producer<K, V>, "send">) => Promise<T>): Promise<T> {
    await this.beginTransaction();
    const tx: Pick<Producer<K, V>, "send"> = {
      send: this.send.bind(this) as Producer<K, V>["send"],
    };
    try {
      const result = await work(tx);
      await this.commitTransaction();
      return result;
    } catch (error) {
      if (this.#transactions!.inTransaction && this.#fatal === null) {
        await this.abortTransaction().catch(() => {});
      }
      throw error;
    }
  }

  async beginTransaction(): Promise<void> {
    await this.#requireTransactions("begin a transaction").begin();
  }

  async commitTransaction(): Promise<void> {
    const transactions = this.#requireTransactions("commit a transaction");
    await this.flush();
    await transactions.end(true);
  }

  async abortTransaction(): Promise<void> {
    const transactions = this.#requireTransactions("abort a transaction");
    await this.flush();
    await transactions.end(false);
  }

  #requireTransactions(what: string): TransactionManager {
    if (this.#transactions === undefined) {
      throw new KafkaTransactionError(`Cannot ${what} as the producer has no transactionalId`);
    }
    return this.#transactions;
  }

  async flush(): Promise<void> {
    this.#flushing++;
    try {
      for (const list of this.#batchers.values()) for (const batcher of list) batcher?.flush();
      if (this.#outstanding > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    } finally {
      this.#flushing--;
    }
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closing = (async () => {
      await this.flush();
      // As Java's close(): a transaction left open is aborted, so read_committed
      // consumers do not wait for the coordinator's transaction timeout.
      const transactions = this.#transactions;
      if (transactions?.inTransaction && this.#fatal === null) {
        await transactions.end(false).catch(() => {});
      }
      this.#closed = true;
      await Promise.all(
        [...this.#batchers.values()].flatMap((list) => list.map((b) => b?.close())),
      );
      await this.#sender.whenIdle();
      this.#sender.close(new KafkaClosedError(CLOSED_MESSAGE));
      this.#budget.failWaiters(new KafkaClosedError(CLOSED_MESSAGE));
      this.#metadata.close();
      this.#pool.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get writable(): WritableStream<ProducerRecord<K, V>> {
    return createSink(this, false);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function fieldSize(value: RecordBytes): number {
  return value === null ? 1 : value.length + 3;
}

function exactFieldSize(value: RecordBytes): number {
  if (value === null) return 1;
  return (typeof value === "string" ? utf8Length(value) : value.length) + 3;
}

/**
 * A WritableStream over a producer: each `write()` buffers one record (waiting when
 * the buffer is full); `close()` flushes and fails with a {@link KafkaDeliveryError}
 * if any record was not delivered; an abort delivers what was written, then stops.
 *
 * @param producer The producer.
 * @param ownsProducer Whether closing the sink closes the producer.
 * @returns The sink.
 */
export function createSink<K, V>(
  producer: KafkaProducer<K, V>,
  ownsProducer: boolean,
): WritableStream<ProducerRecord<K, V>> {
  const completion = new SinkCompletion();
  let written = 0;
  const finish = async (): Promise<void> => {
    await producer.flush();
    if (ownsProducer) await producer.close();
  };
  return new WritableStream<ProducerRecord<K, V>>({
    write: (record): Promise<void> | undefined => {
      if (completion.failed > 0) return finishThen(() => completion.error()!);
      let waiting: Promise<void> | undefined;
      try {
        waiting = producer.append(record, completion);
      } catch (error) {
        return recordFailed(error, written);
      }
      written++;
      if (waiting !== undefined) return whenBuffered(waiting, written - 1);
      const turn = producer.yieldDue();
      return turn === undefined ? undefined : whenTurned(turn);
    },
    close: async (): Promise<void> => {
      await finish();
      const error = completion.error();
      if (error !== null) throw error;
    },
    abort: async (): Promise<void> => {
      // What was written is delivered; what could not be is named, so an aborted pipe
      // (which passes this rejection on) never drops records silently.
      await finish();
      const error = completion.error();
      if (error !== null) throw error;
    },
  });

  /** A record waiting for buffer space or metadata; outside write() so write() has no closure. */
  function whenBuffered(waiting: Promise<void>, index: number): Promise<void> {
    return waiting.catch((error) => recordFailed(error, index));
  }

  /** The sender did not catch up in time: what was written is delivered, then the stream fails. */
  function whenTurned(turn: Promise<void>): Promise<void> {
    return turn.catch((error) => finishThen(() => error));
  }

  /** Delivers everything written so far, then fails with the error built from the final counts. */
  async function finishThen(error: () => Error): Promise<never> {
    await finish().catch(() => {});
    throw error();
  }

  /** A record the producer refused: the stream fails naming it, once the records before it settled. */
  function recordFailed(error: unknown, index: number): Promise<never> {
    const cause = error instanceof Error ? error : new Error(String(error));
    completion.reject(cause);
    return finishThen(() => {
      const e = new KafkaDeliveryError(completion.failed, completion.delivered, completion.errors);
      const others = completion.failed - 1;
      (e as { message: string }).message =
        `Cannot write record ${index} to Kafka: ${cause.message}. Of the ${
          plural(index, "record")
        } written before it, ${completion.delivered} delivered and ${others} failed`;
      return e;
    });
  }
}

/**
 * Creates a producer.
 *
 * @example Sending records and closing
 * ```ts ignore
 * import { createProducer } from "@webstream/kafka";
 *
 * await using producer = createProducer({ bootstrap: "localhost:9092", topic: "events" });
 * const metadata = await producer.send({ key: "user-1", value: "signed in" });
 * console.log(metadata.partition, metadata.offset);
 * ```
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @param options Brokers, topic and tuning; see {@link ProducerOptions}. Keys and values
 * other than strings, bytes and null need a serializer.
 * @returns The producer.
 */
export function createProducer<K = string | Uint8Array | null, V = string | Uint8Array | null>(
  options: ProducerOptions<K, V> & RequiredSerializers<K, V>,
): Producer<K, V> {
  return new KafkaProducer(options);
}
