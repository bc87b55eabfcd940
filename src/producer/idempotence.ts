/**
 * The idempotent producer's state (Java's `enable.idempotence`): a producer id and
 * epoch from InitProducerId, and per partition the sequence number of the next batch.
 * A batch takes its partition's next sequence when first sent and keeps it across
 * retries, so the broker stores it once. When the sequence space can no longer be
 * trusted (a gap the broker reports, UNKNOWN_PRODUCER_ID, a sequenced batch given
 * up), sending pauses until nothing is in flight, the epoch is bumped (KIP-360) and
 * what is unacknowledged is numbered again from 0.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { initProducerIdApi } from "../protocol/init_producer_id.ts";
import { agreedVersion } from "../protocol/versions.ts";
import { restampRecordBatch } from "../record/record_batch_builder.ts";
import type { BrokerSession } from "../net/broker_pool.ts";
import { backoffMs, type Clock } from "../timers.ts";
import type { PartitionQueue } from "./partition_queue.ts";
import type { ProducerBatch } from "./producer_batch.ts";

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

/** Sequence numbers are int32 and wrap to 0 after 2^31 - 1, as Java's `incrementSequence`. */
const SEQUENCE_LIMIT = 0x80000000;

/**
 * The sequence `count` records after `sequence`, wrapping after 2^31 - 1.
 *
 * @param sequence A batch's base sequence.
 * @param count Its records.
 * @returns The next batch's base sequence.
 */
export function nextSequence(sequence: number, count: number): number {
  return (sequence + count) % SEQUENCE_LIMIT;
}

/**
 * Orders two base sequences as the broker does across the wrap (-1, not assigned yet,
 * first).
 *
 * @param a A base sequence.
 * @param b Another.
 * @returns Negative when `a` comes first.
 */
export function compareSequences(a: number, b: number): number {
  if (a < 0 || b < 0) return a < 0 ? (b < 0 ? 0 : -1) : 1;
  if (a === b) return 0;
  return (b - a + SEQUENCE_LIMIT) % SEQUENCE_LIMIT < SEQUENCE_LIMIT / 2 ? -1 : 1;
}

/**
 * Asks a broker for a producer id (`current` null) or for the next epoch of `current`
 * (InitProducerId v3+, KIP-360), for an idempotent or a transactional producer.
 *
 * @param session The broker (the transaction coordinator for a transactional id).
 * @param transactionalId The transactional id, or null.
 * @param transactionTimeoutMs The transaction timeout the coordinator applies.
 * @param current The identity to bump, or null for a new one.
 * @returns The identity, or the broker's error code.
 */
export async function requestProducerId(
  session: BrokerSession,
  transactionalId: string | null,
  transactionTimeoutMs: number,
  current: ProducerIdentity | null,
): Promise<ProducerIdentity | number> {
  const version = agreedVersion(session, initProducerIdApi, "get a producer id");
  const bump = current !== null && version >= 3;
  const response = await session.connection.request(initProducerIdApi, version, {
    transactionalId,
    transactionTimeoutMs,
    producerId: bump ? current.producerId : -1n,
    producerEpoch: bump ? current.producerEpoch : -1,
  });
  if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
  return { producerId: response.producerId, producerEpoch: response.producerEpoch };
}

/** As Java for a producer that is idempotent but not transactional. */
const IDEMPOTENT_TRANSACTION_TIMEOUT_MS = 2147483647;

/**
 * How an idempotent producer without a transactional id gets its identity: InitProducerId
 * from any broker; a refusal is a {@link KafkaError} naming the broker.
 *
 * @param any A ready broker, any one.
 * @returns The producer's {@link InitProducerIdentity}.
 */
export function idempotentIdentity(any: () => Promise<BrokerSession>): InitProducerIdentity {
  return async (current) => {
    const session = await any();
    const identity = await requestProducerId(
      session,
      null,
      IDEMPOTENT_TRANSACTION_TIMEOUT_MS,
      current,
    );
    if (typeof identity !== "number") return identity;
    throw new KafkaError(identity, {
      message: `InitProducerId from broker at ${session.address}`,
    });
  };
}

/** Options of {@link Idempotence}. */
export interface IdempotenceOptions {
  /** Time and timers. */
  clock: Clock;
  /** First backoff after a failed InitProducerId (ms). */
  retryBackoffMs: number;
  /** Longest backoff (ms). */
  retryBackoffMaxMs: number;
  /** Numbers in [0, 1) for the backoff's jitter. */
  random: () => number;
}

/** What {@link Idempotence} tells its owner. */
export interface IdempotenceEvents {
  /** The identity is there (new or bumped), or a retry is due: look again. */
  changed(): void;
  /**
   * The epoch was bumped: what is unacknowledged must be numbered again.
   *
   * @param previous The identity before.
   * @param current The identity now.
   * @param reason What broke the sequences, if known.
   */
  bumped(previous: ProducerIdentity, current: ProducerIdentity, reason: Error | null): void;
  /** InitProducerId failed for good. */
  fatal(error: Error): void;
}

/** The producer id, epoch and bump state of an idempotent producer. */
export class Idempotence {
  readonly #init: InitProducerIdentity;
  readonly #options: IdempotenceOptions;
  readonly #events: IdempotenceEvents;
  #identity: ProducerIdentity | null = null;
  #pending = false;
  #bumpNeeded = false;
  #bumpReason: Error | null = null;
  #failures = 0;
  #retryAtMs = 0;
  #closed = false;

  /**
   * @param init Gets identities from the cluster.
   * @param options The clock, the backoff and its jitter.
   * @param events Callbacks.
   */
  constructor(init: InitProducerIdentity, options: IdempotenceOptions, events: IdempotenceEvents) {
    this.#init = init;
    this.#options = options;
    this.#events = events;
  }

  /** The identity batches are stamped with, or null before the first. */
  get identity(): ProducerIdentity | null {
    return this.#identity;
  }

  /** Whether an epoch bump waits (nothing may be sent until it is done). */
  get bumpNeeded(): boolean {
    return this.#bumpNeeded;
  }

  /** When a failed InitProducerId is tried again (ms). */
  get retryAtMs(): number {
    return this.#retryAtMs;
  }

  /**
   * Whether batches may be sent now. When not, starts what is missing: the first
   * InitProducerId once there is something to send, or the bump once nothing is in
   * flight (no answer may then arrive for the old epoch).
   *
   * @param now The time (ms).
   * @param inFlight Batches in flight, all partitions.
   * @param hasWork Whether any batch waits to be sent.
   * @returns Whether the identity is ready.
   */
  ready(now: number, inFlight: number, hasWork: boolean): boolean {
    if (this.#identity !== null && !this.#bumpNeeded) return true;
    if (this.#pending || inFlight > 0 || now < this.#retryAtMs || this.#closed) return false;
    if (this.#identity === null && !hasWork) return false;
    this.#pending = true;
    this.#init(this.#bumpNeeded ? this.#identity : null).then(
      (identity) => this.#got(identity),
      (error: Error) => this.#failed(error),
    );
    return false;
  }

  /**
   * The sequences can no longer be trusted: bump the epoch once nothing is in flight.
   *
   * @param reason What broke them (the first reason is kept until the bump).
   */
  requireBump(reason: Error | null = null): void {
    if (!this.#bumpNeeded) this.#bumpReason = reason;
    this.#bumpNeeded = true;
  }

  /**
   * Takes an epoch bumped elsewhere (by a transaction's abort).
   *
   * @param identity The producer id and its new epoch.
   */
  reset(identity: ProducerIdentity): void {
    this.#identity = identity;
    this.#bumpNeeded = false;
    this.#bumpReason = null;
  }

  /**
   * Stamps a batch before it is sent: its partition's next sequence the first time,
   * and the current epoch (a batch sent again after a bump was renumbered).
   *
   * @param queue The batch's partition.
   * @param batch The batch.
   */
  stamp(queue: PartitionQueue, batch: ProducerBatch): void {
    const identity = this.#identity;
    if (identity === null) return;
    if (batch.baseSequence >= 0 && batch.producerEpoch === identity.producerEpoch) return;
    if (batch.baseSequence < 0) {
      batch.baseSequence = queue.nextSequence;
      queue.nextSequence = nextSequence(queue.nextSequence, batch.count);
    }
    batch.producerEpoch = identity.producerEpoch;
    restampRecordBatch(
      batch.bytes,
      identity.producerId,
      identity.producerEpoch,
      batch.baseSequence,
    );
    batch.sealed = true;
  }

  /**
   * The halves of a batch the broker refused as too large take its sequence numbers,
   * in order, under the same epoch (as Java's `splitAndReenqueue`): the broker refused
   * it whole, so they were not used, and the batches sent after it (refused as out of
   * order meanwhile) follow. Not after a bump: then everything is numbered again.
   *
   * @param batch The refused batch.
   * @param first Its first half.
   * @param second Its second half.
   */
  inheritSequences(batch: ProducerBatch, first: ProducerBatch, second: ProducerBatch): void {
    const identity = this.#identity;
    if (
      batch.baseSequence < 0 || identity === null || this.#bumpNeeded ||
      batch.producerEpoch !== identity.producerEpoch
    ) {
      return;
    }
    first.baseSequence = batch.baseSequence;
    second.baseSequence = nextSequence(batch.baseSequence, first.count);
  }

  /** Ignores answers still to come. */
  close(): void {
    this.#closed = true;
  }

  #got(identity: ProducerIdentity): void {
    this.#pending = false;
    this.#failures = 0;
    const previous = this.#identity;
    const reason = this.#bumpReason;
    this.#identity = identity;
    this.#bumpNeeded = false;
    this.#bumpReason = null;
    if (previous !== null) this.#events.bumped(previous, identity, reason);
    this.#events.changed();
  }

  #failed(error: Error): void {
    this.#pending = false;
    if ((error as { retriable?: unknown }).retriable === true && !this.#closed) {
      this.#failures++;
      const o = this.#options;
      this.#retryAtMs = o.clock.now() +
        backoffMs(this.#failures, o.retryBackoffMs, o.retryBackoffMaxMs, o.random);
      this.#events.changed();
      return;
    }
    this.#events.fatal(error);
  }
}

/**
 * After an epoch bump: every partition's unacknowledged batches are numbered again
 * from 0, in order.
 *
 * @param queues Every partition's queue.
 */
export function resequence(queues: Iterable<PartitionQueue>): void {
  for (const queue of queues) {
    queue.nextSequence = 0;
    for (const batch of queue.toRetry) batch.baseSequence = -1;
    for (const batch of queue.batches) batch.baseSequence = -1;
  }
}
