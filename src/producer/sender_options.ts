/**
 * What the sender is given: its options, the metadata and connections it
 * reads, the transaction it serves, and where it reports each batch's outcome. Narrow
 * interfaces, so tests drive the sender with fakes.
 *
 * @module
 */

import type { BrokerInfo, PartitionLeader, TopicInfo } from "../cluster/metadata_snapshot.ts";
import type { BrokerSession } from "../net/broker_pool.ts";
import type { Clock } from "../timers.ts";
import type { InitProducerIdentity, ProducerIdentity } from "./idempotence.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** Options of the sender. */
export interface SenderOptions {
  /** 0, 1 or -1. */
  acks: -1 | 0 | 1;
  /** The broker-side wait for acknowledgements and the client-side request timeout (ms). */
  requestTimeoutMs: number;
  /** Time from a batch's creation to its end, retries included (ms). */
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
  /**
   * Whether to follow the leader a Produce response names after NOT_LEADER_OR_FOLLOWER
   * (KIP-951) at once rather than after a metadata refresh; off only to measure what it
   * saves.
   */
  leaderHints?: boolean;
  /** Numbers in [0, 1) for the backoff's jitter. */
  random: () => number;
  /** Told what the sender does, for metrics and events; nothing when absent. */
  observer?: SenderObserver;
}

/**
 * What the sender tells its observer (the producer's metrics and events), per batch
 * and per request, never per record.
 */
export interface SenderObserver {
  /** A batch is sent for the first time (`batch.firstSentMs` is `now`). */
  batchSent(batch: ProducerBatch, now: number): void;
  /** A Produce request carrying `records` records is sent. */
  produceSent(records: number, now: number): void;
  /**
   * A Produce request was answered (with `throttleTimeMs` as its response says) or
   * failed (`throttleTimeMs` -1), `latencyMs` after it was sent.
   */
  produceDone(
    session: BrokerSession,
    latencyMs: number,
    throttleTimeMs: number,
    now: number,
  ): void;
  /** A batch whose attempt failed with `error` goes back, to be sent again in `backoffMs`. */
  retry(batch: ProducerBatch, error: Error, backoffMs: number, now: number): void;
  /** A batch was split in two. */
  split(batch: ProducerBatch): void;
  /** The epoch was bumped, after `reason` broke the sequences (null when not known). */
  epochBumped(previous: ProducerIdentity, current: ProducerIdentity, reason: Error | null): void;
}

/** What the sender asks of a transactional producer's transaction. */
export interface SenderTransaction {
  /** The transactional id. */
  readonly transactionalId: string;
  /** Whether transactions v2 are in use (Produce v12+ adds partitions); false if absent. */
  readonly transactionV2?: boolean;
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

/** The metadata the sender reads: leaders, topic ids, and refreshes. */
export interface SenderMetadata {
  /** A topic's metadata, if usable. */
  topic(topic: string): TopicInfo | undefined;
  /** Asks for a refresh. */
  requestUpdate(): unknown;
  /**
   * Moves partitions to the leaders a Produce response named (KIP-951), when newer
   * than those known; returns whether one moved.
   */
  updateLeaders(leaders: readonly PartitionLeader[], endpoints: readonly BrokerInfo[]): boolean;
  /** Calls `listener` after every refresh. */
  onUpdate(listener: () => void): void;
}

/** The connections the sender sends on. */
export interface SenderBrokers {
  /** The open session to a broker, if there is one. */
  ready(nodeId: number): BrokerSession | undefined;
  /** The session to a broker, connecting if needed. */
  session(nodeId: number): Promise<BrokerSession>;
  /** Calls `listener` when a broker's connection opens or closes. */
  onChange(listener: (nodeId: number) => void): void;
}
