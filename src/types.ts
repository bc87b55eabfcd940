/**
 * The shapes users write and read: records in, record metadata out.
 *
 * @module
 */

/** A header value: a string (written as UTF-8), bytes or null. */
export type HeaderValue = string | Uint8Array | null;

/**
 * Record headers: an object, or an array of `[key, value]` pairs when a key repeats
 * (Kafka allows repeated keys and keeps their order).
 */
export type RecordHeaders =
  | Readonly<Record<string, HeaderValue>>
  | ReadonlyArray<readonly [string, HeaderValue]>;

/**
 * One record to produce.
 *
 * @typeParam K The key type (`string | Uint8Array | null` unless a `keySerializer` is set).
 * @typeParam V The value type (`string | Uint8Array | null` unless a `valueSerializer` is set).
 */
export interface ProducerRecord<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  /** The topic; defaults to the producer's `topic` option. */
  topic?: string;
  /** An explicit partition; otherwise the partitioner chooses (murmur2 of the key by default). */
  partition?: number;
  /** The key; `null` or absent for none. */
  key?: K;
  /** The value; `null` for a tombstone. */
  value: V;
  /** Headers, as an object or as `[key, value]` pairs. */
  headers?: RecordHeaders;
  /** Milliseconds since the epoch (a number or a `Date`); the current time when absent. */
  timestamp?: number | Date;
}

/** Where a record was stored, as Java's `RecordMetadata`. */
export interface RecordMetadata {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
  /** The record's offset; -1 with `acks: 0`, where the broker does not answer. */
  offset: bigint;
  /** The record's timestamp in ms (the broker's log-append time when the topic uses it). */
  timestamp: number;
}
