/**
 * Where what the producer's parts do becomes metrics and events: the sender reports
 * batches, requests, retries and epoch bumps (as its {@link SenderObserver}); the
 * accumulator and the metadata waits report records that failed; the broker pool and
 * the metadata report connections and refreshes. Every report is per batch, per
 * request or per change, never per record.
 *
 * @module
 */

import type { BrokerSession } from "../net/broker_pool.ts";
import type { MetadataSnapshot } from "../cluster/metadata_snapshot.ts";
import type { Clock } from "../timers.ts";
import type { ProducerIdentity } from "./idempotence.ts";
import { metadataChanges } from "./metadata_changes.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import { type Logger, ProducerEvents } from "./producer_events.ts";
import { type MetricGauges, ProducerMetrics } from "./producer_metrics.ts";
import type { SenderObserver } from "./sender_options.ts";

/** Options of {@link ProducerTelemetry}. */
export interface ProducerTelemetryOptions {
  /** Time, for the metrics' windows. */
  clock: Clock;
  /** Where events are logged; undefined for nowhere. */
  logger: Logger | undefined;
  /** The producer's client id, for log lines. */
  clientId: string;
  /** Where the buffer and metadata figures are read. */
  gauges: MetricGauges;
  /** The metadata as the producer starts (empty). */
  metadata: MetadataSnapshot;
}

/** The producer's metrics and events, fed by its parts. */
export class ProducerTelemetry implements SenderObserver {
  /** The metrics. */
  readonly metrics: ProducerMetrics;
  /** The events (and log lines). */
  readonly events: ProducerEvents;
  readonly #connected = new Map<number, BrokerSession>();
  #metadata: MetadataSnapshot;

  /**
   * @param target Where events are dispatched (the producer).
   * @param options The clock, logger, client id, gauges and first metadata.
   */
  constructor(target: EventTarget, options: ProducerTelemetryOptions) {
    this.metrics = new ProducerMetrics(options.clock, options.gauges);
    this.events = new ProducerEvents(target, options.logger, options.clientId);
    this.#metadata = options.metadata;
  }

  /** The sessions open to brokers known by id. */
  get sessions(): readonly BrokerSession[] {
    return [...this.#connected.values()];
  }

  batchSent(batch: ProducerBatch, now: number): void {
    this.metrics.batchSent(batch, now);
  }

  /**
   * A batch was acknowledged.
   *
   * @param batch The batch.
   */
  delivered(batch: ProducerBatch): void {
    this.metrics.delivered(batch);
  }

  produceSent(records: number, now: number): void {
    this.metrics.produceSent(records, now);
  }

  produceDone(
    session: BrokerSession,
    latencyMs: number,
    throttleTimeMs: number,
    now: number,
  ): void {
    this.metrics.produceDone(latencyMs, throttleTimeMs, now);
    if (throttleTimeMs > 0) {
      this.events.emit("throttle", {
        nodeId: session.nodeId,
        address: session.address,
        throttleTimeMs,
      });
    }
  }

  retry(batch: ProducerBatch, error: Error, backoffMs: number, now: number): void {
    this.metrics.retried(batch, now);
    this.events.emit("retry", {
      topic: batch.topic,
      partition: batch.partition,
      attempt: batch.attempts,
      error: error.name,
      message: error.message,
      records: batch.count,
      backoffMs,
    });
  }

  split(): void {
    this.metrics.split();
  }

  epochBumped(previous: ProducerIdentity, current: ProducerIdentity, reason: Error | null): void {
    this.events.emit("epoch-bump", {
      producerId: String(current.producerId),
      previousEpoch: previous.producerEpoch,
      epoch: current.producerEpoch,
      reason: reason?.name ?? null,
    });
  }

  /**
   * Records failed for good.
   *
   * @param topic Their topic.
   * @param partition Their partition, or null when not chosen yet.
   * @param records How many.
   * @param error Why.
   * @param announce Whether to dispatch an `error` event (not for each record that
   * waited for buffer space in vain: those fail one by one, at their call).
   */
  failed(
    topic: string,
    partition: number | null,
    records: number,
    error: unknown,
    announce: boolean,
  ): void {
    this.metrics.failed(topic, records);
    if (!announce) return;
    this.events.emit("error", {
      topic,
      partition,
      records,
      error: error instanceof Error ? error : new Error(String(error)),
      fatal: false,
    });
  }

  /**
   * The producer failed for good.
   *
   * @param error Why.
   */
  fatal(error: Error): void {
    this.events.emit("error", { topic: null, partition: null, records: 0, error, fatal: true });
  }

  /**
   * A broker's connection opened or closed (the pool's `onChange`).
   *
   * @param nodeId The broker id.
   * @param session Its open session now, if any.
   */
  brokerChanged(nodeId: number, session: BrokerSession | undefined): void {
    const known = this.#connected.get(nodeId);
    if (known === session) return;
    if (known !== undefined) {
      this.#connected.delete(nodeId);
      this.metrics.disconnected();
      this.events.emit("disconnect", { nodeId, address: known.address });
    }
    if (session !== undefined) {
      this.#connected.set(nodeId, session);
      this.metrics.connected();
      this.events.emit("connect", { nodeId, address: session.address });
    }
  }

  /**
   * Metadata was refreshed (or a refresh failed, leaving the same snapshot).
   *
   * @param snapshot The snapshot now.
   */
  metadataUpdated(snapshot: MetadataSnapshot): void {
    const previous = this.#metadata;
    if (previous === snapshot) return;
    this.#metadata = snapshot;
    const changes = metadataChanges(previous, snapshot);
    if (changes.metadata !== null) this.events.emit("metadata", changes.metadata);
    for (const leader of changes.leaders) this.events.emit("leader-change", leader);
  }

  /**
   * A request was written to a broker.
   *
   * @param bytes Its size.
   */
  written(bytes: number): void {
    this.metrics.written(bytes);
  }
}
