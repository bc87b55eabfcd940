/**
 * Which transaction protocol a transactional producer speaks with its coordinator:
 * transactions v2 (KIP-890 part 2) when the cluster finalized the
 * `transaction.version` feature at 2 or more and the broker takes Produce v12 and
 * EndTxn v5, the classic protocol (AddPartitionsToTxn, EndTxn up to v4, Produce up
 * to v11) otherwise: Kafka 3.9, a 4.x cluster with the feature at 1 or 0, brokers
 * that do not report it.
 *
 * @module
 */

import { ApiKey } from "../protocol/api.ts";
import type { FinalizedFeatures } from "../net/broker_pool.ts";

/** The feature that turns transactions v2 on (Kafka's `TransactionVersion.FEATURE_NAME`). */
export const TRANSACTION_VERSION_FEATURE = "transaction.version";

/** The first Produce version that adds its partition to the transaction itself. */
export const PRODUCE_TRANSACTION_V2_VERSION = 12;

/** The first EndTxn version that bumps the epoch and returns the producer id and epoch. */
export const END_TXN_TRANSACTION_V2_VERSION = 5;

/**
 * Whether a broker session allows transactions v2.
 *
 * @param session The versions agreed with the broker and the features it reported.
 * @returns True for transactions v2, false for the classic protocol.
 *
 * @example A Kafka 4.x broker with `transaction.version` 2
 * ```ts
 * import { transactionV2Allowed } from "./transaction_protocol.ts";
 *
 * const versions = new Map([[0, 13], [26, 5]]);
 * const features = { epoch: 7n, levels: new Map([["transaction.version", 2]]) };
 * console.log(transactionV2Allowed({ versions, features })); // true
 * console.log(transactionV2Allowed({ versions })); // false
 * ```
 */
export function transactionV2Allowed(session: {
  readonly versions: ReadonlyMap<number, number>;
  readonly features?: FinalizedFeatures;
}): boolean {
  const level = session.features?.levels.get(TRANSACTION_VERSION_FEATURE) ?? 0;
  return level >= 2 &&
    (session.versions.get(ApiKey.Produce) ?? -1) >= PRODUCE_TRANSACTION_V2_VERSION &&
    (session.versions.get(ApiKey.EndTxn) ?? -1) >= END_TXN_TRANSACTION_V2_VERSION;
}
