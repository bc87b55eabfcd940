/**
 * What a failed Produce attempt leads to, as the Java producer decides it: a retry, a
 * retry after an epoch bump, a split of a batch too large, the end of the producer
 * (fenced, not authorized), or the batch's failure. Pure, so every rule is tested
 * directly.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";

/** Errors after which the partition's leader may have moved (Java's InvalidMetadataException). */
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

/** Errors that end an idempotent producer: another producer took its id, or it may not write. */
const FATAL_ERRORS = new Set<number>([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
]);

/**
 * Whether a partition's error code means its leader may have moved, so metadata is
 * refreshed.
 *
 * @param code Kafka's error code.
 * @returns True for the metadata errors.
 */
export function movesLeader(code: number): boolean {
  return METADATA_ERRORS.has(code);
}

/** What to do with a batch whose attempt failed. */
export interface FailureVerdict {
  /**
   * `fatal`: fail it and the producer; `split`: split it in two and retry the halves;
   * `retry`: send it again (within its delivery timeout); `fail`: fail it.
   */
  readonly action: "fatal" | "split" | "retry" | "fail";
  /** Whether the sequence space is broken, so the epoch must be bumped first. */
  readonly bump: boolean;
}

/**
 * Judges a failed attempt.
 *
 * @param error Why it failed: a broker's {@link KafkaError}, or a network error.
 * @param count The batch's records (a single record too large is not split).
 * @param idempotent Whether the producer has an idempotent identity.
 * @param oldest Whether the batch is its partition's oldest still owed an answer.
 * @returns The verdict.
 */
export function judgeFailure(
  error: Error,
  count: number,
  idempotent: boolean,
  oldest: boolean,
): FailureVerdict {
  // Any other error counts as UNKNOWN_SERVER_ERROR, as Java's Errors.forException has it.
  const code = error instanceof KafkaError ? error.code : ErrorCode.UNKNOWN_SERVER_ERROR;
  if (idempotent && FATAL_ERRORS.has(code)) return { action: "fatal", bump: false };
  if (
    idempotent &&
    (code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code === ErrorCode.UNKNOWN_PRODUCER_ID)
  ) {
    // Out of order behind an earlier failed batch: sent again after it. The oldest
    // batch itself out of order, or the broker no longer knowing us: a new epoch.
    return { action: "retry", bump: oldest || code === ErrorCode.UNKNOWN_PRODUCER_ID };
  }
  if (
    (code === ErrorCode.MESSAGE_TOO_LARGE || code === ErrorCode.RECORD_LIST_TOO_LARGE) &&
    count > 1
  ) {
    return { action: "split", bump: false };
  }
  const retriable = (error as { retriable?: unknown }).retriable === true;
  return { action: retriable ? "retry" : "fail", bump: false };
}
