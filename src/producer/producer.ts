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
