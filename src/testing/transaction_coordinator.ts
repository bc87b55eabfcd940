/**
 * The transaction coordinator, as Kafka's `TransactionCoordinator` runs the classic
 * protocol (transaction version 1): producer ids, epochs bumped by InitProducerId to
 * fence an older producer with the same transactional id, partitions added to a
 * transaction, and its end, with COMMIT or ABORT markers written to every partition
 * it touched. A transaction older than its timeout is aborted (and its producer
 * fenced) the next time the coordinator looks, as Kafka's periodic check would.
 *
 * Transactions v2 (KIP-890 part 2) too: a partition added by the producer's Produce
 * v12+ (see the Produce handler), and EndTxn v5, which bumps the epoch as it ends the
 * transaction (its markers carry the bumped epoch) and answers with the producer id
 * and epoch to use next: a new producer id, at epoch 0, once the epoch is exhausted.
 * A v5 EndTxn retried after its answer was lost is recognized by the epoch before the
 * bump and answered again, as Kafka does.
 *
 * Markers are written at once, so there is no PrepareCommit/PrepareAbort window in
 * which Kafka answers CONCURRENT_TRANSACTIONS, except after fencing an open
 * transaction, where Kafka answers it while the abort completes.
 *
 * @module
 */

import { ErrorCode } from "../protocol/error_codes.ts";
import type { ClusterState, PartitionState } from "./cluster_state.ts";

/** Kafka's transaction states that can be seen here. */
export type TransactionStateName = "Empty" | "Ongoing" | "CompleteCommit" | "CompleteAbort";

/** One transactional id's state. */
export interface TransactionState {
  /** The transactional id. */
  readonly transactionalId: string;
  /** The current producer id. */
  producerId: bigint;
  /** The current epoch. */
  producerEpoch: number;
  /** The id and epoch before the last bump, so a retried InitProducerId is recognized. */
  lastProducerId: bigint;
  /** See {@link TransactionState.lastProducerId}. */
  lastProducerEpoch: number;
  /** The state. */
  state: TransactionStateName;
  /** The transaction timeout, in milliseconds. */
  timeoutMs: number;
  /** The partitions of the open transaction. */
  readonly partitions: Set<PartitionState>;
  /** When the open transaction began. */
  startedMs: number;
  /** Whether the last transaction was ended by an EndTxn v5 that bumped the epoch. */
  endedByBump: boolean;
}

/** The outcome of a transactions v2 EndTxn: the identity to use next, or an error code. */
export type EndResult =
  | { readonly errorCode: 0; readonly producerId: bigint; readonly producerEpoch: number }
  | { readonly errorCode: number; readonly producerId: -1n; readonly producerEpoch: -1 };

/** A producer id and epoch, or an error code. */
export type InitResult =
  | { readonly errorCode: 0; readonly producerId: bigint; readonly producerEpoch: number }
  | { readonly errorCode: number; readonly producerId: -1n; readonly producerEpoch: -1 };

/** Kafka's `transaction.max.timeout.ms` default. */
export const DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000;

/** Epochs stop below the int16 maximum; then the producer gets a new id (Kafka's rule). */
const LAST_EPOCH = 32766;

function failed(errorCode: number): InitResult {
  return { errorCode, producerId: -1n, producerEpoch: -1 };
}

/**
 * The coordinator of every transactional id of a test cluster.
 *
 * @example A second InitProducerId bumps the epoch
 * ```ts
 * import { TransactionCoordinator } from "./transaction_coordinator.ts";
 * import { ClusterState } from "./cluster_state.ts";
 *
 * const cluster = new ClusterState(
 *   { clusterId: "c", sequenceRules: "kafka-4", now: Date.now },
 *   [{ id: 1, host: "127.0.0.1" }],
 * );
 * const coordinator = new TransactionCoordinator(cluster, 900000);
 * coordinator.initProducerId("tx", 60000, -1n, -1);
 * console.log(coordinator.initProducerId("tx", 60000, -1n, -1).producerEpoch); // 1
 * ```
 */
export class TransactionCoordinator {
  readonly #cluster: ClusterState;
  readonly #maxTimeoutMs: number;
  readonly #transactions = new Map<string, TransactionState>();
  #nextProducerId = 0n;

  /**
   * Makes a coordinator.
   *
   * @param cluster The cluster whose partitions get the markers.
   * @param maxTimeoutMs The longest transaction timeout accepted.
   */
  constructor(cluster: ClusterState, maxTimeoutMs: number) {
    this.#cluster = cluster;
    this.#maxTimeoutMs = maxTimeoutMs;
  }

  /**
   * Which broker coordinates a transactional id: one of the live brokers, chosen by
   * the id's Java `hashCode`, as Kafka picks a `__transaction_state` partition.
   *
   * @param transactionalId The transactional id.
   * @returns The broker id, or -1 when none is up.
   */
  coordinatorFor(transactionalId: string): number {
    const live = this.#cluster.liveBrokerIds();
    if (live.length === 0) return -1;
    let hash = 0;
    for (let i = 0; i < transactionalId.length; i++) {
      hash = (Math.imul(hash, 31) + transactionalId.charCodeAt(i)) | 0;
    }
    return live[(hash & 0x7fffffff) % live.length]!;
  }

  /**
   * A transactional id's state.
   *
   * @param transactionalId The transactional id.
   * @returns The state, or undefined.
   */
  get(transactionalId: string): TransactionState | undefined {
    this.expire();
    return this.#transactions.get(transactionalId);
  }

  /**
   * A new producer id, for an idempotent producer.
   *
   * @returns The id.
   */
  newProducerId(): bigint {
    return this.#nextProducerId++;
  }

  /**
   * InitProducerId for a transactional id.
   *
   * @param transactionalId The transactional id.
   * @param timeoutMs The transaction timeout asked.
   * @param expectedId The producer id the client has (v3+, KIP-360), or -1.
   * @param expectedEpoch Its epoch, or -1.
   * @returns The producer id and epoch, or the error.
   */
  initProducerId(
    transactionalId: string,
    timeoutMs: number,
    expectedId: bigint,
    expectedEpoch: number,
  ): InitResult {
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > this.#maxTimeoutMs) {
      return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    this.expire();
    let txn = this.#transactions.get(transactionalId);
    if (txn === undefined) {
      txn = {
        transactionalId,
        producerId: this.newProducerId(),
        producerEpoch: 0,
        lastProducerId: -1n,
        lastProducerEpoch: -1,
        state: "Empty",
        timeoutMs,
        partitions: new Set(),
        startedMs: -1,
        endedByBump: false,
      };
      this.#transactions.set(transactionalId, txn);
      return { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
    }
    if (expectedId !== -1n) {
      const current = expectedId === txn.producerId && expectedEpoch === txn.producerEpoch;
      const retried = expectedId === txn.lastProducerId && expectedEpoch === txn.lastProducerEpoch;
      if (retried && txn.state !== "Ongoing") {
        return { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
      }
      if (!current) return failed(ErrorCode.PRODUCER_FENCED);
    }
    if (txn.state === "Ongoing") {
      // An open transaction is aborted under a bumped epoch, fencing its producer; the
      // client is told to retry, and its retry gets a further epoch (as in Kafka).
      this.#fence(txn);
      return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    this.#bump(txn);
    txn.state = "Empty";
    txn.timeoutMs = timeoutMs;
    return { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  /**
   * Checks the producer id and epoch of a request against a transactional id.
   *
   * @param transactionalId The transactional id.
   * @param producerId The request's producer id.
   * @param producerEpoch The request's epoch.
   * @returns The state, or the error code.
   */
  check(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
  ): TransactionState | number {
    const txn = this.get(transactionalId);
    if (txn === undefined || txn.producerId !== producerId) {
      return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    }
    if (txn.producerEpoch !== producerEpoch) return ErrorCode.PRODUCER_FENCED;
    return txn;
  }

  /**
   * Adds partitions to a transaction (AddPartitionsToTxn, or a Produce v12+ that adds
   * its partition itself).
   *
   * @param txn The transaction, checked by {@link TransactionCoordinator.check}.
   * @param partitions The partitions.
   */
  addPartitions(txn: TransactionState, partitions: Iterable<PartitionState>): void {
    for (const partition of partitions) txn.partitions.add(partition);
    if (txn.state !== "Ongoing") {
      txn.state = "Ongoing";
      txn.startedMs = this.#cluster.settings.now();
    }
  }

  /**
   * EndTxn.
   *
   * @param txn The transaction, checked by {@link TransactionCoordinator.check}.
   * @param commit True to commit, false to abort.
   * @returns The error code, or 0.
   */
  endTransaction(txn: TransactionState, commit: boolean): number {
    switch (txn.state) {
      case "Ongoing":
        this.#end(txn, commit);
        txn.endedByBump = false;
        return ErrorCode.NONE;
      case "CompleteCommit":
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case "CompleteAbort":
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  /**
   * EndTxn v5 (transactions v2): ends the open transaction under a bumped epoch.
   *
   * @param transactionalId The transactional id.
   * @param producerId The request's producer id.
   * @param producerEpoch The request's epoch.
   * @param commit True to commit, false to abort.
   * @returns The producer id and epoch to use next, or the error code.
   */
  endTransactionV2(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
  ): EndResult {
    const txn = this.get(transactionalId);
    if (txn === undefined) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const complete = txn.state === "CompleteCommit" || txn.state === "CompleteAbort";
    if (
      complete && txn.endedByBump && producerId === txn.lastProducerId &&
      producerEpoch === txn.lastProducerEpoch
    ) {
      // The retry of an EndTxn whose answer was lost: the same answer again.
      return (txn.state === "CompleteCommit") === commit
        ? { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch }
        : failed(ErrorCode.INVALID_TXN_STATE);
    }
    if (producerId !== txn.producerId) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    // With v2 the same epoch after an end is the next transaction's, never a retry.
    if (producerEpoch !== txn.producerEpoch || complete) {
      return failed(ErrorCode.PRODUCER_FENCED);
    }
    if (txn.state !== "Ongoing") return failed(ErrorCode.INVALID_TXN_STATE);
    txn.lastProducerId = txn.producerId;
    txn.lastProducerEpoch = txn.producerEpoch;
    // The epoch may reach the int16 maximum here, for the markers only.
    txn.producerEpoch++;
    this.#end(txn, commit);
    txn.endedByBump = true;
    if (txn.lastProducerEpoch >= LAST_EPOCH) {
      txn.producerId = this.newProducerId();
      txn.producerEpoch = 0;
    }
    return { errorCode: 0, producerId: txn.producerId, producerEpoch: txn.producerEpoch };
  }

  /** Aborts, fencing their producers, the open transactions older than their timeout. */
  expire(): void {
    const now = this.#cluster.settings.now();
    for (const txn of this.#transactions.values()) {
      if (txn.state === "Ongoing" && now - txn.startedMs > txn.timeoutMs) this.#fence(txn);
    }
  }

  #bump(txn: TransactionState): void {
    txn.endedByBump = false;
    txn.lastProducerId = txn.producerId;
    txn.lastProducerEpoch = txn.producerEpoch;
    if (txn.producerEpoch >= LAST_EPOCH) {
      txn.producerId = this.newProducerId();
      txn.producerEpoch = 0;
    } else txn.producerEpoch++;
  }

  #end(txn: TransactionState, commit: boolean): void {
    for (const partition of txn.partitions) {
      this.#cluster.writeMarker(partition, txn.producerId, txn.producerEpoch, commit);
    }
    txn.partitions.clear();
    txn.state = commit ? "CompleteCommit" : "CompleteAbort";
  }

  /** Bumps the epoch of an open transaction's own producer id and aborts it. */
  #fence(txn: TransactionState): void {
    txn.endedByBump = false;
    txn.lastProducerId = txn.producerId;
    txn.lastProducerEpoch = txn.producerEpoch;
    // The markers must carry this producer id; an exhausted epoch gets a new id at the next init.
    txn.producerEpoch = Math.min(txn.producerEpoch + 1, LAST_EPOCH + 1);
    this.#end(txn, false);
  }
}
