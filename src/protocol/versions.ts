/**
 * API version negotiation. A broker lists, in its ApiVersions response, the range of
 * versions it accepts for every API; this client speaks a range of its own for each
 * API it uses (the `minVersion`/`maxVersion` of its {@link Api} descriptors). Each
 * request is sent at the highest version in both ranges. A broker that cannot take
 * Produce v3 (the first version carrying record batch v2) is refused with a
 * {@link KafkaUnsupportedVersionError}.
 *
 * @module
 */

import { KafkaError, KafkaUnsupportedVersionError } from "../errors.ts";
import type { Api } from "./api.ts";
import { ErrorCode } from "./error_codes.ts";

/** One API as the broker advertises it in its ApiVersions response. */
export interface ApiVersionRange {
  /** The API key. */
  apiKey: number;
  /** The oldest version the broker accepts, inclusive. */
  minVersion: number;
  /** The newest version the broker accepts, inclusive. */
  maxVersion: number;
}

/** The part of an {@link Api} descriptor that negotiation needs. */
export type VersionedApi = Pick<Api<never, unknown>, "key" | "name" | "minVersion" | "maxVersion">;

/** Where a broker is, for error messages. */
export interface BrokerAddress {
  /** The broker's node id; leave it out (or negative) for a bootstrap address. */
  nodeId?: number;
  /** The host name or address. */
  host: string;
  /** The port. */
  port: number;
}

/**
 * Finds the broker's range for an API.
 *
 * @param apiKey The API key.
 * @param brokerRanges The `apiKeys` of the broker's ApiVersions response.
 * @returns The range, or undefined if the broker does not list the API.
 *
 * @example Looking up Produce
 * ```ts
 * import { brokerRange } from "@webstream/kafka/protocol";
 *
 * const ranges = [{ apiKey: 0, minVersion: 3, maxVersion: 12 }];
 * console.log(brokerRange(0, ranges)); // { apiKey: 0, minVersion: 3, maxVersion: 12 }
 * ```
 */
export function brokerRange(
  apiKey: number,
  brokerRanges: readonly ApiVersionRange[],
): ApiVersionRange | undefined {
  for (const range of brokerRanges) if (range.apiKey === apiKey) return range;
  return undefined;
}

/**
 * The highest version of an API that both this client and the broker speak.
 *
 * @param api The client's descriptor for the API (e.g. `produceApi`).
 * @param brokerRanges The `apiKeys` of the broker's ApiVersions response.
 * @returns The version, or null if the ranges do not overlap or the broker does not
 * list the API.
 *
 * @example Negotiating Produce
 * ```ts
 * import { negotiateVersion, produceApi } from "@webstream/kafka/protocol";
 *
 * const ranges = [{ apiKey: 0, minVersion: 0, maxVersion: 9 }];
 * console.log(negotiateVersion(produceApi, ranges)); // 9
 * ```
 */
export function negotiateVersion(
  api: VersionedApi,
  brokerRanges: readonly ApiVersionRange[],
): number | null {
  const range = brokerRange(api.key, brokerRanges);
  if (range === undefined) return null;
  const low = Math.max(api.minVersion, range.minVersion);
  const high = Math.min(api.maxVersion, range.maxVersion);
  return low <= high ? high : null;
}

/**
 * The highest version of an API that both sides speak, or an error naming the broker
 * and both ranges. For Produce the message says the broker lacks Produce v3 (record
 * batch v2), the one requirement this client puts on a broker.
 *
 * @param api The client's descriptor for the API.
 * @param brokerRanges The `apiKeys` of the broker's ApiVersions response.
 * @param broker The broker, for the error message.
 * @returns The negotiated version.
 * @throws {KafkaUnsupportedVersionError} If no version is common to both.
 *
 * @example Refusing a broker without record batch v2
 * ```ts
 * import { produceApi, requireVersion } from "@webstream/kafka/protocol";
 *
 * const ranges = [{ apiKey: 0, minVersion: 0, maxVersion: 2 }];
 * try {
 *   requireVersion(produceApi, ranges, { nodeId: 1, host: "localhost", port: 9092 });
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // Cannot produce to broker 1 at localhost:9092 as it does not support Produce v3 or
 *   // later (record batch v2): it supports v0-v2
 * }
 * ```
 */
export function requireVersion(
  api: VersionedApi,
  brokerRanges: readonly ApiVersionRange[],
  broker: BrokerAddress,
): number {
  const version = negotiateVersion(api, brokerRanges);
  if (version === null) {
    throw new KafkaUnsupportedVersionError({
      api,
      brokerRange: brokerRange(api.key, brokerRanges),
      broker,
    });
  }
  return version;
}

/**
 * Checks that a version is one an API descriptor speaks, before encoding or decoding
 * at it. A version outside the range is a bug in the caller (negotiation picks only
 * versions in range), so it is a `RangeError`.
 *
 * @param api The API descriptor.
 * @param version The version about to be used.
 * @param action What is being done, e.g. `"encode"` or `"decode"`.
 * @throws {RangeError} If the version is not an integer in `[api.minVersion, api.maxVersion]`.
 *
 * @example Guarding an encoder
 * ```ts
 * import { assertVersion, produceApi } from "@webstream/kafka/protocol";
 *
 * assertVersion(produceApi, 9, "encode"); // fine
 * try {
 *   assertVersion(produceApi, 2, "encode");
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // Cannot encode Produce v2 as this client speaks v3-v13
 * }
 * ```
 */
export function assertVersion(api: VersionedApi, version: number, action: string): void {
  if (!Number.isInteger(version) || version < api.minVersion || version > api.maxVersion) {
    throw new RangeError(
      `Cannot ${action} ${api.name} v${version} as this client speaks v${api.minVersion}-v${api.maxVersion}`,
    );
  }
}

/**
 * The version agreed with a broker for an API, or a client-side UNSUPPORTED_VERSION
 * error naming the broker and what could not be done.
 *
 * @param session The broker's address and its agreed versions per API key.
 * @param api The API.
 * @param action What the request is for, e.g. "get metadata".
 * @returns The version to send at.
 * @throws {KafkaError} UNSUPPORTED_VERSION when the broker offers no version this client speaks.
 *
 * @example Looking up the agreed Produce version
 * ```ts
 * import { agreedVersion, produceApi } from "@webstream/kafka/protocol";
 *
 * const session = { address: "127.0.0.1:9092", versions: new Map([[0, 11]]) };
 * console.log(agreedVersion(session, produceApi, "send records")); // 11
 * ```
 */
export function agreedVersion(
  session: { readonly address: string; readonly versions: ReadonlyMap<number, number> },
  api: Pick<Api<never, unknown>, "key" | "name">,
  action: string,
): number {
  const version = session.versions.get(api.key);
  if (version !== undefined) return version;
  throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, {
    message:
      `Cannot ${action} as the broker at ${session.address} has no ${api.name} version this client speaks`,
    byClient: true,
  });
}
