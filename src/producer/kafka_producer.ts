/**
 * The producer's implementation: it takes records (from `send()` or a sink), checks,
 * serializes and partitions them, and appends them to the record accumulator
 * synchronously; finished batches go to the sender. It wires the parts together:
 * connections, metadata, the records waiting for a topic, the accumulator, the sender,
 * transactions and the sinks' pacing.
 *
 * @module
 */

import {
  KafkaClosedError,
  KafkaCloseTimeoutError,
  KafkaError,
  KafkaTransactionError,
} from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { RecordBytes } from "../record/record_batch_builder.ts";
import { registerCompressionCodec } from "../record/compression.ts";
import {
  checkExplicitPartition,
  createPartitioner,
  type Partitioner,
} from "../partition/partitioner.ts";
import type { ClusterMetadata } from "../cluster/cluster_metadata.ts";
import { MetadataSnapshot } from "../cluster/metadata_snapshot.ts";
import type { BrokerPool } from "../net/broker_pool.ts";
import { type Clock, systemClock } from "../timers.ts";
import { CloseDeadline, closeTimeout } from "./close_deadline.ts";
import { connectCluster } from "./cluster_access.ts";
import { GzipWorkers } from "./gzip_workers.ts";
import { type AppendRecord, sendRecord, sendRecords } from "./send_records.ts";
import type { ProducerRecord, RecordMetadata } from "../types.ts";
import { normalizeHeaders } from "./headers.ts";
import { idempotentIdentity, type InitProducerIdentity } from "./idempotence.ts";
import { createSink } from "./kafka_sink.ts";
import {
  type ProducerOptions,
  type ResolvedProducerOptions,
  resolveProducerOptions,
} from "./options.ts";
import type { CloseOptions, Producer } from "./producer.ts";
import type { RecordCompletion } from "./producer_batch.ts";
import type { ProducerMetricsSnapshot } from "./producer_metrics.ts";
import { ProducerTelemetry } from "./producer_telemetry.ts";
import { CLOSED_MESSAGE, RecordAccumulator } from "./record_accumulator.ts";
import { recordSize, recordTimestamp } from "./record_intake.ts";
import { Sender } from "./sender.ts";
import { serializeField } from "./serializer.ts";
import { SinkPacer } from "./sink_pacer.ts";
import { checkTopicName } from "./topic_name.ts";
import { TopicWaits } from "./topic_waits.ts";
import { TransactionManager } from "./transaction_manager.ts";
import { zstdCodec } from "./zstd_codec.ts";

registerCompressionCodec(zstdCodec);

/** A record waiting for its topic's metadata. */
interface Pending<K, V> {
  readonly record: ProducerRecord<K, V>;
  readonly completion: RecordCompletion;
}

/** The producer's implementation. */
export class KafkaProducer<K, V> extends EventTarget implements Producer<K, V> {
  readonly #options: ResolvedProducerOptions<K, V>;
  readonly #clock: Clock;
  readonly #telemetry: ProducerTelemetry;
  readonly #pool: BrokerPool;
  // Deno gzips on its event loop: there batches are gzipped by workers instead.
  readonly #gzipWorkers: GzipWorkers | undefined;
  readonly #metadata: ClusterMetadata;
  readonly #topicWaits: TopicWaits<Pending<K, V>>;
  readonly #accumulator: RecordAccumulator;
  readonly #transactions: TransactionManager | undefined;
  readonly #sender: Sender;
  readonly #pacer: SinkPacer;
  readonly #partitioner: Partitioner;
  readonly #checkedTopics = new Set<string>();
  readonly #leaderHints: boolean;
  #closed = false;
  #closing: Promise<void> | null = null;
  #fatal: Error | null = null;
  readonly #deadline: CloseDeadline;
  readonly #append: AppendRecord<K, V> = (record, completion) => this.append(record, completion);

  /**
   * @param options The producer options.
   * @param clock Time and timers (tests inject one).
   * @param internals Switches for tests and benchmarks, not options:
   * `leaderHints: false` ignores the leaders Produce responses name (KIP-951), to
   * measure what following them saves.
   */
  constructor(
    options: ProducerOptions<K, V>,
    clock: Clock = systemClock,
    internals: { readonly leaderHints?: boolean } = {},
  ) {
    super();
    this.#leaderHints = internals.leaderHints ?? true;
    const o = this.#options = resolveProducerOptions(options);
    this.#clock = clock;
    this.#deadline = new CloseDeadline(clock, (timeoutMs) => this.#force(timeoutMs));
    const telemetry = this.#telemetry = new ProducerTelemetry(this, {
      clock,
      logger: o.logger,
      clientId: o.clientId,
      gauges: {
        bufferTotalBytes: o.bufferBytes,
        bufferAvailableBytes: () => this.#accumulator.availableBytes,
        bufferWaiters: () => this.#accumulator.waitingForBytes,
        metadataFetchedMs: () => this.#metadata.snapshot.fetchedMs,
      },
      metadata: new MetadataSnapshot(null, 0),
    });
    const cluster = connectCluster(o, telemetry, clock);
    this.#pool = cluster.pool;
    this.#metadata = cluster.metadata;
    this.#topicWaits = new TopicWaits(
      this.#metadata,
      this.#clock,
      o.maxBlockMs,
      (topic, pending, deadlineMs) =>
        this.#appendKnown(topic, pending.record, pending.completion, deadlineMs),
      (topic, records, error) => telemetry.failed(topic, null, records, error, true),
    );
    this.#partitioner = createPartitioner(o.partitioner, { batchBytes: o.batchBytes });
    this.#transactions = this.#createTransactions();
    this.#sender = this.#createSender();
    this.#pacer = new SinkPacer(this.#sender, o.bufferBytes, o.maxBlockMs);
    this.#gzipWorkers = GzipWorkers.forRuntime(o.compression);
    this.#accumulator = this.#createAccumulator();
  }

  #createAccumulator(): RecordAccumulator {
    const o = this.#options;
    const telemetry = this.#telemetry;
    return new RecordAccumulator({
      batchBytes: o.batchBytes,
      lingerMs: o.lingerMs,
      idle: o.naturalBatching
        ? (topic, partition) => this.#sender.isIdle(topic, partition)
        : undefined,
      compression: o.compression,
      ...(this.#gzipWorkers === undefined ? {} : {
        compress: (_id: number, data: Uint8Array) => this.#gzipWorkers!.compress(data),
      }),
      bufferBytes: o.bufferBytes,
      maxBlockMs: o.maxBlockMs,
      transactional: this.#transactions !== undefined,
      clock: this.#clock,
      enqueue: (batch) => this.#sender.enqueue(batch),
      appended: (topic, partition, size) => {
        this.#pacer.buffered(size);
        this.#partitioner.onAppend(topic, partition, size, true);
      },
      failed: (topic, partition, records, error, batch) =>
        telemetry.failed(topic, partition, records, error, batch),
    });
  }

  #createTransactions(): TransactionManager | undefined {
    const o = this.#options;
    if (o.transactionalId === undefined) return undefined;
    return new TransactionManager(this.#pool, {
      transactionalId: o.transactionalId,
      transactionTimeoutMs: o.transactionTimeoutMs,
      retryBackoffMs: o.retryBackoffMs,
      maxBlockMs: o.maxBlockMs,
      wakeSender: () => this.#sender.wake(),
      onEpochBumped: (identity) => {
        const previous = this.#sender.identity;
        this.#sender.resetIdentity(identity);
        if (previous !== null) this.#telemetry.epochBumped(previous, identity, null);
      },
      onFatal: (error) => this.#fail(error),
      clock: this.#clock,
    });
  }

  #createSender(): Sender {
    const o = this.#options;
    const transactions = this.#transactions;
    let initProducerIdentity: InitProducerIdentity | undefined;
    if (transactions !== undefined) {
      initProducerIdentity = (current) => transactions.identity(current);
    } else if (o.idempotent) {
      initProducerIdentity = idempotentIdentity(() => this.#pool.any());
    }
    return new Sender(this.#metadata, this.#pool, {
      acks: o.acks,
      requestTimeoutMs: o.requestTimeoutMs,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
      retryBackoffMs: o.retryBackoffMs,
      retryBackoffMaxMs: o.retryBackoffMaxMs,
      maxRequestBytes: o.maxRequestBytes,
      maxInFlight: o.maxInFlight,
      initProducerIdentity,
      transactional: transactions === undefined ? undefined : {
        transactionalId: o.transactionalId!,
        get transactionV2() {
          return transactions.transactionV2;
        },
        partitionReady: (topic, partition) => transactions.partitionReady(topic, partition),
        abortableError: () => transactions.abortableError(),
        requireEpochBump: (error) => transactions.requireEpochBump(error),
      },
      clock: this.#clock,
      leaderHints: this.#leaderHints,
      random: Math.random,
      observer: this.#telemetry,
    }, {
      delivered: (batch, baseOffset, logAppendTime) => {
        this.#telemetry.delivered(batch);
        this.#accumulator.settled(batch, null, baseOffset, logAppendTime);
      },
      failed: (batch, error) => {
        this.#transactions?.recordFailed(error);
        this.#accumulator.settled(batch, error, -1n, -1);
      },
      fatal: (error) => this.#fail(error),
    });
  }

  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  send(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  send(
    records: ProducerRecord<K, V> | readonly ProducerRecord<K, V>[],
  ): Promise<RecordMetadata> | Promise<RecordMetadata[]> {
    if (Array.isArray(records)) return sendRecords(this.#append, records);
    return sendRecord(this.#append, records as ProducerRecord<K, V>);
  }

  /**
   * Checks, serializes, partitions and buffers one record. Synchronous unless the
   * topic's metadata or buffer space must be waited for; then a promise says when the
   * record is buffered. Throws (or rejects) for a record that cannot be sent;
   * `completion` is settled only for a record that was buffered.
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

  /**
   * For a sink, after each MiB buffered: a promise to wait for before the next write
   * (see {@link SinkPacer}); else undefined.
   *
   * @returns Undefined, or the promise.
   */
  yieldDue(): Promise<void> | undefined {
    return this.#pacer.yieldDue();
  }

  // The slow paths live in their own methods: a closure in the hot path would make
  // every record allocate a context for the variables it captures.
  #appendAfterMetadata(
    topic: string,
    record: ProducerRecord<K, V>,
    completion: RecordCompletion,
  ): Promise<void> {
    this.#accumulator.track(1);
    return this.#topicWaits.wait(topic, { record, completion }).finally(() =>
      this.#accumulator.track(-1)
    );
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
    const timestamp = recordTimestamp(record.timestamp);
    const partition = record.partition !== undefined
      ? checkExplicitPartition(topic, record.partition, info.partitionCount)
      : this.#partitioner.partition(
        topic,
        key,
        record as { key: unknown; value: unknown },
        info.partitionCount,
      );
    const size = recordSize(key, value, headers, Math.min(o.maxRequestBytes, o.bufferBytes));
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
    const timeoutMs = deadlineMs < 0 ? o.maxBlockMs : Math.max(0, deadlineMs - this.#clock.now());
    return this.#accumulator.append(
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

  /** Fails the producer for good: every buffered record and every later send fails with `error`. */
  #fail(error: Error): void {
    if (this.#fatal !== null) return;
    this.#fatal = error;
    this.#transactions?.fail(error);
    this.#telemetry.fatal(error);
    this.#accumulator.abort(error);
    this.#sender.close(error);
  }

  metrics(): ProducerMetricsSnapshot {
    return this.#telemetry.metrics.snapshot();
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

  flush(): Promise<void> {
    return this.#accumulator.flush();
  }

  close(options?: CloseOptions): Promise<void> {
    let timeoutMs: number;
    try {
      timeoutMs = closeTimeout(options);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#closing ??= this.#shutDown();
    if (timeoutMs !== Infinity) this.#deadline.set(timeoutMs);
    return this.#closing;
  }

  /** Lets everything settle (or the deadline pass), then releases connections and timers. */
  async #shutDown(): Promise<void> {
    const settled = this.#settleAll();
    // After a forced close it still runs to its end, against closed connections.
    settled.catch(() => {});
    try {
      await Promise.race([settled, this.#deadline.passed]);
    } finally {
      this.#deadline.cancel();
      this.#closed = true;
      this.#sender.close(new KafkaClosedError(CLOSED_MESSAGE));
      this.#metadata.close();
      this.#pool.close();
      this.#gzipWorkers?.close();
      // The sockets are released (and disconnect reported) before close() resolves.
      await Promise.all(this.#telemetry.sessions.map((s) => s.connection.closed));
    }
    if (this.#deadline.error !== null) throw this.#deadline.error;
  }

  async #settleAll(): Promise<void> {
    await this.flush();
    // As Java's close(): a transaction left open is aborted, so read_committed
    // consumers do not wait for the coordinator's transaction timeout.
    const transactions = this.#transactions;
    if (transactions?.inTransaction && this.#fatal === null && this.#deadline.error === null) {
      await transactions.end(false).catch(() => {});
    }
    this.#closed = true;
    await this.#accumulator.close();
    await this.#sender.whenIdle();
  }

  /** close()'s deadline passed: whatever is not settled fails now, naming how many. */
  #force(timeoutMs: number): KafkaCloseTimeoutError | null {
    const records = this.#accumulator.outstanding;
    if (records === 0) {
      this.#telemetry.events.log(
        "warn",
        `close() reached its timeoutMs (${timeoutMs}) with every record settled; closing now`,
        { records, timeoutMs },
      );
      return null;
    }
    const error = new KafkaCloseTimeoutError(records, this.#sender.recordsInFlight, timeoutMs);
    this.#telemetry.events.log("warn", error.message, { records, timeoutMs });
    this.#closed = true;
    this.#topicWaits.failAll(error);
    this.#accumulator.abort(error);
    this.#sender.abort(error);
    return error;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get writable(): WritableStream<ProducerRecord<K, V>> {
    return createSink(this, false);
  }
}
