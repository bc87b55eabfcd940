/**
 * ApiVersions: the APIs and versions this broker serves, nothing more. A v3+ request
 * whose client software name or version breaks Kafka's pattern gets INVALID_REQUEST,
 * as from Kafka; a version past the newest is answered by the connection itself (a
 * v0 body with UNSUPPORTED_VERSION, KIP-511).
 *
 * @module
 */

import {
  apiVersionsApi,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
} from "../../protocol/api_versions.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import type { RequestHandler } from "../handler.ts";

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
    return answer(ErrorCode.NONE, ctx.served.map((range) => ({ ...range })));
  },
  errorResponse: (_ctx, _request, code) => answer(code, []),
};

/**
 * The answer to an ApiVersions version this broker does not serve: UNSUPPORTED_VERSION
 * with its ApiVersions range, to be written as a v0 body.
 *
 * @returns The response.
 */
export function unsupportedApiVersions(): ApiVersionsResponse {
  return answer(ErrorCode.UNSUPPORTED_VERSION, [{
    apiKey: apiVersionsApi.key,
    minVersion: apiVersionsHandler.minVersion,
    maxVersion: apiVersionsHandler.maxVersion,
  }]);
}
