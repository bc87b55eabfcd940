/**
 * The producer's public face: the {@link Producer} interface and
 * {@link createProducer}. The implementation is `KafkaProducer`
 * (`kafka_producer.ts`).
 *
 * @module
 */

import type { ProducerRecord, RecordMetadata } from "../types.ts";
import { KafkaProducer } from "./kafka_producer.ts";
import type { ProducerOptions, RequiredSerializers } from "./options.ts";
import type { ProducerEventMap } from "./producer_events.ts";
import type { ProducerMetricsSnapshot } from "./producer_metrics.ts";

/** Options of {@link Producer.close}. */
export interface CloseOptions {
  /**
   * How long to wait for every record to be acknowledged (ms, from the call). When it
   * passes, every record still unsettled fails with a {@link KafkaCloseTimeoutError}
   * naming how many, the producer closes, and `close()` rejects with that error. 0
   * fails what is not settled at once; `Infinity` waits as long as it takes.
   *
   * @default {Infinity}
   */
  timeoutMs?: number;
}

/** A listener of a producer event of type `T`: a function or an object with `handleEvent`. */
export type ProducerEventListener<T extends keyof ProducerEventMap> =
  | ((event: ProducerEventMap[T]) => void)
  | { handleEvent(event: ProducerEventMap[T]): void };

/**
 * A Kafka producer. It is an `EventTarget`: see {@link ProducerEventMap} for its events
 * and their details.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 */
export interface Producer<K = string | Uint8Array | null, V = string | Uint8Array | null>
  extends EventTarget {
  /**
   * Listens to a producer event (`retry`, `error`, `connect`, `disconnect`,
   * `metadata`, `leader-change`, `epoch-bump`, `throttle`), typed by its name.
   *
   * @example Watching retries and leader moves
   * ```ts
   * import { createProducer } from "@webstream/kafka";
   * import { startTestBroker } from "@webstream/kafka/testing";
   *
   * await using broker = await startTestBroker({ topics: { events: 1 } });
   * await using producer = createProducer({ bootstrap: broker.bootstrap, topic: "events" });
   * producer.addEventListener("retry", (e) => {
   *   console.warn(`retry ${e.detail.topic}-${e.detail.partition}: ${e.detail.error}`);
   * });
   * producer.addEventListener("leader-change", (e) => console.info(e.detail));
   * broker.faults.failNext("Produce", "NOT_LEADER_OR_FOLLOWER");
   * await producer.send({ value: "retried once, then stored" });
   * ```
   *
   * @typeParam T The event type.
   * @param type The event type.
   * @param listener Called with each event.
   * @param options As `EventTarget`'s (`once`, `signal`, ...).
   */
  addEventListener<T extends keyof ProducerEventMap>(
    type: T,
    listener: ProducerEventListener<T> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /**
   * Listens to any event, as `EventTarget` does.
   *
   * @param type The event type.
   * @param listener Called with each event.
   * @param options As `EventTarget`'s.
   */
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /**
   * Stops listening to a producer event.
   *
   * @typeParam T The event type.
   * @param type The event type.
   * @param listener The listener added.
   * @param options As `EventTarget`'s.
   */
  removeEventListener<T extends keyof ProducerEventMap>(
    type: T,
    listener: ProducerEventListener<T> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  /**
   * Stops listening, as `EventTarget` does.
   *
   * @param type The event type.
   * @param listener The listener added.
   * @param options As `EventTarget`'s.
   */
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  /**
   * The producer's metrics now, under the Java producer's names (`record-send-total`,
   * `request-latency-avg`, ...; see {@link ProducerMetricsSnapshot}), with totals per
   * topic under `topics`. Each call returns a new plain object (safe to keep, or to
   * serialize as JSON); taking one costs a few dozen additions.
   *
   * @example Reading a few figures
   * ```ts
   * import { createProducer } from "@webstream/kafka";
   * import { startTestBroker } from "@webstream/kafka/testing";
   *
   * await using broker = await startTestBroker({ topics: { events: 1 } });
   * await using producer = createProducer({ bootstrap: broker.bootstrap, topic: "events" });
   * await producer.send([{ value: "a" }, { value: "b" }]);
   * const m = producer.metrics();
   * console.log(m["record-send-total"]); // 2
   * console.log(m["request-latency-avg"] >= 0, m.topics.events?.["record-send-total"]); // true 2
   * ```
   *
   * @returns The snapshot.
   */
  metrics(): ProducerMetricsSnapshot;
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
   * With `timeoutMs` (Java's `close(Duration)`), it waits at most that long: then every
   * record not yet acknowledged or failed fails with a {@link KafkaCloseTimeoutError}
   * naming how many (records in requests already sent may still have been written),
   * the producer closes at once, and `close()` rejects with that same error, where
   * Java's `close(Duration)` returns and logs: here no record is dropped without a
   * rejection saying so. It resolves when everything settled in time. Later calls
   * return the same promise; a shorter `timeoutMs` given to a later call applies.
   *
   * @example Closing within 5 s on SIGTERM
   * ```ts
   * import { createProducer, KafkaCloseTimeoutError } from "@webstream/kafka";
   * import { startTestBroker } from "@webstream/kafka/testing";
   *
   * await using broker = await startTestBroker({ topics: { events: 1 } });
   * const producer = createProducer({ bootstrap: broker.bootstrap, topic: "events" });
   * const sent = producer.send({ value: "in flight at shutdown" });
   * // On SIGTERM, say: wait at most 5 s for acknowledgements.
   * try {
   *   await producer.close({ timeoutMs: 5000 });
   * } catch (error) {
   *   if (error instanceof KafkaCloseTimeoutError) console.error(error.message);
   * }
   * console.log((await sent).offset); // 0n
   * ```
   *
   * @param options `timeoutMs`: how long to wait for acknowledgements.
   * @returns Resolves when closed with every record settled.
   */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Runs `work` inside a transaction (a `transactionalId` producer): begins it,
   * commits it when `work` resolves (after every record of it is acknowledged), aborts
   * it when `work` or the commit throws, and rethrows.
   *
   * @example Committing two records together
   * ```ts
   * import { createProducer } from "@webstream/kafka";
   * import { startTestBroker } from "@webstream/kafka/testing";
   *
   * await using broker = await startTestBroker({ topics: { debits: 1, credits: 1 } });
   * await using producer = createProducer({
   *   bootstrap: broker.bootstrap,
   *   transactionalId: "transfers",
   * });
   * await producer.transaction(async (tx) => {
   *   await tx.send({ topic: "debits", value: "-10" });
   *   await tx.send({ topic: "credits", value: "+10" });
   * });
   * console.log(broker.records("credits", { isolation: "read_committed" }).length); // 1
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

/**
 * Creates a producer.
 *
 * @example Sending records and closing
 * ```ts
 * import { createProducer } from "@webstream/kafka";
 * import { startTestBroker } from "@webstream/kafka/testing";
 *
 * await using broker = await startTestBroker({ topics: { events: 6 } }); // or your cluster
 * await using producer = createProducer({ bootstrap: broker.bootstrap, topic: "events" });
 * const metadata = await producer.send({ key: "user-1", value: "signed in" });
 * console.log(metadata.partition, metadata.offset); // 2 0n
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
