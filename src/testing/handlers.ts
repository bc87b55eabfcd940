/**
 * The request handlers of the test broker, one per API it serves, and the ranges it
 * advertises in ApiVersions: exactly these APIs at exactly these versions.
 *
 * @module
 */

import type { ApiVersionRange } from "../protocol/versions.ts";
import type { AnyRequestHandler } from "./handler.ts";
import { addPartitionsToTxnHandler } from "./handlers/add_partitions_to_txn.ts";
import { apiVersionsHandler } from "./handlers/api_versions.ts";
import { endTxnHandler } from "./handlers/end_txn.ts";
import { fetchHandler } from "./handlers/fetch.ts";
import { findCoordinatorHandler } from "./handlers/find_coordinator.ts";
import { initProducerIdHandler } from "./handlers/init_producer_id.ts";
import { listOffsetsHandler } from "./handlers/list_offsets.ts";
import { metadataHandler } from "./handlers/metadata.ts";
import { offsetForLeaderEpochHandler } from "./handlers/offset_for_leader_epoch.ts";
import { produceHandler } from "./handlers/produce.ts";
import { saslAuthenticateHandler } from "./handlers/sasl_authenticate.ts";
import { saslHandshakeHandler } from "./handlers/sasl_handshake.ts";

/** The handlers, by API key. */
export const handlers: ReadonlyMap<number, AnyRequestHandler> = new Map(
  [
    produceHandler,
    fetchHandler,
    listOffsetsHandler,
    metadataHandler,
    findCoordinatorHandler,
    saslHandshakeHandler,
    apiVersionsHandler,
    initProducerIdHandler,
    offsetForLeaderEpochHandler,
    addPartitionsToTxnHandler,
    endTxnHandler,
    saslAuthenticateHandler,
  ].map((h) => [h.api.key, h as AnyRequestHandler]),
);

/** Kafka 3.9's newest versions where they are older than this broker's (from a 3.9.2 broker). */
const KAFKA_39_MAX_VERSIONS: ReadonlyMap<number, number> = new Map([
  [0, 11], // Produce
  [1, 17], // Fetch
  [2, 9], // ListOffsets
  [3, 12], // Metadata
  [26, 4], // EndTxn
]);

/**
 * What a broker of one Kafka version advertises (and serves), in API key order.
 *
 * @param kafkaVersion "4.3" for every version this broker serves, "3.9" for Kafka 3.9's.
 * @returns The ranges.
 *
 * @example Kafka 3.9 takes Produce up to v11
 * ```ts
 * import { servedApisOf } from "./handlers.ts";
 *
 * console.log(servedApisOf("3.9").find((r) => r.apiKey === 0)); // { apiKey: 0, minVersion: 3, maxVersion: 11 }
 * ```
 */
export function servedApisOf(kafkaVersion: "4.3" | "3.9"): readonly ApiVersionRange[] {
  if (kafkaVersion === "4.3") return servedApis;
  return Object.freeze(servedApis.map((range) => ({
    ...range,
    maxVersion: Math.min(range.maxVersion, KAFKA_39_MAX_VERSIONS.get(range.apiKey) ?? Infinity),
  })));
}

/**
 * What ApiVersions advertises, in API key order.
 *
 * @example Fetch's versions
 * ```ts
 * import { servedApis } from "./handlers.ts";
 *
 * console.log(servedApis.find((r) => r.apiKey === 1)); // { apiKey: 1, minVersion: 4, maxVersion: 18 }
 * ```
 */
export const servedApis: readonly ApiVersionRange[] = Object.freeze(
  [...handlers.values()]
    .map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion }))
    .sort((a, b) => a.apiKey - b.apiKey),
);
