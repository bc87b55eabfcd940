/**
 * The producer's metrics, named as the Java producer names them (`producer-metrics`
 * and `producer-topic-metrics`: `ProducerMetrics`, `SenderMetricsRegistry`), so
 * dashboards written for Java read them. They are kept per batch and per request,
 * never per record: a record costs nothing here beyond its share of its batch's count.
 * Totals count since the producer was created (Java's `CumulativeSum`); averages,
 * maximums and rates cover the last 30 to 60 s, as Java's defaults (see
 * `sampled_stat.ts`). An average or maximum with nothing to measure is 0 (Java: NaN).
 *
 * @module
 */

import type { Clock } from "../timers.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import { SampledStat } from "./sampled_stat.ts";

/** The header of a RecordBatch v2, before its records. */
const RECORD_BATCH_HEADER_BYTES = 61;

/**
 * One topic's totals (Java's `producer-topic-metrics`, tagged with the topic).
 */
export interface TopicMetricsSnapshot {
  /** Records of the topic sent, each counted once: when its batch was first sent. */
  readonly "record-send-total": number;
  /** Bytes of the topic's batches as first sent (compressed, headers included). */
  readonly "byte-total": number;
  /** Records of the topic sent again after a retriable error, once per retry. */
  readonly "record-retry-total": number;
  /** Records of the topic whose delivery failed for good. */
  readonly "record-error-total": number;
}

/**
 * What `producer.metrics()` returns: the Java producer's metric names and meanings
 * (group `producer-metrics`), plus `topics` (group `producer-topic-metrics`). Averages,
 * maximums and rates cover the last 30 to 60 s (0 when nothing was measured); totals
 * count since the producer was created.
 */
export interface ProducerMetricsSnapshot {
  /** Records sent, each once: when its batch was first sent (not again on a retry). */
  readonly "record-send-total": number;
  /** Records sent per second (as `record-send-total`). */
  readonly "record-send-rate": number;
  /**
   * Records acknowledged (stored; with acks=0, written). Not a Java metric: Java's
   * callbacks count these; a sink's records have none, so the count is kept here.
   */
  readonly "record-ack-total": number;
  /** Bytes of the batches acknowledged, as sent (compressed if compressed). Not a Java metric. */
  readonly "byte-ack-total": number;
  /** Records sent again after a retriable error, once per retry. */
  readonly "record-retry-total": number;
  /** Records retried per second. */
  readonly "record-retry-rate": number;
  /**
   * Records whose delivery failed for good: their batch failed (a non-retriable error,
   * the delivery timeout, a fatal error, a close past its deadline), or they waited
   * for their topic's metadata or for buffer space in vain. Records refused at the
   * call (a serializer that threw, a record too large) are not counted: the call
   * failed instead.
   */
  readonly "record-error-total": number;
  /** Records failed per second. */
  readonly "record-error-rate": number;
  /** The average size of a record in a batch, uncompressed (bytes). */
  readonly "record-size-avg": number;
  /** The average size of a batch as sent, compressed, header included (bytes). */
  readonly "batch-size-avg": number;
  /** The largest batch sent (bytes). */
  readonly "batch-size-max": number;
  /** Batches split in two because a broker refused them as too large. */
  readonly "batch-split-total": number;
  /** The average ratio of compressed to uncompressed size of batches (1: none). */
  readonly "compression-rate-avg": number;
  /** The average number of records per Produce request (retries included). */
  readonly "records-per-request-avg": number;
  /** The average time from a batch's creation (its first record) to its first send (ms). */
  readonly "record-queue-time-avg": number;
  /** The longest such time (ms). */
  readonly "record-queue-time-max": number;
  /** Requests sent to brokers, every API (Produce, Metadata, ApiVersions, SASL, ...). */
  readonly "request-total": number;
  /** Requests sent per second. */
  readonly "request-rate": number;
  /** The average time from sending a Produce request to its response or failure (ms). */
  readonly "request-latency-avg": number;
  /** The longest such time (ms). */
  readonly "request-latency-max": number;
  /** Produce requests sent and not answered yet. */
  readonly "requests-in-flight": number;
  /** Bytes sent to brokers, every request, size prefixes included. */
  readonly "outgoing-byte-total": number;
  /** Bytes sent per second. */
  readonly "outgoing-byte-rate": number;
  /** The average throttle time brokers reported in Produce responses (ms). */
  readonly "produce-throttle-time-avg": number;
  /** The longest throttle time reported (ms). */
  readonly "produce-throttle-time-max": number;
  /** The buffer's size: the `bufferBytes` option (Java's `buffer.memory`). */
  readonly "buffer-total-bytes": number;
  /** Bytes of the buffer not in use (neither buffered nor in flight). */
  readonly "buffer-available-bytes": number;
  /** Records waiting for buffer space (Java counts blocked threads). */
  readonly "waiting-threads": number;
  /** Seconds since the metadata in use was fetched. */
  readonly "metadata-age": number;
  /** Open connections to brokers known by id. */
  readonly "connection-count": number;
  /** Connections to brokers opened. */
  readonly "connection-creation-total": number;
  /** Connections to brokers closed. */
  readonly "connection-close-total": number;
  /** Totals per topic, by topic name. */
  readonly topics: Readonly<Record<string, TopicMetricsSnapshot>>;
}

/** The metrics read from other parts when a snapshot is taken. */
export interface MetricGauges {
  /** The buffer's size. */
  readonly bufferTotalBytes: number;
  /** Bytes of the buffer not in use. */
  bufferAvailableBytes(): number;
  /** Records waiting for buffer space. */
  bufferWaiters(): number;
  /** When the metadata in use was fetched (ms), 0 before any. */
  metadataFetchedMs(): number;
}

interface TopicCounters {
  send: number;
  bytes: number;
  retry: number;
  error: number;
}

/** The producer's counters and windowed statistics. */
export class ProducerMetrics {
  readonly #clock: Clock;
  readonly #gauges: MetricGauges;
  readonly #topics = new Map<string, TopicCounters>();
  #recordSend = 0;
  #recordAck = 0;
  #byteAck = 0;
  #recordRetry = 0;
  #recordError = 0;
  #batchSplit = 0;
  #requests = 0;
  #outgoingBytes = 0;
  #produceInFlight = 0;
  #connections = 0;
  #connectionsOpened = 0;
  #connectionsClosed = 0;
  readonly #recordSendRate: SampledStat;
  readonly #recordRetryRate: SampledStat;
  readonly #recordErrorRate: SampledStat;
  readonly #recordSize: SampledStat;
  readonly #batchSize: SampledStat;
  readonly #compression: SampledStat;
  readonly #recordsPerRequest: SampledStat;
  readonly #queueTime: SampledStat;
  readonly #requestRate: SampledStat;
  readonly #latency: SampledStat;
  readonly #outgoingRate: SampledStat;
  readonly #throttle: SampledStat;

  /**
   * @param clock The clock the windows run on.
   * @param gauges Where the buffer and metadata figures are read.
   */
  constructor(clock: Clock, gauges: MetricGauges) {
    this.#clock = clock;
    this.#gauges = gauges;
    const now = clock.now();
    this.#recordSendRate = new SampledStat(now);
    this.#recordRetryRate = new SampledStat(now);
    this.#recordErrorRate = new SampledStat(now);
    this.#recordSize = new SampledStat(now);
    this.#batchSize = new SampledStat(now);
    this.#compression = new SampledStat(now);
    this.#recordsPerRequest = new SampledStat(now);
    this.#queueTime = new SampledStat(now);
    this.#requestRate = new SampledStat(now);
    this.#latency = new SampledStat(now);
    this.#outgoingRate = new SampledStat(now);
    this.#throttle = new SampledStat(now);
  }

  /**
   * A batch is sent for the first time: its records count as sent.
   *
   * @param batch The batch.
   * @param now The time (ms).
   */
  batchSent(batch: ProducerBatch, now: number): void {
    const count = batch.count;
    const size = batch.bytes.length;
    this.#recordSend += count;
    this.#recordSendRate.record(count, now);
    this.#batchSize.record(size, now);
    this.#queueTime.record(now - batch.createdMs, now);
    const uncompressed = batch.uncompressedBytes;
    if (uncompressed > 0) {
      this.#recordSize.record(Math.max(0, uncompressed - RECORD_BATCH_HEADER_BYTES), now, count);
      this.#compression.record(size / uncompressed, now);
    }
    const topic = this.#topic(batch.topic);
    topic.send += count;
    topic.bytes += size;
  }

  /**
   * A batch was acknowledged.
   *
   * @param batch The batch.
   */
  delivered(batch: ProducerBatch): void {
    this.#recordAck += batch.count;
    this.#byteAck += batch.bytes.length;
  }

  /**
   * A Produce request is sent.
   *
   * @param records The records it carries (retried ones included).
   * @param now The time (ms).
   */
  produceSent(records: number, now: number): void {
    this.#produceInFlight++;
    this.#recordsPerRequest.record(records, now);
  }

  /**
   * A Produce request was answered, or failed, `latencyMs` after it was sent.
   *
   * @param latencyMs The time it took (ms).
   * @param throttleTimeMs The throttle time its response reported (ms), or -1 without one.
   * @param now The time (ms).
   */
  produceDone(latencyMs: number, throttleTimeMs: number, now: number): void {
    this.#produceInFlight--;
    this.#latency.record(latencyMs, now);
    if (throttleTimeMs >= 0) this.#throttle.record(throttleTimeMs, now);
  }

  /**
   * A batch goes back to be sent again after a retriable error.
   *
   * @param batch The batch.
   * @param now The time (ms).
   */
  retried(batch: ProducerBatch, now: number): void {
    this.#recordRetry += batch.count;
    this.#recordRetryRate.record(batch.count, now);
    this.#topic(batch.topic).retry += batch.count;
  }

  /** A batch was split in two. */
  split(): void {
    this.#batchSplit++;
  }

  /**
   * Records failed for good.
   *
   * @param topic Their topic.
   * @param records How many.
   */
  failed(topic: string, records: number): void {
    if (records <= 0) return;
    this.#recordError += records;
    this.#recordErrorRate.record(records, this.#clock.now());
    this.#topic(topic).error += records;
  }

  /**
   * A request was written to a broker.
   *
   * @param bytes Its size, size prefix included.
   */
  written(bytes: number): void {
    const now = this.#clock.now();
    this.#requests++;
    this.#outgoingBytes += bytes;
    this.#requestRate.record(1, now);
    this.#outgoingRate.record(bytes, now);
  }

  /** A connection to a broker opened. */
  connected(): void {
    this.#connections++;
    this.#connectionsOpened++;
  }

  /** A connection to a broker closed. */
  disconnected(): void {
    this.#connections--;
    this.#connectionsClosed++;
  }

  /**
   * The metrics now.
   *
   * @returns A new snapshot.
   */
  snapshot(): ProducerMetricsSnapshot {
    const now = this.#clock.now();
    const g = this.#gauges;
    const topics: Record<string, TopicMetricsSnapshot> = {};
    for (const [name, t] of this.#topics) {
      topics[name] = {
        "record-send-total": t.send,
        "byte-total": t.bytes,
        "record-retry-total": t.retry,
        "record-error-total": t.error,
      };
    }
    const fetchedMs = g.metadataFetchedMs();
    return {
      "record-send-total": this.#recordSend,
      "record-send-rate": this.#recordSendRate.rate(now),
      "record-ack-total": this.#recordAck,
      "byte-ack-total": this.#byteAck,
      "record-retry-total": this.#recordRetry,
      "record-retry-rate": this.#recordRetryRate.rate(now),
      "record-error-total": this.#recordError,
      "record-error-rate": this.#recordErrorRate.rate(now),
      "record-size-avg": this.#recordSize.avg(now),
      "batch-size-avg": this.#batchSize.avg(now),
      "batch-size-max": this.#batchSize.max(now),
      "batch-split-total": this.#batchSplit,
      "compression-rate-avg": this.#compression.avg(now),
      "records-per-request-avg": this.#recordsPerRequest.avg(now),
      "record-queue-time-avg": this.#queueTime.avg(now),
      "record-queue-time-max": this.#queueTime.max(now),
      "request-total": this.#requests,
      "request-rate": this.#requestRate.rate(now),
      "request-latency-avg": this.#latency.avg(now),
      "request-latency-max": this.#latency.max(now),
      "requests-in-flight": this.#produceInFlight,
      "outgoing-byte-total": this.#outgoingBytes,
      "outgoing-byte-rate": this.#outgoingRate.rate(now),
      "produce-throttle-time-avg": this.#throttle.avg(now),
      "produce-throttle-time-max": this.#throttle.max(now),
      "buffer-total-bytes": g.bufferTotalBytes,
      "buffer-available-bytes": g.bufferAvailableBytes(),
      "waiting-threads": g.bufferWaiters(),
      "metadata-age": fetchedMs > 0 ? Math.max(0, now - fetchedMs) / 1000 : 0,
      "connection-count": this.#connections,
      "connection-creation-total": this.#connectionsOpened,
      "connection-close-total": this.#connectionsClosed,
      topics,
    };
  }

  #topic(name: string): TopicCounters {
    let topic = this.#topics.get(name);
    if (topic === undefined) {
      topic = { send: 0, bytes: 0, retry: 0, error: 0 };
      this.#topics.set(name, topic);
    }
    return topic;
  }
}
