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
