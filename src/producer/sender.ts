/**
 * The sender drains closed batches to the brokers: one Produce request per broker
 * with the ready batches of the partitions it leads (one batch per partition per
 * request, up to `maxRequestBytes`), pipelined up to `maxInFlight` per connection. It
 * reads each partition's result, hands delivered batches back with their base offset,
 * retries retriable failures with exponential backoff and jitter until their delivery
 * timeout, and fails the rest with a typed error.
 *
 * The state machines it drives live beside it: each partition's queue and the order
 * rules of retries (`partition_queue.ts`), the producer id, epoch and sequences
 * (`idempotence.ts`), the delivery timeout (`delivery_timeout.ts`), the request and
 * its response (`produce_request.ts`) and the bytes not sent yet (`unsent_bytes.ts`).
 *
 * With idempotence up to 5 batches per partition are in flight; without it one, so
 * order still holds, but a retry after a lost response may store a batch twice, as in
 * Java. In a transaction an epoch bump waits for the abort (the transaction becomes
 * abort-only), and once a transaction is abort-only whatever is not in flight fails
 * at once, as in Java.
 *
 * @module
 */

import { KafkaTransactionError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import { produceApi, type ProduceResponse } from "../protocol/produce.ts";
import type { BrokerSession } from "../net/broker_pool.ts";
import { isAuthenticationError } from "../net/sasl.ts";
import { backoffMs } from "../timers.ts";
import { DrainScheduler } from "./drain_scheduler.ts";
import { DeliveryTimeout } from "./delivery_timeout.ts";
import { judgeFailure } from "./failure_policy.ts";
import { Idempotence, type ProducerIdentity, resequence } from "./idempotence.ts";
import { PartitionQueue } from "./partition_queue.ts";
import { readProduceOutcome } from "./produce_outcome.ts";
import { buildProduceRequest, chooseBatches } from "./produce_request.ts";
import { sealRecordBatch } from "../record/record_batch_builder.ts";
import { groupByLeader } from "./leader_groups.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type {
  BatchOutcome,
  SenderBrokers,
  SenderMetadata,
  SenderObserver,
  SenderOptions,
} from "./sender_options.ts";
import { splitBatch } from "./split_batch.ts";
import { UnsentBytes } from "./unsent_bytes.ts";
import { BatchLedger } from "./batch_ledger.ts";

export type { InitProducerIdentity, ProducerIdentity } from "./idempotence.ts";
export type {
  BatchOutcome,
  SenderBrokers,
  SenderMetadata,
  SenderObserver,
  SenderOptions,
  SenderTransaction,
} from "./sender_options.ts";

/** The most batches of one partition in flight with idempotence (the broker dedups 5). */
const MAX_IN_FLIGHT_PER_PARTITION = 5;

const NO_OBSERVER: SenderObserver = {
  batchSent() {},
  produceSent() {},
  produceDone() {},
  retry() {},
  split() {},
  epochBumped() {},
};

interface Sent {
  readonly batch: ProducerBatch;
  readonly queue: PartitionQueue;
  /** The partition's leader epoch when it was sent, -1 unknown. */
  readonly leaderEpoch: number;
}

/** Sends closed batches and settles them. */
export class Sender {
  readonly #metadata: SenderMetadata;
  readonly #brokers: SenderBrokers;
  readonly #options: SenderOptions;
  readonly #outcome: BatchOutcome;
  readonly #observer: SenderObserver;
  readonly #queues = new Map<string, PartitionQueue>();
  readonly #connecting = new Set<number>();
  readonly #perPartition: number;
  readonly #idempotence: Idempotence | null;
  readonly #delivery: DeliveryTimeout;
  readonly #ledger: BatchLedger;
  readonly #scheduler: DrainScheduler;
  #closed = false;
  #closeError: Error | null = null;

  /**
   * @param metadata Where leaders are looked up.
   * @param brokers Connections to brokers.
   * @param options Timing, sizes and idempotence.
   * @param outcome Called per settled batch.
   */
  constructor(
    metadata: SenderMetadata,
    brokers: SenderBrokers,
    options: SenderOptions,
    outcome: BatchOutcome,
  ) {
    this.#metadata = metadata;
    this.#brokers = brokers;
    this.#options = options;
    this.#outcome = outcome;
    this.#observer = options.observer ?? NO_OBSERVER;
    this.#scheduler = new DrainScheduler(options.clock, () => this.#drain());
    this.#delivery = new DeliveryTimeout(options.deliveryTimeoutMs);
    this.#ledger = new BatchLedger(new UnsentBytes(options.clock), outcome);
    const init = options.initProducerIdentity;
    this.#idempotence = init === undefined ? null : new Idempotence(init, options, {
      changed: () => this.wake(),
      bumped: (previous, current, reason) => {
        resequence(this.#queues.values());
        this.#observer.epochBumped(previous, current, reason);
      },
      fatal: (error) => this.#outcome.fatal(error),
    });
    this.#perPartition = init === undefined
      ? 1
      : Math.min(MAX_IN_FLIGHT_PER_PARTITION, options.maxInFlight);
    metadata.onUpdate(() => this.wake());
    brokers.onChange(() => this.wake());
  }

  /**
   * Queues a closed batch behind its partition's earlier batches.
   *
   * @param batch The batch.
   */
  enqueue(batch: ProducerBatch): void {
    this.#ledger.added();
    if (this.#closeError !== null) {
      this.#settle(batch, this.#closeError);
      return;
    }
    this.#queue(batch.topic, batch.partition).batches.push(batch);
    this.#ledger.unsent.add(batch);
    this.wake();
  }

  /**
   * Whether a partition is idle: none of its batches is queued, waiting to go again or
   * in flight, and its leader's connection has no request in flight. A new batch of an
   * idle partition goes at once (natural batching); otherwise it gathers records while
   * the earlier ones are on their way.
   *
   * @param topic The topic.
   * @param partition The partition.
   * @returns Whether it is idle.
   */
  isIdle(topic: string, partition: number): boolean {
    const queue = this.#queues.get(`${partition}:${topic}`);
    if (
      queue !== undefined &&
      (queue.batches.length > 0 || queue.inFlight.length > 0 || queue.toRetry.length > 0)
    ) {
      return false;
    }
    const leader = this.#metadata.topic(topic)?.leaders[partition] ?? -1;
    const session = leader < 0 ? undefined : this.#brokers.ready(leader);
    return session === undefined || session.connection.inFlight === 0;
  }

  /** The budget bytes of the batches queued that were never sent yet. */
  get unsentBytes(): number {
    return this.#ledger.unsent.bytes;
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
    return this.#ledger.unsent.whenBelow(bytes, timeoutMs, onTimeout);
  }

  /**
   * Resolves once nothing is queued or in flight.
   *
   * @returns The promise.
   */
  whenIdle(): Promise<void> {
    return this.#ledger.whenIdle();
  }

  /** Schedules a drain (coalesced into one per microtask turn). */
  wake(): void {
    this.#scheduler.wake();
  }

  /**
   * Fails everything queued and stops.
   *
   * @param error The error queued batches fail with.
   */
  close(error: Error): void {
    this.#closed = true;
    // The first reason stays: a producer failed (or closed past its deadline) and then
    // closed fails what still comes with why it failed.
    this.#closeError ??= error;
    this.#scheduler.stop();
    this.#idempotence?.close();
    for (const queue of this.#queues.values()) {
      for (const batch of queue.batches.splice(0)) this.#settle(batch, error);
      for (const batch of queue.toRetry.splice(0)) this.#settle(batch, error);
    }
  }

  /** The producer id and epoch batches are stamped with; null before the first or without idempotence. */
  get identity(): ProducerIdentity | null {
    return this.#idempotence?.identity ?? null;
  }

  /**
   * Fails everything, requests in flight included (their answers, when they come, are
   * moot: the records may have been written), and stops; for a close whose deadline
   * passed.
   *
   * @param error The error every batch fails with.
   */
  abort(error: Error): void {
    this.close(error);
    for (const queue of this.#queues.values()) {
      for (const batch of queue.inFlight.splice(0)) {
        this.#ledger.expiredInFlight(batch);
        this.#settle(batch, error);
      }
    }
  }

  /** Records in requests sent and not answered yet. */
  get recordsInFlight(): number {
    let records = 0;
    for (const queue of this.#queues.values()) {
      for (const batch of queue.inFlight) records += batch.count;
    }
    return records;
  }

  /**
   * Takes an epoch bumped outside the sender (when a transaction was aborted):
   * sequences start again from 0.
   *
   * @param identity The producer id and its new epoch.
   */
  resetIdentity(identity: ProducerIdentity): void {
    this.#idempotence?.reset(identity);
    resequence(this.#queues.values());
    this.wake();
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
      this.#expire(queue, now);
      nextWakeAt = Math.min(nextWakeAt, this.#delivery.nextExpiry(queue));
    }
    const abortable = this.#options.transactional?.abortableError() ?? null;
    if (abortable !== null) this.#failUndrained(abortable);
    const idempotence = this.#idempotence;
    if (
      idempotence !== null &&
      !idempotence.ready(now, this.#ledger.inFlight, this.#ledger.pending > 0)
    ) {
      this.#scheduler.wakeAt(Math.min(nextWakeAt, idempotence.retryAtMs));
      return;
    }
    const transaction = this.#options.transactional;
    const { byLeader, needMetadata, nextRetryAt } = groupByLeader(
      this.#queues.values(),
      now,
      this.#perPartition,
      (topic) => this.#metadata.topic(topic),
      (topic, partition) => transaction?.partitionReady(topic, partition) ?? true,
    );
    nextWakeAt = Math.min(nextWakeAt, nextRetryAt);
    for (const [nodeId, queues] of byLeader) {
      const session = this.#brokers.ready(nodeId);
      if (session === undefined) {
        this.#connect(nodeId);
        continue;
      }
      // Fill the connection's free request slots, one batch per partition per request.
      while (session.connection.inFlight < this.#options.maxInFlight) {
        const ready = queues.filter((q) => q.maySend(this.#perPartition));
        if (ready.length === 0) break;
        this.#send(session, ready, now);
      }
    }
    if (needMetadata) this.#metadata.requestUpdate();
    this.#scheduler.wakeAt(nextWakeAt);
  }

  /** Fails the partition's batches whose delivery timeout is up, wherever they wait. */
  #expire(queue: PartitionQueue, now: number): void {
    this.#delivery.expire(
      queue,
      now,
      (batch, where) =>
        where === "in flight"
          ? "the request was in flight, so they may have been written"
          : (this.#metadata.topic(batch.topic)?.leaders[batch.partition] ?? -1) < 0
          ? "the partition has no known leader"
          : null,
      (batch, error, where) => {
        if (where === "in flight") {
          // Its answer, when it comes, is moot.
          this.#ledger.expiredInFlight(batch);
        }
        // A sequenced batch given up leaves a gap the broker would refuse: new epoch.
        if (batch.baseSequence >= 0) this.#requireBump(error);
        this.#settle(batch, error);
      },
    );
    queue.releaseRetries();
  }

  #connect(nodeId: number): void {
    if (this.#connecting.has(nodeId)) return;
    this.#connecting.add(nodeId);
    this.#brokers.session(nodeId).then(
      () => {
        this.#connecting.delete(nodeId);
        this.wake();
      },
      (error) => {
        this.#connecting.delete(nodeId);
        // Bad credentials: the batches waiting for this broker fail now, naming why,
        // rather than when deliveryTimeoutMs runs out.
        if (isAuthenticationError(error)) this.#failWaitingFor(nodeId, error);
        // The leader may be gone: look again, and retry once the refresh is done (its
        // listener wakes the sender; the pool applies its backoff). Not at once: while a
        // refresh is under way the pool may not know the leader's address yet, and an
        // at-once retry would fail at once again, in a microtask loop that starves the
        // refresh itself.
        this.#metadata.requestUpdate();
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

  #send(session: BrokerSession, queues: PartitionQueue[], now: number): void {
    const chosen = chooseBatches(queues.map((q) => q.batches[0]!), this.#options.maxRequestBytes);
    const sent: Sent[] = [];
    const observer = this.#observer;
    let records = 0;
    for (const i of chosen) {
      const queue = queues[i]!;
      const batch = queue.send();
      this.#ledger.sent(batch);
      this.#idempotence?.stamp(queue, batch);
      // Summed once, here: an idempotent batch when stamped, any other the first time.
      if (!batch.sealed) {
        sealRecordBatch(batch.bytes);
        batch.sealed = true;
      }
      const leaderEpoch = this.#metadata.topic(queue.topic)?.leaderEpochs[queue.partition] ?? -1;
      sent.push({ batch, queue, leaderEpoch });
      records += batch.count;
      if (batch.firstSentMs < 0) {
        batch.firstSentMs = now;
        observer.batchSent(batch, now);
      }
    }
    observer.produceSent(records, now);
    const topicId = (topic: string) => this.#metadata.topic(topic)?.topicId;
    const { request, version } = buildProduceRequest(sent.map((s) => s.batch), {
      acks: this.#options.acks,
      timeoutMs: this.#options.requestTimeoutMs,
      transactionalId: this.#options.transactional?.transactionalId ?? null,
      transactionV2: this.#options.transactional?.transactionV2 === true,
      version: session.versions.get(ApiKey.Produce)!,
      topicId,
    });
    const expectResponse = this.#options.acks !== 0;
    const clock = this.#options.clock;
    session.connection.request(produceApi, version, request, { expectResponse }).then(
      (response) => {
        const done = clock.now();
        const answer = expectResponse ? (response as ProduceResponse) : null;
        observer.produceDone(session, done - now, answer?.throttleTimeMs ?? -1, done);
        this.#onResponse(sent, answer);
      },
      (error) => {
        const done = clock.now();
        observer.produceDone(session, done - now, -1, done);
        this.#onRequestError(sent, error);
      },
    );
  }

  #onResponse(sent: readonly Sent[], response: ProduceResponse | null): void {
    // Batches expired while in flight were settled already; their answer is moot.
    sent = sent.filter(({ batch }) => !this.#ledger.isExpired(batch));
    if (response === null) {
      for (const { batch, queue } of sent) this.#done(queue, batch, null, -1n, -1);
      this.wake();
      return;
    }
    const outcome = readProduceOutcome(
      response,
      sent.map((s) => s.batch),
      (topic) => this.#metadata.topic(topic)?.topicId,
      this.#options.leaderHints !== false,
    );
    for (const [i, { batch, queue, leaderEpoch }] of sent.entries()) {
      const result = outcome.results[i]!;
      if (result.stored) this.#done(queue, batch, null, result.baseOffset, result.logAppendTime);
      else this.#failed(queue, batch, result.error, leaderEpoch);
    }
    // The leaders the broker named take effect now (KIP-951); the refresh still runs
    // behind them, as in Java, for what the response did not say.
    if (outcome.leaders.length > 0) {
      this.#metadata.updateLeaders(outcome.leaders, response.nodeEndpoints);
    }
    if (outcome.refresh) this.#metadata.requestUpdate();
    this.wake();
  }

  #onRequestError(sent: readonly Sent[], error: unknown): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    for (const { batch, queue, leaderEpoch } of sent) {
      if (!this.#ledger.isExpired(batch)) this.#failed(queue, batch, cause, leaderEpoch);
    }
    // A lost connection or a timeout may mean the leader moved.
    this.#metadata.requestUpdate();
    this.wake();
  }

  /**
   * Acts on a failed attempt: a retry (maybe after an epoch bump), a split, or failure.
   * `leaderEpoch` is the partition's leader epoch the attempt went under: a newer one
   * cuts the retry's backoff short.
   */
  #failed(queue: PartitionQueue, batch: ProducerBatch, error: Error, leaderEpoch = -1): void {
    const idempotent = (this.#idempotence?.identity ?? null) !== null;
    const verdict = judgeFailure(error, batch.count, idempotent, queue.isOldest(batch));
    if (verdict.action === "fatal") {
      this.#done(queue, batch, error, -1n, -1);
      this.#outcome.fatal(error);
      return;
    }
    if (verdict.bump) this.#requireBump(error);
    if (verdict.action === "split") {
      this.#split(queue, batch, error);
      return;
    }
    const retriable = verdict.action === "retry";
    const now = this.#options.clock.now();
    batch.lastError = error;
    // A retry waits out its backoff; if the delivery timeout comes first, the batch
    // expires then (in #drain), not earlier.
    if (retriable && !this.#closed && this.#delivery.hasTime(batch, now)) {
      this.#ledger.landed(queue, batch);
      const o = this.#options;
      const backoff = backoffMs(batch.attempts, o.retryBackoffMs, o.retryBackoffMaxMs, o.random);
      this.#observer.retry(batch, error, backoff, now);
      queue.retryLater(batch, now + backoff, leaderEpoch);
      return;
    }
    this.#done(queue, batch, retriable ? this.#delivery.error(batch, now, null) : error, -1n, -1);
  }

  /**
   * A batch too large for the broker is split in two and retried, as Java does; a
   * single record too large fails alone. The refused batch consumed no sequence on the
   * broker, so its halves take its sequence numbers.
   */
  #split(queue: PartitionQueue, batch: ProducerBatch, error: Error): void {
    this.#ledger.landed(queue, batch);
    this.#observer.split(batch);
    queue.splitting++;
    splitBatch(batch).then(
      ([first, second]) => {
        queue.splitting--;
        this.#ledger.added(); // one batch became two
        const closed = this.#closeError;
        if (closed !== null) {
          this.#settle(first, closed);
          this.#settle(second, closed);
          return;
        }
        this.#idempotence?.inheritSequences(batch, first, second);
        queue.toRetry.unshift(first, second);
        queue.releaseRetries();
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
    if (transaction === undefined) this.#idempotence?.requireBump(error);
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

  #done(
    queue: PartitionQueue,
    batch: ProducerBatch,
    error: Error | null,
    baseOffset: bigint,
    logAppendTime: number,
  ): void {
    this.#ledger.landed(queue, batch);
    if (error !== null && batch.baseSequence >= 0) this.#requireBump(error);
    this.#settle(batch, error, baseOffset, logAppendTime);
    queue.releaseRetries();
  }

  #settle(batch: ProducerBatch, error: Error | null, baseOffset = -1n, logAppendTime = -1): void {
    this.#ledger.settle(batch, error, baseOffset, logAppendTime);
  }
}
