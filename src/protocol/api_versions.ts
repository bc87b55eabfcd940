/**
 * ApiVersions (key 18): the first request on every connection; the broker answers
 * with the version range it accepts for each API. The response header is always v0
 * (never flexible), and a broker that does not speak the version asked answers
 * UNSUPPORTED_VERSION with a v0 body listing its ranges, ApiVersions' own included
 * (KIP-511, Kafka 2.4+), so the client can retry at a version the broker takes.
 * Not every peer follows that: librdkafka 2.0.2's mock cluster answers v3 with
 * UNSUPPORTED_VERSION in neither shape, which decodes to the bare error code, so the
 * client retries at v0.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { ApiKey, type ServerApi } from "./api.ts";
import { ErrorCode } from "./error_codes.ts";
import { Reader } from "./reader.ts";
import { type ApiVersionRange, assertVersion } from "./versions.ts";
import { Writer } from "./writer.ts";

/** The client software name this library sends in ApiVersions v3+. */
export const CLIENT_SOFTWARE_NAME = "webstream-kafka";

/** An ApiVersions request. Versions 0-2 have an empty body. */
export interface ApiVersionsRequest {
  /**
   * The client's name (v3+). Brokers reject names that do not match
   * `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?` with INVALID_REQUEST.
   *
   * @default {"webstream-kafka"}
   */
  clientSoftwareName?: string;
  /** The client's version (v3+), same pattern as the name. */
  clientSoftwareVersion: string;
  /**
   * The cluster id the client expects (v5+, KIP-1242); the broker answers
   * REBOOTSTRAP_REQUIRED if it belongs to another cluster. Send it together with
   * `nodeId`, or neither.
   *
   * @default {null}
   */
  clusterId?: string | null;
  /**
   * The node id the client expects (v5+).
   *
   * @default {-1}
   */
  nodeId?: number;
}

/** A feature the broker supports (tagged field 0, v3+). */
export interface SupportedFeatureKey {
  /** The feature name, e.g. `"transaction.version"`. */
  name: string;
  /** The oldest supported level. */
  minVersion: number;
  /** The newest supported level. */
  maxVersion: number;
}

/** A feature level finalized cluster-wide (tagged field 2, v3+). */
export interface FinalizedFeatureKey {
  /** The feature name, e.g. `"transaction.version"`. */
  name: string;
  /** The finalized maximum level. */
  maxVersionLevel: number;
  /** The finalized minimum level. */
  minVersionLevel: number;
}

/** An ApiVersions response. Fields a version lacks hold Kafka's defaults. */
export interface ApiVersionsResponse {
  /** The top-level error code (UNSUPPORTED_VERSION when the version asked is too new). */
  errorCode: number;
  /** The APIs the broker accepts and their version ranges. */
  apiKeys: ApiVersionRange[];
  /** Throttle time (v1+); 0 before. */
  throttleTimeMs: number;
  /** Features the broker supports (v3+, tag 0); empty when absent. */
  supportedFeatures: SupportedFeatureKey[];
  /** The epoch of the finalized features (v3+, tag 1); -1 when absent or unknown. */
  finalizedFeaturesEpoch: bigint;
  /** Cluster-wide finalized features (v3+, tag 2); empty when absent. */
  finalizedFeatures: FinalizedFeatureKey[];
  /** Set by a KRaft controller ready for ZooKeeper migration (v3+, tag 3); false when absent. */
  zkMigrationReady: boolean;
}

/*
 * ApiVersionsRequest, validVersions 0-5, flexibleVersions 3+ (Kafka 4.4; 0-4 up to 4.3):
 *   ClientSoftwareName     string        3+
 *   ClientSoftwareVersion  string        3+
 *   ClusterId              string        5+  nullable  (KIP-1242)
 *   NodeId                 int32         5+  default -1
 *
 * ApiVersionsResponse, validVersions 0-5, flexibleVersions 3+ (header always v0):
 *   ErrorCode              int16         0+
 *   ApiKeys                []ApiVersion  0+
 *     ApiKey               int16         0+
 *     MinVersion           int16         0+
 *     MaxVersion           int16         0+
 *   ThrottleTimeMs         int32         1+
 *   SupportedFeatures      []            3+  tag 0  { Name string, MinVersion int16, MaxVersion int16 }
 *   FinalizedFeaturesEpoch int64         3+  tag 1  default -1
 *   FinalizedFeatures      []            3+  tag 2  { Name string, MaxVersionLevel int16, MinVersionLevel int16 }
 *   ZkMigrationReady       bool          3+  tag 3  default false
 */

const FLEXIBLE = 3;

function encodeApiVersions(w: Writer, version: number, request: ApiVersionsRequest): void {
  assertVersion(apiVersionsApi, version, "encode");
  if (version < FLEXIBLE) return;
  w.compactString(request.clientSoftwareName ?? CLIENT_SOFTWARE_NAME);
  w.compactString(request.clientSoftwareVersion);
  if (version >= 5) {
    w.compactString(request.clusterId ?? null);
    w.int32(request.nodeId ?? -1);
  }
  w.tags();
}

function readRange(r: Reader, flexible: boolean): ApiVersionRange {
  const range = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
  if (flexible) r.skipTags();
  return range;
}

function readSupportedFeature(r: Reader): SupportedFeatureKey {
  const feature = {
    name: r.requiredCompactString("feature name"),
    minVersion: r.int16(),
    maxVersion: r.int16(),
  };
  r.skipTags();
  return feature;
}

function readFinalizedFeature(r: Reader): FinalizedFeatureKey {
  const feature = {
    name: r.requiredCompactString("feature name"),
    maxVersionLevel: r.int16(),
    minVersionLevel: r.int16(),
  };
  r.skipTags();
  return feature;
}

/** Decodes a whole body at one version; throws if anything is left over. */
function decodeAt(body: Uint8Array, version: number): ApiVersionsResponse {
  const r = new Reader(body);
  const flexible = version >= FLEXIBLE;
  const response: ApiVersionsResponse = {
    errorCode: r.int16(),
    apiKeys: flexible
      ? r.requiredCompactArray((r) => readRange(r, true))
      : r.requiredArray((r) => readRange(r, false)),
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  if (flexible) {
    for (const field of r.tags()) {
      const t = new Reader(field.data);
      switch (field.tag) {
        case 0:
          response.supportedFeatures = t.requiredCompactArray(readSupportedFeature);
          break;
        case 1:
          response.finalizedFeaturesEpoch = t.int64();
          break;
        case 2:
          response.finalizedFeatures = t.requiredCompactArray(readFinalizedFeature);
          break;
        case 3:
          response.zkMigrationReady = t.boolean();
          break;
        default:
          continue; // an unknown tag: skipped, as the protocol requires
      }
      t.end(`ApiVersions response tagged field ${field.tag}`);
    }
  }
  r.end(`ApiVersions response v${version}`);
  return response;
}

/**
 * Reads only the error code of an ApiVersions response body: the one field every
 * version starts with, readable even when the rest is short or not in the format of
 * the version asked.
 *
 * @param body The response body (after the v0 response header).
 * @returns The error code.
 * @throws {KafkaProtocolError} If the body is shorter than two bytes.
 *
 * @example Checking for UNSUPPORTED_VERSION
 * ```ts
 * import { decodeApiVersionsErrorCode } from "@webstream/kafka/protocol";
 *
 * console.log(decodeApiVersionsErrorCode(new Uint8Array([0, 35, 0, 0, 0, 0]))); // 35
 * ```
 */
export function decodeApiVersionsErrorCode(body: Uint8Array): number {
  return new Reader(body).int16();
}

function decodeApiVersions(r: Reader, version: number): ApiVersionsResponse {
  assertVersion(apiVersionsApi, version, "decode");
  // The whole rest of the frame is this body: take it, so it can be read twice.
  const body = r.raw(r.remaining, "ApiVersions response");
  const errorCode = decodeApiVersionsErrorCode(body);
  if (errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
    // The broker answers a too-new version with a v0 body (Java's client does the same).
    try {
      return decodeAt(body, 0);
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
    }
  }
  try {
    return decodeAt(body, version);
  } catch (error) {
    if (!(error instanceof KafkaProtocolError) || errorCode === ErrorCode.NONE) throw error;
    // An error answer in no known shape: the error code is all that can be trusted.
    return {
      errorCode,
      apiKeys: [],
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  }
}

function decodeApiVersionsRequest(r: Reader, version: number): ApiVersionsRequest {
  assertVersion(apiVersionsApi, version, "decode");
  if (version < FLEXIBLE) return { clientSoftwareName: "", clientSoftwareVersion: "" };
  const request: ApiVersionsRequest = {
    clientSoftwareName: r.requiredCompactString("client software name"),
    clientSoftwareVersion: r.requiredCompactString("client software version"),
  };
  if (version >= 5) {
    request.clusterId = r.compactString();
    request.nodeId = r.int32();
  }
  r.skipTags();
  return request;
}

function writeFeatureTags(w: Writer, response: ApiVersionsResponse): void {
  // Java writes a tagged field only when it differs from its default.
  const fields = [];
  if (response.supportedFeatures.length > 0) {
    const t = new Writer();
    t.compactArray(response.supportedFeatures, (t, feature) => {
      t.compactString(feature.name).int16(feature.minVersion).int16(feature.maxVersion).tags();
    });
    fields.push({ tag: 0, data: t.bytes() });
  }
  if (response.finalizedFeaturesEpoch !== -1n) {
    fields.push({ tag: 1, data: new Writer(8).int64(response.finalizedFeaturesEpoch).bytes() });
  }
  if (response.finalizedFeatures.length > 0) {
    const t = new Writer();
    t.compactArray(response.finalizedFeatures, (t, feature) => {
      t.compactString(feature.name).int16(feature.maxVersionLevel).int16(feature.minVersionLevel)
        .tags();
    });
    fields.push({ tag: 2, data: t.bytes() });
  }
  if (response.zkMigrationReady) fields.push({ tag: 3, data: new Uint8Array([1]) });
  w.tags(fields);
}

function encodeApiVersionsResponse(
  w: Writer,
  version: number,
  response: ApiVersionsResponse,
): void {
  assertVersion(apiVersionsApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  w.int16(response.errorCode);
  const writeRange = (w: Writer, range: ApiVersionRange): void => {
    w.int16(range.apiKey).int16(range.minVersion).int16(range.maxVersion);
    if (flexible) w.tags();
  };
  if (flexible) w.compactArray(response.apiKeys, writeRange);
  else w.array(response.apiKeys, writeRange);
  if (version >= 1) w.int32(response.throttleTimeMs);
  if (flexible) writeFeatureTags(w, response);
}

/**
 * The ApiVersions version to retry with after an UNSUPPORTED_VERSION answer: the
 * newest the broker lists for ApiVersions itself (KIP-511), capped at what this
 * client speaks, or 0 when the broker does not list it (brokers before Kafka 2.4).
 *
 * @param response The UNSUPPORTED_VERSION response.
 * @param clientMaxVersion The newest ApiVersions version this client speaks.
 * @returns The version to retry with.
 *
 * @example Falling back
 * ```ts
 * import { apiVersionsFallbackVersion, ErrorCode } from "@webstream/kafka/protocol";
 *
 * const response = {
 *   errorCode: ErrorCode.UNSUPPORTED_VERSION,
 *   apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }],
 *   throttleTimeMs: 0,
 *   supportedFeatures: [],
 *   finalizedFeaturesEpoch: -1n,
 *   finalizedFeatures: [],
 *   zkMigrationReady: false,
 * };
 * console.log(apiVersionsFallbackVersion(response)); // 2
 * ```
 */
export function apiVersionsFallbackVersion(
  response: ApiVersionsResponse,
  clientMaxVersion: number = apiVersionsApi.maxVersion,
): number {
  for (const range of response.apiKeys) {
    if (range.apiKey === ApiKey.ApiVersions) {
      return Math.max(0, Math.min(range.maxVersion, clientMaxVersion));
    }
  }
  return 0;
}

/**
 * The ApiVersions API, v0-v5, flexible from v3. Decoding takes the rest of the
 * reader's input as the body; on UNSUPPORTED_VERSION it reads the v0 body the broker
 * sends whatever the version asked, and if an error answer fits no known shape it
 * returns just the error code (empty `apiKeys`). The broker's side reads v0-v2
 * requests as empty (name and version ""), and writes a feature tag only when it
 * differs from its default, as Kafka does.
 *
 * @example Encoding a v3 request
 * ```ts
 * import { apiVersionsApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * apiVersionsApi.encode(w, 3, { clientSoftwareVersion: "0.1.0" });
 * console.log(w.length); // 23
 * ```
 */
export const apiVersionsApi: ServerApi<ApiVersionsRequest, ApiVersionsResponse> = {
  key: ApiKey.ApiVersions,
  name: "ApiVersions",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: FLEXIBLE,
  encode: encodeApiVersions,
  decode: decodeApiVersions,
  decodeRequest: decodeApiVersionsRequest,
  encodeResponse: encodeApiVersionsResponse,
};
