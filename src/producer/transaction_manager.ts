/**
 * Transactions (`transactionalId`), as the Java producer runs them: find the
 * transaction coordinator (FindCoordinator), get the producer id and epoch for the
 * transactional id (InitProducerId, which fences an older producer with the same id),
 * add each partition to the transaction before its first batch is sent
 * (AddPartitionsToTxn, batched), and end it with EndTxn (commit or abort).
 *
 * Transactions v2 (KIP-890 part 2), where the cluster has them (see
 * `transaction_protocol.ts`): no AddPartitionsToTxn, as Produce v12+ adds its
 * partition to the transaction itself; EndTxn v5 bumps the epoch at every
 * transaction end (or, with the epoch exhausted, hands out a new producer id) and
 * returns it, and the producer takes it with sequences starting again from 0. The
 * protocol is chosen when the producer is initialized and looked at again after each
 * transaction end, as Java does; a producer that moves up to v2 bumps its epoch first
 * (InitProducerId), so no partition of an older transaction counts as added.
 *
 * Fatal errors (fenced by a newer producer, not authorized) fail the producer; a
 * record that failed inside a transaction makes the commit fail, so the transaction
 * must be aborted, and so does TRANSACTION_ABORTABLE from the coordinator. When the
 * sequence numbers can no longer be trusted (KIP-360), the transaction becomes
 * abort-only and the epoch is bumped right after the abort, as Java does: bumping
 * during the transaction would make the coordinator abort it behind the
 * application's back. With transactions v2 the abort's EndTxn bumps it.
 *
 * @module
 */

import { KafkaError, KafkaTimeoutError, KafkaTransactionError } from "../errors.ts";
import { addPartitionsToTxnApi } from "../protocol/add_partitions_to_txn.ts";
import { endTxnApi } from "../protocol/end_txn.ts";
import { ErrorCode, errorInfo } from "../protocol/error_codes.ts";
import { CoordinatorType, findCoordinatorApi } from "../protocol/find_coordinator.ts";
import { agreedVersion } from "../protocol/versions.ts";
import { type Clock, sleep } from "../timers.ts";
import type { BrokerPool, BrokerSession } from "../net/broker_pool.ts";
import { type ProducerIdentity, requestProducerId } from "./idempotence.ts";
import { transactionV2Allowed } from "./transaction_protocol.ts";

/** Options of the {@link TransactionManager}. */
export interface TransactionManagerOptions {
  /** The transactional id. */
  transactionalId: string;
  /** How long the coordinator lets a transaction stay open (Java's `transaction.timeout.ms`). */
  transactionTimeoutMs: number;
  /** Backoff between retries (ms). */
  retryBackoffMs: number;
  /** How long a transactional call may take before failing (Java's `max.block.ms`). */
  maxBlockMs: number;
  /** Wakes the sender once partitions were added, or once the transaction became abort-only. */
  wakeSender: () => void;
  /** Hands the sender the epoch bumped after an abort. */
  onEpochBumped: (identity: ProducerIdentity) => void;
  /** Fails the producer. */
  onFatal: (error: Error) => void;
  /** Time and timers. */
  clock: Clock;
}

/** Errors that end a transactional producer. */
const FATAL = new Set<number>([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTION_COORDINATOR_FENCED,
]);

/** Errors after which the coordinator must be looked up again. */
const COORDINATOR_MOVED = new Set<number>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

/** Runs the transaction protocol for one transactional id. */
export class TransactionManager {
  readonly #pool: BrokerPool;
  readonly #options: TransactionManagerOptions;
  #coordinator: number | null = null;
  #identity: ProducerIdentity | null = null;
  #initializing: Promise<ProducerIdentity> | null = null;
  #inTransaction = false;
  readonly #added = new Set<string>();
  readonly #toAdd = new Map<string, { topic: string; partition: number }>();
  #adding = false;
  #abortableError: Error | null = null;
  #bumpOnAbort = false;
  #bumpAfterEnd = false;
  #fatal: Error | null = null;
  #v2 = false;
  #featuresEpoch = -1n;

  /**
   * @param pool Connections to brokers.
   * @param options The transactional id, timeouts and callbacks.
   */
  constructor(pool: BrokerPool, options: TransactionManagerOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** Whether a transaction is open. */
  get inTransaction(): boolean {
    return this.#inTransaction;
  }

  /**
   * Whether transactions v2 are in use: Produce may go past v11 and adds its
   * partition itself.
   */
  get transactionV2(): boolean {
    return this.#v2;
  }

  /**
   * The error that leaves the open transaction abort-only, or null.
   *
   * @returns The error or null.
   */
  abortableError(): Error | null {
    return this.#inTransaction ? this.#abortableError : null;
  }

  /**
   * The sequence numbers can no longer be trusted: the open transaction becomes
   * abort-only, and the epoch is bumped once it is aborted (or before the next one
   * begins).
   *
   * @param error Why.
   */
  requireEpochBump(error: Error): void {
    this.#bumpOnAbort = true;
    this.recordFailed(error);
  }

  /**
   * The producer identity: got once from the coordinator (which fences older producers
   * with the same transactional id), or a bumped epoch when `current` is given.
   *
   * @param current The identity to bump, or null.
   * @returns The identity.
   */
  identity(current: ProducerIdentity | null): Promise<ProducerIdentity> {
    if (current === null && this.#identity !== null) return Promise.resolve(this.#identity);
    const first = current === null;
    this.#initializing ??= this.#withCoordinator(
      "initialize the transactional producer",
      async (session) => {
        const identity = await requestProducerId(
          session,
          this.#options.transactionalId,
          this.#options.transactionTimeoutMs,
          current,
        );
        if (first && typeof identity !== "number") this.#updateProtocol(session, true);
        return identity;
      },
    ).finally(() => this.#initializing = null);
    return this.#initializing.then((identity) => this.#identity = identity);
  }

  /**
   * Opens a transaction.
   *
   * @returns Resolves once the producer is initialized.
   */
  async begin(): Promise<void> {
    this.#checkFatal();
    if (this.#inTransaction) {
      throw new KafkaTransactionError("Cannot begin a transaction as one is already open");
    }
    await this.identity(null);
    if (this.#bumpOnAbort || this.#bumpAfterEnd) await this.#bumpEpoch();
    this.#inTransaction = true;
    this.#abortableError = null;
  }

  /**
   * Whether a partition is part of the open transaction; if not, it is added (batched)
   * and the sender is woken once it is.
   *
   * @param topic The topic.
   * @param partition The partition.
   * @returns True when batches of the partition may be sent.
   */
  partitionReady(topic: string, partition: number): boolean {
    const key = `${partition}:${topic}`;
    if (this.#added.has(key)) return true;
    if (!this.#inTransaction || this.#identity === null) return false;
    if (this.#v2) {
      // Produce v12+ adds it; noted so that the transaction is ended at the coordinator.
      this.#added.add(key);
      return true;
    }
    this.#toAdd.set(key, { topic, partition });
    if (!this.#adding) void this.#addPartitions();
    return false;
  }

  /**
   * The producer failed for good (fenced while producing, for one): every transactional
   * call fails with this error from now on.
   *
   * @param error Why.
   */
  fail(error: Error): void {
    this.#fatal ??= error;
  }

  /**
   * Notes a record that failed inside the open transaction: the transaction can then
   * only be aborted.
   *
   * @param error Why it failed.
   */
  recordFailed(error: Error): void {
    this.#abortOnly(error);
  }

  /** The open transaction can from now on only be aborted, because of `error`. */
  #abortOnly(error: Error): void {
    if (!this.#inTransaction || this.#abortableError !== null) return;
    this.#abortableError = error;
    // The sender fails what it has not sent yet, so the abort does not wait for it.
    this.#options.wakeSender();
  }

  /**
   * Ends the open transaction (after the caller flushed every record of it).
   *
   * @param commit True to commit, false to abort.
   * @returns Resolves once the coordinator ended it.
   */
  async end(commit: boolean): Promise<void> {
    this.#checkFatal();
    if (!this.#inTransaction) {
      throw new KafkaTransactionError(
        `Cannot ${commit ? "commit" : "abort"} as no transaction is open`,
      );
    }
    if (commit && this.#abortableError !== null) {
      throw new KafkaTransactionError(
        `Cannot commit the transaction as a record of it failed or the coordinator made it abort-only (abort it): ${this.#abortableError.message}`,
        { cause: this.#abortableError },
      );
    }
    const identity = this.#identity!;
    let next: ProducerIdentity | null = null;
    if (this.#added.size > 0) {
      const v2 = this.#v2;
      try {
        next = await this.#withCoordinator(
          `${commit ? "commit" : "abort"} the transaction`,
          async (session) => {
            // EndTxn v5 is transactions v2's: the classic protocol stays at v4.
            const agreed = agreedVersion(session, endTxnApi, "end a transaction");
            const version = v2 ? agreed : Math.min(4, agreed);
            const response = await session.connection.request(endTxnApi, version, {
              transactionalId: this.#options.transactionalId,
              producerId: identity.producerId,
              producerEpoch: identity.producerEpoch,
              committed: commit,
            });
            if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
            this.#updateProtocol(session, false);
            // v5 answers with the epoch bumped, or a new producer id once it ran out.
            return response.producerId >= 0n
              ? { producerId: response.producerId, producerEpoch: response.producerEpoch }
              : null;
          },
        );
      } catch (error) {
        // As Java: the transaction can still be aborted, and the producer goes on.
        if (error instanceof KafkaError && error.code === ErrorCode.TRANSACTION_ABORTABLE) {
          this.#abortOnly(error);
        }
        throw error;
      }
    }
    this.#added.clear();
    this.#toAdd.clear();
    this.#inTransaction = false;
    this.#abortableError = null;
    if (next !== null) {
      this.#identity = next;
      this.#bumpOnAbort = false;
      this.#options.onEpochBumped(next);
    }
    if ((!commit && this.#bumpOnAbort) || this.#bumpAfterEnd) await this.#bumpEpoch();
  }

  /**
   * Looks at the coordinator's finalized features again (when they are not older than
   * those seen), as Java's `maybeUpdateTransactionV2Enabled`: moving up to v2 after
   * initialization takes an epoch bump before the next transaction.
   */
  #updateProtocol(session: BrokerSession, initializing: boolean): void {
    const epoch = session.features?.epoch ?? -1n;
    if (epoch < this.#featuresEpoch) return;
    this.#featuresEpoch = epoch;
    const was = this.#v2;
    this.#v2 = transactionV2Allowed(session);
    if (!initializing && !was && this.#v2) this.#bumpAfterEnd = true;
  }

  /** KIP-360: a new epoch for the same producer id; sequences start again from 0. */
  async #bumpEpoch(): Promise<void> {
    const identity = await this.identity(this.#identity);
    this.#bumpOnAbort = false;
    this.#bumpAfterEnd = false;
    this.#options.onEpochBumped(identity);
  }

  async #addPartitions(): Promise<void> {
    this.#adding = true;
    try {
      while (this.#toAdd.size > 0 && this.#fatal === null) {
        const batch = [...this.#toAdd.entries()];
        const topics = new Map<string, number[]>();
        for (const [, { topic, partition }] of batch) {
          let list = topics.get(topic);
          if (list === undefined) topics.set(topic, list = []);
          list.push(partition);
        }
        const identity = this.#identity!;
        const failed = await this.#withCoordinator(
          "add partitions to the transaction",
          async (session) => {
            const response = await session.connection.request(
              addPartitionsToTxnApi,
              Math.min(
                3,
                agreedVersion(session, addPartitionsToTxnApi, "add partitions to a transaction"),
              ),
              {
                transactionalId: this.#options.transactionalId,
                producerId: identity.producerId,
                producerEpoch: identity.producerEpoch,
                topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
              },
            );
            let retry: number | null = null;
            for (const topic of response.resultsByTopic) {
              for (const p of topic.resultsByPartition) {
                const code = p.partitionErrorCode;
                if (code === ErrorCode.NONE) continue;
                // One partition's error is the request's: retriable ones retry it whole.
                if (
                  errorInfo(code).retriable || code === ErrorCode.CONCURRENT_TRANSACTIONS ||
                  code === ErrorCode.OPERATION_NOT_ATTEMPTED
                ) {
                  retry ??= code;
                } else return code;
              }
            }
            return retry ?? true;
          },
        );
        if (failed === true) {
          for (const [key] of batch) {
            this.#toAdd.delete(key);
            this.#added.add(key);
          }
          this.#options.wakeSender();
        }
      }
    } catch (error) {
      this.#abortOnly(error as Error);
    } finally {
      this.#adding = false;
    }
  }

  /**
   * Runs a coordinator request, finding the coordinator first and again when it moved,
   * retrying retriable errors with backoff until `maxBlockMs`. `call` returns a value,
   * or an error code.
   */
  async #withCoordinator<T>(
    what: string,
    call: (session: BrokerSession) => Promise<T | number>,
  ): Promise<T> {
    const clock = this.#options.clock;
    const deadline = clock.now() + this.#options.maxBlockMs;
    let last: unknown = null;
    for (let attempt = 0;; attempt++) {
      this.#checkFatal();
      if (attempt > 0) {
        if (clock.now() + this.#options.retryBackoffMs > deadline) {
          throw new KafkaTimeoutError(
            `Cannot ${what} for transactional id ${this.#options.transactionalId} within maxBlockMs (${this.#options.maxBlockMs} ms): ${
              last instanceof Error ? last.message : String(last)
            }`,
            { cause: last },
          );
        }
        await sleep(clock, this.#options.retryBackoffMs);
      }
      let result: T | number;
      try {
        const session = await this.#coordinatorSession();
        result = await call(session);
      } catch (error) {
        last = error;
        if ((error as { retriable?: unknown }).retriable === true) {
          this.#coordinator = null;
          continue;
        }
        throw error;
      }
      if (typeof result !== "number") return result;
      const error = new KafkaError(result, {
        message: `${what} (transactional id ${this.#options.transactionalId})`,
      });
      last = error;
      if (FATAL.has(result)) {
        this.#fatal = error;
        this.#options.onFatal(error);
        throw error;
      }
      if (COORDINATOR_MOVED.has(result)) this.#coordinator = null;
      if (
        !error.retriable && result !== ErrorCode.CONCURRENT_TRANSACTIONS &&
        !COORDINATOR_MOVED.has(result)
      ) {
        throw error;
      }
    }
  }

  async #coordinatorSession(): Promise<BrokerSession> {
    if (this.#coordinator === null) {
      const session = await this.#pool.any();
      const version = agreedVersion(
        session,
        findCoordinatorApi,
        "find the transaction coordinator",
      );
      const response = await session.connection.request(findCoordinatorApi, version, {
        keyType: CoordinatorType.Transaction,
        coordinatorKeys: [this.#options.transactionalId],
      });
      const found = response.coordinators[0];
      if (found === undefined || found.errorCode !== ErrorCode.NONE) {
        throw new KafkaError(found?.errorCode ?? ErrorCode.COORDINATOR_NOT_AVAILABLE, {
          message: `finding the transaction coordinator: ${found?.errorMessage ?? "no answer"}`,
        });
      }
      this.#pool.learnBroker({ nodeId: found.nodeId, host: found.host, port: found.port });
      this.#coordinator = found.nodeId;
    }
    return await this.#pool.session(this.#coordinator);
  }

  #checkFatal(): void {
    if (this.#fatal !== null) throw this.#fatal;
  }
}
