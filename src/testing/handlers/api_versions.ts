/**
 * ApiVersions: the APIs and versions this broker serves, nothing more. A v3+ request
 * whose client software name or version breaks Kafka's pattern gets INVALID_REQUEST,
 * as from Kafka; a version past the newest is answered by the connection itself (a
 * v0 body with UNSUPPORTED_VERSION, KIP-511).
 *
 * The features (v3+) are a KRaft broker's: `metadata.version` and, on a Kafka 4.3
 * broker, `transaction.version` (finalized at the configured level, left out at 0),
 * with a supported feature whose minimum is 0 left out below v4, as Kafka does
 * (KAFKA-17011).
 *
 * @module
 */

import {
  apiVersionsApi,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
} from "../../protocol/api_versions.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import type { BrokerContext, RequestHandler } from "../handler.ts";

const SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

function answer(errorCode: number, apiKeys: ApiVersionsResponse["apiKeys"]): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/** `metadata.version` levels of Kafka 4.3 (4.3-IV0) and 3.9 (3.9-IV0), the oldest KRaft one first. */
const METADATA_VERSION = { "4.3": { min: 7, level: 30 }, "3.9": { min: 1, level: 21 } } as const;

function withFeatures(ctx: BrokerContext, response: ApiVersionsResponse): ApiVersionsResponse {
  if (ctx.version < 3) return response;
  const kafka = ctx.settings.kafkaVersion;
  const metadata = METADATA_VERSION[kafka];
  response.supportedFeatures.push({
    name: "metadata.version",
    minVersion: metadata.min,
    maxVersion: metadata.level,
  });
  response.finalizedFeatures.push({
    name: "metadata.version",
    maxVersionLevel: metadata.level,
    minVersionLevel: metadata.level,
  });
  if (kafka === "4.3") {
    if (ctx.version >= 4) {
      response.supportedFeatures.push({
        name: "transaction.version",
        minVersion: 0,
        maxVersion: 2,
      });
    }
    const level = ctx.settings.transactionVersion;
    if (level > 0) {
      response.finalizedFeatures.push({
        name: "transaction.version",
        maxVersionLevel: level,
        minVersionLevel: level,
      });
    }
  }
  response.finalizedFeaturesEpoch = ctx.settings.featuresEpoch;
  return response;
}

/** The ApiVersions handler, v0-v4 (Kafka 4.3's range). */
export const apiVersionsHandler: RequestHandler<ApiVersionsRequest, ApiVersionsResponse> = {
  api: apiVersionsApi,
  minVersion: 0,
  maxVersion: 4,
  partitioned: false,
  handle(ctx, request) {
    if (
      ctx.version >= 3 &&
      (!SOFTWARE.test(request.clientSoftwareName ?? "") ||
        !SOFTWARE.test(request.clientSoftwareVersion))
    ) {
      return answer(ErrorCode.INVALID_REQUEST, []);
    }
    return withFeatures(ctx, answer(ErrorCode.NONE, ctx.served.map((range) => ({ ...range }))));
  },
  errorResponse: (_ctx, _request, code) => answer(code, []),
};

/**
 * The answer to an ApiVersions version this broker does not serve: UNSUPPORTED_VERSION
 * with its ApiVersions range, to be written as a v0 body.
 *
 * @param maxVersion The newest ApiVersions version advertised.
 * @returns The response.
 */
export function unsupportedApiVersions(
  maxVersion: number = apiVersionsHandler.maxVersion,
): ApiVersionsResponse {
  return answer(ErrorCode.UNSUPPORTED_VERSION, [{
    apiKey: apiVersionsApi.key,
    minVersion: apiVersionsHandler.minVersion,
    maxVersion,
  }]);
}
