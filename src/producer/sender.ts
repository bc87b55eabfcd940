/**
 * The sender drains closed batches to the brokers: one Produce request per broker
 * with the ready batches of the partitions it leads (one batch per partition per
 * request, up to `maxRequestBytes`), pipelined up to `maxInFlight` per connection. It
 * reads each partition's result, hands delivered batches back with their base offset,
 * retries retriable failures with exponential backoff and jitter until
 * `deliveryTimeoutMs` from the first record's write, and fails the rest with a typed
 * error.
 *
 * Idempotence (the default, as Java's `enable.idempotence`): the producer gets an id
 * and epoch (InitProducerId); each batch gets the next sequence number of its
 * partition when first sent and keeps it across retries, so the broker stores it once.
 * Up to 5 batches per partition are in flight. A batch that fails retriably waits
 * until its partition's other in-flight batches are back, then all failed batches are
 * re-sent in sequence order. When the sequence space can no longer be trusted (a gap
 * the broker reports with OUT_OF_ORDER_SEQUENCE_NUMBER on the oldest batch,
 * UNKNOWN_PRODUCER_ID, or a sequenced batch failing for good), sending pauses until
 * nothing is in flight, the epoch is bumped (KIP-360) and unacknowledged batches are
 * re-sequenced from 0. In a transaction the bump waits for the abort instead (the
 * transaction becomes abort-only), and once a transaction is abort-only whatever is
 * not in flight fails at once, as in Java.
 *
 * Without idempotence one batch per partition is in flight, so order still holds; a
 * retry after a lost response may store a batch twice, as in Java.
 *
 * @module
 */

import { KafkaError, KafkaTimeoutError, KafkaTransactionError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { produceApi, type ProduceRequest, type ProduceResponse } from "../protocol/produce.ts";
import { restampRecordBatch } from "../record/record_batch_builder.ts";
import type { ClusterMetadata } from "../cluster/cluster_metadata.ts";
import type { BrokerPool, BrokerSession } from "../net/broker_pool.ts";
import { isAuthenticationError } from "../net/sasl.ts";
import { type Cancel, type Clock, MAX_TIMER_MS } from "../timers.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import { splitBatch } from "./split_batch.ts";

/** A producer id and epoch. */
export interface ProducerIdentity {
  /** The producer id. */
  readonly producerId: bigint;
  /** The epoch. */
  readonly producerEpoch: number;
}

/**
 * Gets a producer identity from the cluster: a new one (`current` null) or a bumped
 * epoch of the current one.
 */
export type InitProducerIdentity = (current: ProducerIdentity | null) => Promise<ProducerIdentity>;

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
  /** Gets producer identities; undefined when not idempotent. */
  initProducerIdentity: InitProducerIdentity | undefined;
  /** For a transactional producer: its transaction's state. */
  transactional: SenderTransaction | undefined;
  /** Time and timers. */
  clock: Clock;
}

/** What the sender asks of a transactional producer's transaction. */
export interface SenderTransaction {
  /** The transactional id. */
  readonly transactionalId: string;
  /** Whether a partition was added to the open transaction (if not, it is being added). */
  partitionReady(topic: string, partition: number): boolean;
  /** The error that leaves the open transaction abort-only, or null. */
  abortableError(): Error | null;
  /**
   * The sequence numbers can no longer be trusted: the transaction becomes abort-only
   * and the epoch is bumped when it is aborted, as Java does (bumping now would abort
   * it at the coordinator behind the application's back).
   */
  requireEpochBump(error: Error): void;
}

/** What the sender reports back for each batch. */
export interface BatchOutcome {
  /** The batch is stored from `baseOffset` (-1 with acks=0); `logAppendTime` is -1 unless the topic uses it. */
  delivered(batch: ProducerBatch, baseOffset: bigint, logAppendTime: number): void;
  /** The batch failed for good. */
  failed(batch: ProducerBatch, error: Error): void;
  /** The producer cannot go on (fenced, not authorized): everything fails with `error`. */
  fatal(error: Error): void;
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

// Errors that end an idempotent producer: another producer took its id, or it may not write.
const FATAL_ERRORS = new Set<number>([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  31, // CLUSTER_AUTHORIZATION_FAILED
  53, // TRANSACTIONAL_ID_AUTHORIZATION_FAILED
]);

/** The most batches of one partition in flight with idempotence (the broker dedups 5). */
const MAX_IN_FLIGHT_PER_PARTITION = 5;
const SEQUENCE_LIMIT = 0x80000000;

class PartitionQueue {
  /** Closed batches not in flight, in order (retries at the head). */
  readonly batches: ProducerBatch[] = [];
  /** Batches sent and not answered, in sequence order. */
  readonly inFlight: ProducerBatch[] = [];
  /** Batches that failed retriably while others of the partition were in flight. */
  readonly toRetry: ProducerBatch[] = [];
  nextSequence = 0;
  retryAtMs = 0;
  /** Splits under way; the partition sends nothing until they are back. */
  splitting = 0;
  constructor(readonly topic: string, readonly partition: number) {}
}

interface UnsentWaiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  cancelTimer: Cancel;
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
  readonly #perPartition: number;
  #drainScheduled = false;
  #cancelTimer: Cancel = () => {};
  #timerAt = Infinity;
  #pending = 0;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  /** Batches queued and not sent yet, with the budget bytes they hold. */
  readonly #unsent = new Set<ProducerBatch>();
  #unsentBytes = 0;
  #unsentWaiters: UnsentWaiter[] = [];
  #closed = false;
  #closeError: Error | null = null;
  /** Batches failed by the delivery timeout while their request was in flight. */
  readonly #expired = new WeakSet<ProducerBatch>();
  #identity: ProducerIdentity | null = null;
  #identityPending = false;
  #bumpNeeded = false;
  #identityRetryAtMs = 0;
  #identityFailures = 0;

  /**
   * @param metadata Where leaders are looked up.
   * @param pool Connections to brokers.
   * @param options Timing, sizes and idempotence.
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
    this.#perPartition = options.initProducerIdentity === undefined
      ? 1
      : Math.min(MAX_IN_FLIGHT_PER_PARTITION, options.maxInFlight);
    metadata.onUpdate(() => this.wake());
    pool.onChange(() => this.wake());
  }

  /**
   * Queues a closed batch behind its partition's earlier batches.
   *
   * @param batch The batch.
   */
  enqueue(batch: ProducerBatch): void {
    this.#pending++;
    if (this.#closeError !== null) {
      this.#settle(batch, this.#closeError);
      return;
    }
    this.#queue(batch.topic, batch.partition).batches.push(batch);
    this.#unsent.add(batch);
    this.#unsentBytes += batch.reserved;
    this.wake();
  }

  /** The budget bytes of the batches queued that were never sent yet. */
  get unsentBytes(): number {
    return this.#unsentBytes;
  }

  /**
   * Resolves once the batches queued and never sent hold fewer than `bytes`: when the
   * sender took some into requests, or they failed.
   *
   * @param bytes The limit.
   * @param timeoutMs How long to wait before failing with `onTimeout()`'s error.
   * @param onTimeout Builds the error for a timeout.
   * @returns Resolves once below the limit.
   */
  whenUnsentBelow(bytes: number, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    if (this.#unsentBytes < bytes) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: UnsentWaiter = { bytes, resolve, reject, cancelTimer: () => {} };
      waiter.cancelTimer = this.#options.clock.schedule(() => {
        this.#unsentWaiters = this.#unsentWaiters.filter((w) => w !== waiter);
        reject(onTimeout());
      }, timeoutMs);
      this.#unsentWaiters.push(waiter);
    });
  }

  /** The batch left the queue for a request, or was settled without one. */
  #sentOrSettled(batch: ProducerBatch): void {
    if (!this.#unsent.delete(batch)) return;
    this.#unsentBytes -= batch.reserved;
    if (this.#unsentWaiters.length === 0) return;
    const left: UnsentWaiter[] = [];
    for (const waiter of this.#unsentWaiters) {
      if (this.#unsentBytes < waiter.bytes) {
        waiter.cancelTimer();
        waiter.resolve();
      } else {
        left.push(waiter);
      }
    }
    this.#unsentWaiters = left;
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
    this.#closeError = error;
    this.#cancelTimer();
    for (const queue of this.#queues.values()) {
      for (const batch of queue.batches.splice(0)) this.#settle(batch, error);
      for (const batch of queue.toRetry.splice(0)) this.#settle(batch, error);
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
    const now = this.#options.clock.now();
    let nextWakeAt = Infinity;
    for (const queue of this.#queues.values()) {
      // Each batch fails when its own delivery timeout is up, wherever it waits.
      this.#expireInFlight(queue, now);
      this.#expireQueued(queue, now);
      nextWakeAt = Math.min(nextWakeAt, this.#nextExpiry(queue));
    }
    const abortable = this.#options.transactional?.abortableError() ?? null;
    if (abortable !== null) this.#failUndrained(abortable);
    if (!this.#identityReady(now)) {
      this.#wakeAt(Math.min(nextWakeAt, this.#identityRetryAtMs));
      return;
    }
    const byLeader = new Map<number, PartitionQueue[]>();
    let needMetadata = false;
    for (const queue of this.#queues.values()) {
      if (!this.#maySend(queue)) continue;
      if (queue.retryAtMs > now) {
        nextWakeAt = Math.min(nextWakeAt, queue.retryAtMs);
        continue;
      }
      const leader = this.#metadata.topic(queue.topic)?.leaders[queue.partition] ?? -1;
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      if (this.#options.transactional?.partitionReady(queue.topic, queue.partition) === false) {
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
      // Fill the connection's free request slots, one batch per partition per request.
      while (session.connection.inFlight < this.#options.maxInFlight) {
        const ready = queues.filter((q) => this.#maySend(q));
        if (ready.length === 0) break;
        this.#send(session, ready);
      }
    }
    if (needMetadata) this.#metadata.requestUpdate();
    this.#wakeAt(nextWakeAt);
  }

  /**
   * Whether the partition's next batch may go now: it has one, no failed batch waits
   * to go back before it, no split is under way, and it is within the in-flight limit,
   * except around a retry: a batch sent again goes alone, and nothing follows it until it is
   * answered (as Java's RecordAccumulator does). Otherwise a later batch could reach
   * the broker before an earlier one refused for a passing reason (NOT_ENOUGH_REPLICAS
   * just after a restart), and a broker that lost this producer's state accepts it,
   * leaving the earlier batch nowhere to go but after it.
   */
  #maySend(queue: PartitionQueue): boolean {
    if (queue.batches.length === 0 || queue.toRetry.length > 0 || queue.splitting > 0) {
      return false;
    }
    const inFlight = queue.inFlight.length;
    if (inFlight >= this.#perPartition) return false;
    if (inFlight === 0) return true;
    if (queue.batches[0]!.attempts > 0) return false;
    for (const batch of queue.inFlight) if (batch.attempts > 1) return false;
    return true;
  }

  /** Whether batches may be sent: the identity is known and no epoch bump is waiting. */
  #identityReady(now: number): boolean {
    const init = this.#options.initProducerIdentity;
    if (init === undefined) return true;
    if (this.#identity !== null && !this.#bumpNeeded) return true;
    // A bump waits until nothing is in flight, so no answer arrives for the old epoch.
    if (this.#identityPending || this.#inFlight > 0 || now < this.#identityRetryAtMs) return false;
    if (this.#pending === 0 && this.#identity === null) return false; // nothing to send yet
    this.#identityPending = true;
    const current = this.#bumpNeeded ? this.#identity : null;
    init(current).then(
      (identity) => {
        this.#identityPending = false;
        this.#identityFailures = 0;
        const bumped = this.#identity !== null;
        this.#identity = identity;
        this.#bumpNeeded = false;
        if (bumped) this.#resequence();
        this.wake();
      },
      (error: Error) => {
        this.#identityPending = false;
        if ((error as { retriable?: unknown }).retriable === true && !this.#closed) {
          this.#identityFailures++;
          this.#identityRetryAtMs = this.#options.clock.now() +
            this.#backoff(this.#identityFailures);
          this.wake();
          return;
        }
        this.#outcome.fatal(error);
      },
    );
    return false;
  }

  /** After an epoch bump: unacknowledged batches get new sequences from 0, in order. */
  #resequence(): void {
    for (const queue of this.#queues.values()) {
      queue.nextSequence = 0;
      for (const batch of queue.toRetry) batch.baseSequence = -1;
      for (const batch of queue.batches) batch.baseSequence = -1;
    }
  }

  #wakeAt(at: number): void {
    if (at === Infinity || at >= this.#timerAt) return;
    this.#cancelTimer();
    this.#timerAt = at;
    this.#cancelTimer = this.#options.clock.schedule(() => {
      this.#timerAt = Infinity;
      this.wake();
    }, at - this.#options.clock.now());
  }

  /** When the partition's oldest batch runs out of delivery time (Infinity if it has none). */
  #nextExpiry(queue: PartitionQueue): number {
    let oldest = Infinity;
    for (const list of [queue.batches, queue.toRetry, queue.inFlight]) {
      for (const batch of list) oldest = Math.min(oldest, batch.createdMs);
    }
    return oldest + this.#options.deliveryTimeoutMs;
  }

  #connect(nodeId: number): void {
    if (this.#connecting.has(nodeId)) return;
    this.#connecting.add(nodeId);
    this.#pool.session(nodeId).then(
      () => {
        this.#connecting.delete(nodeId);
        this.wake();
      },
      (error) => {
        this.#connecting.delete(nodeId);
        // Bad credentials: the batches waiting for this broker fail now, naming why,
        // rather than when deliveryTimeoutMs runs out.
        if (isAuthenticationError(error)) this.#failWaitingFor(nodeId, error);
        // The leader may be gone: look again, and retry (the pool applies its backoff).
        this.#metadata.requestUpdate();
        this.wake();
      },
    );
  }

  #failWaitingFor(nodeId: number, error: Error): void {
    for (const queue of this.#queues.values()) {
      if (queue.inFlight.length > 0) continue;
      if ((this.#metadata.topic(queue.topic)?.leaders[queue.partition] ?? -1) !== nodeId) continue;
      for (const batch of [...queue.toRetry.splice(0), ...queue.batches.splice(0)]) {
        this.#settle(batch, error);
        // A sequenced batch given up leaves a gap the broker would refuse: new epoch.
        if (batch.baseSequence >= 0) this.#requireBump(error);
      }
    }
  }

  #send(session: BrokerSession, queues: PartitionQueue[]): void {
    let version = session.versions.get(ApiKey.Produce)!;
    const identity = this.#identity;
    const sent: Sent[] = [];
    const topics = new Map<
      string,
      {
        name: string;
        topicId?: Uint8Array;
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
      this.#sentOrSettled(batch);
      if (
        identity !== null &&
        (batch.baseSequence < 0 || batch.producerEpoch !== identity.producerEpoch)
      ) {
        if (batch.baseSequence < 0) {
          batch.baseSequence = queue.nextSequence;
          queue.nextSequence = (queue.nextSequence + batch.count) % SEQUENCE_LIMIT;
        }
        batch.producerEpoch = identity.producerEpoch;
        restampRecordBatch(
          batch.bytes,
          identity.producerId,
          identity.producerEpoch,
          batch.baseSequence,
        );
      }
      queue.inFlight.push(batch);
      this.#inFlight++;
      batch.attempts++;
      sent.push({ batch, queue });
      let topic = topics.get(queue.topic);
      if (topic === undefined) {
        const topicId = this.#metadata.topic(queue.topic)?.topicId;
        topic = { name: queue.topic, partitionData: [] };
        if (topicId !== undefined && topicId.some((b) => b !== 0)) topic.topicId = topicId;
        topics.set(queue.topic, topic);
      }
      topic.partitionData.push({ index: queue.partition, records: batch.bytes });
    }
    // Produce v13 names topics by id; without ids (an older Metadata), stay at v12.
    if (version >= 13 && [...topics.values()].some((t) => t.topicId === undefined)) version = 12;
    const transactional = this.#options.transactional;
    // Produce v12+ goes with transaction protocol 2 (partitions added implicitly), which
    // this producer does not use: transactional requests stay at v11, as Java's do there.
    if (transactional !== undefined) version = Math.min(version, 11);
    const request: ProduceRequest = {
      transactionalId: transactional?.transactionalId ?? null,
      acks: this.#options.acks,
      // An int32 on the wire: a longer timeout asks the broker for the longest it takes.
      timeoutMs: Math.min(this.#options.requestTimeoutMs, MAX_TIMER_MS),
      topicData: [...topics.values()],
    };
    const expectResponse = this.#options.acks !== 0;
    session.connection.request(produceApi, version, request, { expectResponse }).then(
      (response) => this.#onResponse(sent, expectResponse ? (response as ProduceResponse) : null),
      (error) => this.#onRequestError(sent, error),
    );
  }

  #onResponse(sent: readonly Sent[], response: ProduceResponse | null): void {
    // Batches expired while in flight were settled already; their answer is moot.
    sent = sent.filter(({ batch }) => !this.#expired.has(batch));
    if (response === null) {
      for (const { batch, queue } of sent) this.#done(queue, batch, null, -1n, -1);
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
        this.#failed(
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
        this.#done(queue, batch, null, result.baseOffset, Number(result.logAppendTimeMs));
        continue;
      }
      if (METADATA_ERRORS.has(code)) refresh = true;
      this.#failed(
        queue,
        batch,
        new KafkaError(code, {
          topic: batch.topic,
          partition: batch.partition,
          ...(result.errorMessage ? { message: result.errorMessage } : {}),
        }),
      );
    }
    if (refresh) this.#metadata.requestUpdate();
    this.wake();
  }

  #onRequestError(sent: readonly Sent[], error: unknown): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    for (const { batch, queue } of sent) {
      if (!this.#expired.has(batch)) this.#failed(queue, batch, cause);
    }
    // A lost connection or a timeout may mean the leader moved.
    this.#metadata.requestUpdate();
    this.wake();
  }

  /** Decides what a failed attempt leads to: a retry, an epoch bump, or failure. */
  #failed(queue: PartitionQueue, batch: ProducerBatch, error: Error): void {
    const code = error instanceof KafkaError ? error.code : -1;
    const idempotent = this.#identity !== null;
    if (idempotent && FATAL_ERRORS.has(code)) {
      this.#done(queue, batch, error, -1n, -1);
      this.#outcome.fatal(error);
      return;
    }
    let retriable = (error as { retriable?: unknown }).retriable === true;
    if (
      idempotent &&
      (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID)
    ) {
      // Out of order behind an earlier failed batch: resent after it. The oldest batch
      // itself out of order, or the broker no longer knowing us: new epoch, new sequences.
      const oldest = queue.inFlight[0] === batch && queue.toRetry.length === 0 &&
        queue.splitting === 0;
      if (oldest || code === ErrorCode.UNKNOWN_PRODUCER_ID) this.#requireBump(error);
      retriable = true;
    }
    if (
      (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) &&
      batch.count > 1
    ) {
      this.#split(queue, batch, error);
      return;
    }
    const now = this.#options.clock.now();
    batch.lastError = error;
    // A retry waits out its backoff; if the delivery timeout comes first, the batch
    // expires then (in #drain), not earlier.
    if (retriable && !this.#closed && now < batch.createdMs + this.#options.deliveryTimeoutMs) {
      this.#removeInFlight(queue, batch);
      queue.toRetry.push(batch);
      queue.retryAtMs = Math.max(queue.retryAtMs, now + this.#backoff(batch.attempts));
      this.#releaseRetries(queue);
      return;
    }
    const final = retriable ? this.#expiryError(batch, now - batch.createdMs, null) : error;
    this.#done(queue, batch, final, -1n, -1);
  }

  /** Once a partition has nothing in flight, its failed batches go back first, in sequence order. */
  #releaseRetries(queue: PartitionQueue): void {
    if (queue.inFlight.length > 0 || queue.toRetry.length === 0 || queue.splitting > 0) return;
    // Split halves with no sequence yet (after an epoch bump) come first; the sort is stable.
    queue.toRetry.sort((a, b) => a.baseSequence - b.baseSequence);
    queue.batches.unshift(...queue.toRetry.splice(0));
  }

  /**
   * A batch too large for the broker is split in two and retried, as Java does; a
   * single record too large fails alone. The refused batch consumed no sequence on the
   * broker, so its halves take its sequence numbers.
   */
  #split(queue: PartitionQueue, batch: ProducerBatch, error: Error): void {
    this.#removeInFlight(queue, batch);
    queue.splitting++;
    splitBatch(batch).then(
      ([first, second]) => {
        queue.splitting--;
        // The broker refused the batch whole, so its sequence numbers were not used: the
        // halves take them, in order, under the same epoch (as Java's splitAndReenqueue),
        // and the batches sent after it (refused as out of order meanwhile) follow.
        const identity = this.#identity;
        if (
          batch.baseSequence >= 0 && identity !== null && !this.#bumpNeeded &&
          batch.producerEpoch === identity.producerEpoch
        ) {
          first.baseSequence = batch.baseSequence;
          second.baseSequence = (batch.baseSequence + first.count) % SEQUENCE_LIMIT;
        }
        this.#pending++; // one batch became two
        queue.toRetry.unshift(first, second);
        this.#releaseRetries(queue);
        this.wake();
      },
      () => {
        queue.splitting--;
        this.#done(queue, batch, error, -1n, -1);
        this.wake();
      },
    );
  }

  /**
   * The partition's sequence space is broken: the epoch must be bumped (KIP-360); in a
   * transaction, when it is aborted.
   */
  #requireBump(error: Error): void {
    const transaction = this.#options.transactional;
    if (transaction === undefined) this.#bumpNeeded = true;
    else transaction.requireEpochBump(error);
  }

  /**
   * An abort-only transaction sends nothing more: what is not in flight fails now, as
   * Java's `abortUndrainedBatches` does, so the abort does not wait for it.
   */
  #failUndrained(cause: Error): void {
    for (const queue of this.#queues.values()) {
      for (const batch of [...queue.toRetry.splice(0), ...queue.batches.splice(0)]) {
        this.#settle(
          batch,
          new KafkaTransactionError(
            `Cannot send ${batch.count} record(s) to ${batch.topic}-${batch.partition} as the transaction can only be aborted: ${cause.message}`,
            { cause },
          ),
        );
      }
    }
  }

  /**
   * Takes an epoch bumped outside the sender (when a transaction was aborted):
   * sequences start again from 0.
   *
   * @param identity The producer id and its new epoch.
   */
  resetIdentity(identity: ProducerIdentity): void {
    this.#identity = identity;
    this.#bumpNeeded = false;
    this.#resequence();
    this.wake();
  }

  #removeInFlight(queue: PartitionQueue, batch: ProducerBatch): void {
    const i = queue.inFlight.indexOf(batch);
    if (i >= 0) {
      queue.inFlight.splice(i, 1);
      this.#inFlight--;
    }
  }

  #backoff(attempts: number): number {
    return Math.min(
      this.#options.retryBackoffMaxMs,
      this.#options.retryBackoffMs * 2 ** Math.max(0, attempts - 1),
    ) * (0.8 + Math.random() * 0.4);
  }

  /**
   * Fails in-flight batches whose delivery timeout passed, as Java does, without
   * waiting for their request's own timeout. Their request may still have been
   * written, so the error says so; an idempotent producer renumbers after them.
   */
  #expireInFlight(queue: PartitionQueue, now: number): void {
    for (const batch of [...queue.inFlight]) {
      const age = now - batch.createdMs;
      if (age < this.#options.deliveryTimeoutMs) continue;
      this.#expired.add(batch);
      this.#done(
        queue,
        batch,
        this.#expiryError(batch, age, "the request was in flight, so they may have been written"),
        -1n,
        -1,
      );
    }
  }

  #expiryError(batch: ProducerBatch, age: number, why: string | null): KafkaTimeoutError {
    const last = batch.lastError;
    const reasons = [why, last === null ? null : `last error: ${last.message}`]
      .filter((r) => r !== null);
    return new KafkaTimeoutError(
      `Expiring ${batch.count} record(s) for ${batch.topic}-${batch.partition}: ${age} ms has passed since batch creation (deliveryTimeoutMs ${this.#options.deliveryTimeoutMs}) after ${batch.attempts} attempt(s)${
        reasons.length === 0 ? "" : `; ${reasons.join("; ")}`
      }`,
      last === null ? undefined : { cause: last },
    );
  }

  /** Fails the batches waiting to be sent (or sent again) whose delivery timeout is up. */
  #expireQueued(queue: PartitionQueue, now: number): void {
    for (const list of [queue.toRetry, queue.batches]) {
      for (let i = 0; i < list.length;) {
        const batch = list[i]!;
        const age = now - batch.createdMs;
        if (age < this.#options.deliveryTimeoutMs) {
          i++;
          continue;
        }
        list.splice(i, 1);
        const leader = this.#metadata.topic(batch.topic)?.leaders[batch.partition] ?? -1;
        const error = this.#expiryError(
          batch,
          age,
          leader < 0 ? "the partition has no known leader" : null,
        );
        this.#settle(batch, error);
        // A sequenced batch given up leaves a gap the broker would refuse: new epoch.
        if (batch.baseSequence >= 0) this.#requireBump(error);
      }
    }
    this.#releaseRetries(queue);
  }

  #done(
    queue: PartitionQueue,
    batch: ProducerBatch,
    error: Error | null,
    baseOffset: bigint,
    logAppendTime: number,
  ): void {
    this.#removeInFlight(queue, batch);
    if (error !== null && batch.baseSequence >= 0) this.#requireBump(error);
    this.#settle(batch, error, baseOffset, logAppendTime);
    this.#releaseRetries(queue);
  }

  #settle(batch: ProducerBatch, error: Error | null, baseOffset = -1n, logAppendTime = -1): void {
    this.#pending--;
    this.#sentOrSettled(batch);
    if (error === null) this.#outcome.delivered(batch, baseOffset, logAppendTime);
    else this.#outcome.failed(batch, error);
    if (this.#pending === 0) { for (const resolve of this.#idleWaiters.splice(0)) resolve(); }
  }
}

function idKey(id: Uint8Array): string {
  let key = "";
  for (const b of id) key += b.toString(16).padStart(2, "0");
  return key;
}
