/**
 * ApiVersions on a new connection: v3 first, then the version the broker lists
 * (or v0) on UNSUPPORTED_VERSION, and per API the highest version both sides speak.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import {
  apiVersionsApi,
  apiVersionsFallbackVersion,
  type ApiVersionsResponse,
} from "../protocol/api_versions.ts";
import { apiList } from "../protocol/apis.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { negotiateVersion, requireVersion } from "../protocol/versions.ts";
import { produceApi } from "../protocol/produce.ts";
import type { Connection } from "./connection.ts";

/** The ApiVersions version asked first. */
const FIRST_API_VERSIONS_VERSION = 3;

/**
 * This package's version, sent in ApiVersions v3+ (and MSK IAM's user agent).
 *
 * @example Reading the version sent
 * ```ts
 * import { CLIENT_VERSION } from "./negotiate_versions.ts";
 *
 * console.log(CLIENT_VERSION); // "0.1.0"
 * ```
 */
export const CLIENT_VERSION = "0.1.0";

/** Finalized feature levels, as one broker's ApiVersions response reported them. */
export interface FinalizedFeatures {
  /** Their epoch (-1 unknown): a newer report has a larger one. */
  readonly epoch: bigint;
  /** The finalized maximum level per feature name. */
  readonly levels: ReadonlyMap<string, number>;
}

/**
 * Asks a new connection's broker which API versions it supports (ApiVersions v3,
 * again at the version it lists, or v0, on UNSUPPORTED_VERSION) and picks, per API,
 * the highest version both sides speak.
 *
 * @param connection The connection, before any other request.
 * @param broker The broker, for error messages.
 * @returns The version to use per API key, and the finalized features reported.
 * @throws {KafkaError} When ApiVersions fails, or the broker cannot take Produce v3.
 *
 * @example Negotiating with a test broker
 * ```ts
 * import { startTestBroker } from "@webstream/kafka/testing";
 * import { ApiKey } from "../protocol/api.ts";
 * import { connectBroker } from "./connect_broker.ts";
 * import { negotiateVersions } from "./negotiate_versions.ts";
 *
 * await using broker = await startTestBroker();
 * const [host, port] = broker.bootstrap[0]!.split(":");
 * const connection = await connectBroker({
 *   host: host!,
 *   port: Number(port),
 *   clientId: "example",
 *   connectTimeoutMs: 5_000,
 *   requestTimeoutMs: 5_000,
 *   maxInFlight: 1,
 * });
 * const { versions } = await negotiateVersions(connection, {
 *   host: host!,
 *   port: Number(port),
 *   nodeId: -1,
 * });
 * connection.close();
 * console.log(versions.has(ApiKey.Produce)); // true
 * ```
 */
export async function negotiateVersions(
  connection: Connection,
  broker: { host: string; port: number; nodeId: number },
): Promise<{ versions: Map<number, number>; features: FinalizedFeatures }> {
  const request = { clientSoftwareVersion: CLIENT_VERSION };
  let response: ApiVersionsResponse = await connection.request(
    apiVersionsApi,
    FIRST_API_VERSIONS_VERSION,
    request,
  );
  if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    const version = Math.min(
      apiVersionsFallbackVersion(response),
      FIRST_API_VERSIONS_VERSION - 1,
    );
    response = await connection.request(apiVersionsApi, version, request);
  }
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaError(response.errorCode, {
      message: `ApiVersions request to broker at ${connection.address}`,
    });
  }
  const versions = new Map<number, number>();
  for (const api of apiList) {
    const version = negotiateVersion(api, response.apiKeys);
    if (version !== null) versions.set(api.key, version);
  }
  // A broker that cannot take record batch v2 is refused here, with a clear error.
  versions.set(ApiKey.Produce, requireVersion(produceApi, response.apiKeys, broker));
  const levels = new Map<string, number>();
  for (const f of response.finalizedFeatures) levels.set(f.name, f.maxVersionLevel);
  return { versions, features: { epoch: response.finalizedFeaturesEpoch, levels } };
}
