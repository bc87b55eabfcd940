/**
 * The sender drains closed batches to the brokers: one Produce request per broker
 * with the ready batches of the partitions it leads (one batch per partition, up to
 * `maxRequestBytes`), pipelined up to `maxInFlight` per connection. It reads each
 * partition's result, hands delivered batches back with their base offset, retries
 * retriable failures with exponential backoff and jitter until `deliveryTimeoutMs`
 * from the first record's write, and fails the rest with a typed error.
 *
 * Order per partition: one batch of a partition is in flight at a time and a retried
 * batch goes back to the head of its queue, so batches reach the log in write order.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { produceApi, type ProduceRequest, type ProduceResponse } from "../protocol/produce.ts";
import type { ClusterMetadata } from "../cluster/cluster_metadata.ts";
import type { BrokerPool, BrokerSession } from "../net/broker_pool.ts";
import { KafkaTimeoutError } from "../net/errors.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** Options of the {@link Sender}. */
export interface SenderOptions {
  /** 0, 1 or -1. */
  acks: -1 | 0 | 1;
  /** The broker-side wait for acknowledgements and the client-side request timeout (ms). */
  requestTimeoutMs: number;
  /** Time from a batch's first write to its end, retries included (ms). */
  deliveryTimeoutMs: number;
  /** First retry backoff (ms). */
  retryBackoffMs: number;
  /** Longest retry backoff (ms). */
  retryBackoffMaxMs: number;
  /** The largest Produce request (bytes). */
  maxRequestBytes: number;
  /** Requests in flight per connection. */
  maxInFlight: number;
  /** The clock (ms). */
  now: () => number;
}

/** What the sender reports back for each batch. */
export interface BatchOutcome {
  /** The batch is stored from `baseOffset` (-1 with acks=0); `logAppendTime` is -1 unless the topic uses it. */
  delivered(batch: ProducerBatch, baseOffset: bigint, logAppendTime: number): void;
  /** The batch failed for good. */
  failed(batch: ProducerBatch, error: Error): void;
}

// Errors after which the partition's leader may have moved (Java's InvalidMetadataException).
const METADATA_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.NETWORK_EXCEPTION,
]);

class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  inFlight = 0;
  retryAtMs = 0;
  constructor(readonly topic: string, readonly partition: number) {}
}

interface Sent {
  readonly batch: ProducerBatch;
  readonly queue: PartitionQueue;
}

/** Sends closed batches and settles them. */
export class Sender {
  readonly #metadata: ClusterMetadata;
  readonly #pool: BrokerPool;
  readonly #options: SenderOptions;
  readonly #outcome: BatchOutcome;
  readonly #queues = new Map<string, PartitionQueue>();
  readonly #connecting = new Set<number>();
  #drainScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #pending = 0;
  #idleWaiters: (() => void)[] = [];
  #closed = false;

  /**
   * @param metadata Where leaders are looked up.
   * @param pool Connections to brokers.
   * @param options Timing and sizes.
   * @param outcome Called per settled batch.
   */
  constructor(
    metadata: ClusterMetadata,
    pool: BrokerPool,
    options: SenderOptions,
    outcome: BatchOutcome,
  ) {
    this.#metadata = metadata;
    this.#pool = pool;
    this.#options = options;
    this.#outcome = outcome;
    metadata.onUpdate(() => this.wake());
    pool.onChange(() => this.wake());
  }

  /** Batches queued or in flight. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues a closed batch behind its partition's earlier batches.
   *
   * @param batch The batch.
   */
  enqueue(batch: ProducerBatch): void {
    this.#queue(batch.topic, batch.partition).batches.push(batch);
    this.#pending++;
    this.wake();
  }

  /**
   * Resolves once nothing is queued or in flight.
   *
   * @returns The promise.
   */
  whenIdle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Schedules a drain (coalesced into one per microtask turn). */
  wake(): void {
    if (this.#drainScheduled || this.#closed) return;
    this.#drainScheduled = true;
    queueMicrotask(() => {
      this.#drainScheduled = false;
      this.#drain();
    });
  }

  /**
   * Fails everything queued and stops.
   *
   * @param error The error queued batches fail with.
   */
  close(error: Error): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const queue of this.#queues.values()) {
      for (const batch of queue.batches.splice(0)) this.#settle(queue, batch, error, false);
    }
  }

  #queue(topic: string, partition: number): PartitionQueue {
    const key = `${partition}:${topic}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition);
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #drain(): void {
    if (this.#closed) return;
    const now = this.#options.now();
    const byLeader = new Map<number, PartitionQueue[]>();
    let needMetadata = false;
    let nextWakeAt = Infinity;
    for (const queue of this.#queues.values()) {
      const head = queue.batches[0];
      if (head === undefined) continue;
      const expiresAt = head.createdMs + this.#options.deliveryTimeoutMs;
      if (queue.inFlight === 0 && expiresAt <= now) {
        this.#expireQueued(queue, now);
        if (queue.batches.length === 0) continue;
      }
      if (queue.inFlight > 0) continue;
      nextWakeAt = Math.min(
        nextWakeAt,
        queue.batches[0]!.createdMs + this.#options.deliveryTimeoutMs,
      );
      if (queue.retryAtMs > now) {
        nextWakeAt = Math.min(nextWakeAt, queue.retryAtMs);
        continue;
      }
      const leader = this.#metadata.topic(queue.topic)?.leaders[queue.partition] ?? -1;
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, list = []);
      list.push(queue);
    }
    for (const [nodeId, queues] of byLeader) {
      const session = this.#pool.ready(nodeId);
      if (session === undefined) {
        this.#connect(nodeId);
        continue;
      }
      if (session.connection.inFlight >= this.#options.maxInFlight) continue;
      this.#send(session, queues);
    }
    if (needMetadata) this.#metadata.requestUpdate();
    this.#wakeAt(nextWakeAt);
  }

  #wakeAt(at: number): void {
    if (at === Infinity || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timerAt = Infinity;
      this.#timer = undefined;
      this.wake();
    }, Math.max(0, at - this.#options.now()));
  }

  #connect(nodeId: number): void {
    if (this.#connecting.has(nodeId)) return;
    this.#connecting.add(nodeId);
    this.#pool.session(nodeId).then(
      () => {
        this.#connecting.delete(nodeId);
        this.wake();
      },
      () => {
        // The leader may be gone: look again, and retry (the pool applies its backoff).
        this.#connecting.delete(nodeId);
        this.#metadata.requestUpdate();
        this.wake();
      },
    );
  }

  #send(session: BrokerSession, queues: PartitionQueue[]): void {
    let version = session.versions.get(ApiKey.Produce)!;
    const sent: Sent[] = [];
    const topics = new Map<
      string,
      ProduceRequest["topicData"][number] & {
        partitionData: { index: number; records: Uint8Array }[];
      }
    >();
    let bytes = 0;
    for (const queue of queues) {
      const batch = queue.batches[0]!;
      // The first batch always goes, even alone over the limit; the broker is the judge.
      if (sent.length > 0 && bytes + batch.bytes.length > this.#options.maxRequestBytes) continue;
      bytes += batch.bytes.length;
      queue.batches.shift();
      queue.inFlight++;
      batch.attempts++;
      sent.push({ batch, queue });
      let topic = topics.get(queue.topic);
      if (topic === undefined) {
        const info = this.#metadata.topic(queue.topic);
        const topicId = info?.topicId;
        topic = { name: queue.topic, partitionData: [] };
        if (topicId !== undefined && topicId.some((b) => b !== 0)) topic.topicId = topicId;
        topics.set(queue.topic, topic);
      }
      topic.partitionData.push({ index: queue.partition, records: batch.bytes });
    }
    // Produce v13 names topics by id; without ids (an older Metadata), stay at v12.
    if (version >= 13 && [...topics.values()].some((t) => t.topicId === undefined)) version = 12;
    const request: ProduceRequest = {
      transactionalId: null,
      acks: this.#options.acks,
      timeoutMs: this.#options.requestTimeoutMs,
      topicData: [...topics.values()],
    };
    const expectResponse = this.#options.acks !== 0;
    session.connection.request(produceApi, version, request, { expectResponse }).then(
      (response) => this.#onResponse(sent, expectResponse ? (response as ProduceResponse) : null),
      (error) => this.#onRequestError(sent, error),
    );
  }

  #onResponse(sent: readonly Sent[], response: ProduceResponse | null): void {
    if (response === null) {
      for (const { batch, queue } of sent) this.#deliver(queue, batch, -1n, -1);
      this.wake();
      return;
    }
    const results = new Map<
      string,
      ProduceResponse["responses"][number]["partitionResponses"][number]
    >();
    const names = new Map<string, string>();
    for (const { batch } of sent) {
      const id = this.#metadata.topic(batch.topic)?.topicId;
      if (id !== undefined) names.set(idKey(id), batch.topic);
    }
    for (const topic of response.responses) {
      const name = topic.name !== "" ? topic.name : names.get(idKey(topic.topicId)) ?? "";
      for (const p of topic.partitionResponses) results.set(`${p.index}:${name}`, p);
    }
    let refresh = false;
    for (const { batch, queue } of sent) {
      const result = results.get(`${batch.partition}:${batch.topic}`);
      if (result === undefined) {
        this.#retryOrFail(
          queue,
          batch,
          new KafkaError(ErrorCode.NETWORK_EXCEPTION, {
            topic: batch.topic,
            partition: batch.partition,
            message: "the Produce response did not mention this partition",
          }),
        );
        continue;
      }
      const code = result.errorCode;
      if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.#deliver(queue, batch, result.baseOffset, Number(result.logAppendTimeMs));
        continue;
      }
      const error = new KafkaError(code, {
        topic: batch.topic,
        partition: batch.partition,
        ...(result.errorMessage ? { message: result.errorMessage } : {}),
      });
      if (METADATA_ERRORS.has(code)) refresh = true;
      this.#retryOrFail(queue, batch, error);
    }
    if (refresh) this.#metadata.requestUpdate();
    this.wake();
  }

  #onRequestError(sent: readonly Sent[], error: unknown): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    for (const { batch, queue } of sent) this.#retryOrFail(queue, batch, cause);
    // A lost connection or a timeout may mean the leader moved.
    this.#metadata.requestUpdate();
    this.wake();
  }

  #retryOrFail(queue: PartitionQueue, batch: ProducerBatch, error: Error): void {
    queue.inFlight--;
    const retriable = (error as { retriable?: unknown }).retriable === true;
    const now = this.#options.now();
    const backoff = Math.min(
      this.#options.retryBackoffMaxMs,
      this.#options.retryBackoffMs * 2 ** Math.max(0, batch.attempts - 1),
    ) * (0.8 + Math.random() * 0.4);
    const deadline = batch.createdMs + this.#options.deliveryTimeoutMs;
    if (retriable && !this.#closed && now + backoff < deadline) {
      queue.batches.unshift(batch);
      queue.retryAtMs = now + backoff;
      return;
    }
    const final = retriable
      ? new KafkaTimeoutError(
        `Cannot deliver ${batch.count} record(s) to ${batch.topic}-${batch.partition} within deliveryTimeoutMs (${this.#options.deliveryTimeoutMs} ms) after ${batch.attempts} attempt(s): ${error.message}`,
        { cause: error },
      )
      : error;
    this.#settle(queue, batch, final, false);
  }

  #expireQueued(queue: PartitionQueue, now: number): void {
    while (queue.batches.length > 0) {
      const batch = queue.batches[0]!;
      const age = now - batch.createdMs;
      if (age < this.#options.deliveryTimeoutMs) return;
      queue.batches.shift();
      const leader = this.#metadata.topic(batch.topic)?.leaders[batch.partition] ?? -1;
      this.#settle(
        queue,
        batch,
        new KafkaTimeoutError(
          `Expiring ${batch.count} record(s) for ${batch.topic}-${batch.partition}: ${age} ms has passed since batch creation (deliveryTimeoutMs ${this.#options.deliveryTimeoutMs})${
            leader < 0 ? "; the partition has no known leader" : ""
          }`,
        ),
        false,
      );
    }
  }

  #deliver(
    queue: PartitionQueue,
    batch: ProducerBatch,
    baseOffset: bigint,
    logAppendTime: number,
  ): void {
    queue.inFlight--;
    this.#settle(queue, batch, null, true, baseOffset, logAppendTime);
  }

  #settle(
    _queue: PartitionQueue,
    batch: ProducerBatch,
    error: Error | null,
    ok: boolean,
    baseOffset = -1n,
    logAppendTime = -1,
  ): void {
    this.#pending--;
    if (ok) this.#outcome.delivered(batch, baseOffset, logAppendTime);
    else this.#outcome.failed(batch, error!);
    if (this.#pending === 0) { for (const resolve of this.#idleWaiters.splice(0)) resolve(); }
  }
}

function idKey(id: Uint8Array): string {
  let key = "";
  for (const b of id) key += b.toString(16).padStart(2, "0");
  return key;
}
