/**
 * The table of every Kafka API this client speaks, for version negotiation and
 * for logging what was negotiated.
 *
 * @module
 */

import type { Api } from "./api.ts";
import {
  addPartitionsToTxnApi,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
} from "./add_partitions_to_txn.ts";
import {
  apiVersionsApi,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
} from "./api_versions.ts";
import { endTxnApi, type EndTxnRequest, type EndTxnResponse } from "./end_txn.ts";
import {
  findCoordinatorApi,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from "./find_coordinator.ts";
import {
  initProducerIdApi,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from "./init_producer_id.ts";
import { metadataApi, type MetadataRequest, type MetadataResponse } from "./metadata.ts";
import { produceApi, type ProduceRequest, type ProduceResponse } from "./produce.ts";
import {
  saslAuthenticateApi,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponse,
} from "./sasl_authenticate.ts";
import {
  saslHandshakeApi,
  type SaslHandshakeRequest,
  type SaslHandshakeResponse,
} from "./sasl_handshake.ts";
import type { VersionedApi } from "./versions.ts";

/** The API descriptors by name. */
export interface Apis {
  /** ApiVersions (key 18). */
  readonly apiVersions: Api<ApiVersionsRequest, ApiVersionsResponse>;
  /** Metadata (key 3). */
  readonly metadata: Api<MetadataRequest, MetadataResponse>;
  /** Produce (key 0). */
  readonly produce: Api<ProduceRequest, ProduceResponse>;
  /** InitProducerId (key 22). */
  readonly initProducerId: Api<InitProducerIdRequest, InitProducerIdResponse>;
  /** FindCoordinator (key 10). */
  readonly findCoordinator: Api<FindCoordinatorRequest, FindCoordinatorResponse>;
  /** AddPartitionsToTxn (key 24). */
  readonly addPartitionsToTxn: Api<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>;
  /** EndTxn (key 26). */
  readonly endTxn: Api<EndTxnRequest, EndTxnResponse>;
  /** SaslHandshake (key 17). */
  readonly saslHandshake: Api<SaslHandshakeRequest, SaslHandshakeResponse>;
  /** SaslAuthenticate (key 36). */
  readonly saslAuthenticate: Api<SaslAuthenticateRequest, SaslAuthenticateResponse>;
}

/**
 * Every API descriptor this client has, by name.
 *
 * @example Listing what this client speaks
 * ```ts
 * import { apis } from "@webstream/kafka/protocol";
 *
 * for (const api of Object.values(apis)) {
 *   console.log(`${api.name} v${api.minVersion}-v${api.maxVersion}`);
 * }
 * ```
 */
export const apis: Apis = Object.freeze({
  apiVersions: apiVersionsApi,
  metadata: metadataApi,
  produce: produceApi,
  initProducerId: initProducerIdApi,
  findCoordinator: findCoordinatorApi,
  addPartitionsToTxn: addPartitionsToTxnApi,
  endTxn: endTxnApi,
  saslHandshake: saslHandshakeApi,
  saslAuthenticate: saslAuthenticateApi,
});

/**
 * The API descriptors as a list, in API key order.
 *
 * @example Negotiating every API with a broker
 * ```ts
 * import { apiList, negotiateVersion } from "@webstream/kafka/protocol";
 *
 * const brokerRanges = [{ apiKey: 0, minVersion: 0, maxVersion: 11 }];
 * for (const api of apiList) {
 *   console.log(api.name, negotiateVersion(api, brokerRanges)); // Produce 11, others null
 * }
 * ```
 */
export const apiList: readonly VersionedApi[] = Object.freeze(
  Object.values(apis).sort((a, b) => a.key - b.key),
);
