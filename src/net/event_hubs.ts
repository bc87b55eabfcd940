/**
 * Azure Event Hubs' Kafka endpoint and the limits it does not report as Kafka errors:
 * it closes the connection over a request of 1,046,528 bytes or more, takes only gzip
 * (or no) compression, and its load balancer drops connections idle for 240 s. An
 * Event Hubs namespace is known by its host name (`<namespace>.servicebus.windows.net`
 * and the sovereign clouds' equivalents), so the producer can check what it knows
 * before the service closes a connection over it.
 *
 * @module
 */

/** Event Hubs closes the connection over a request frame of this many bytes or more. */
export const EVENT_HUBS_MAX_REQUEST_BYTES = 1_046_528;
/** The `maxRequestBytes` used for Event Hubs unless one is given (Microsoft's advice). */
export const EVENT_HUBS_DEFAULT_MAX_REQUEST_BYTES = 1_000_000;
/** The `metadataMaxAgeMs` used for Event Hubs unless one is given: under the 240 s idle cut. */
export const EVENT_HUBS_DEFAULT_METADATA_MAX_AGE_MS = 180_000;
/** The compression types Event Hubs accepts. */
export const EVENT_HUBS_COMPRESSION: readonly string[] = Object.freeze(["none", "gzip"]);

const HOST = /\.servicebus\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net|cloudapi\.de)$/i;

/**
 * Whether a host is an Azure Event Hubs namespace.
 *
 * @param host The host name.
 * @returns True for `*.servicebus.windows.net` and the sovereign clouds' domains.
 *
 * @example
 * ```ts
 * import { isEventHubsHost } from "./event_hubs.ts";
 *
 * console.log(isEventHubsHost("orders.servicebus.windows.net")); // true
 * console.log(isEventHubsHost("broker-1.kafka.internal")); // false
 * ```
 */
export function isEventHubsHost(host: string): boolean {
  return HOST.test(host.replace(/\.$/, ""));
}

/**
 * The request limit a connection to `host` must keep, if it is Event Hubs.
 *
 * @param host The broker's host name.
 * @returns The limit and the reason, for {@linkcode ConnectionOptions.requestLimit}.
 *
 * @example
 * ```ts
 * import { eventHubsRequestLimit } from "./event_hubs.ts";
 *
 * console.log(eventHubsRequestLimit("orders.servicebus.windows.net")?.bytes); // 1046528
 * ```
 */
export function eventHubsRequestLimit(
  host: string,
): { bytes: number; why: string } | undefined {
  if (!isEventHubsHost(host)) return undefined;
  return {
    bytes: EVENT_HUBS_MAX_REQUEST_BYTES,
    why:
      `Azure Event Hubs closes the connection over requests of ${EVENT_HUBS_MAX_REQUEST_BYTES} bytes or more: lower batchBytes, or send smaller records`,
  };
}

/** The producer options Event Hubs constrains, after defaults. */
export interface EventHubsLimitedOptions {
  /** The bootstrap addresses. */
  bootstrap: readonly { host: string; port: number }[];
  /** The compression type. */
  compression: string;
  /** The largest Produce request, in bytes of record batches. */
  maxRequestBytes: number;
  /** The largest batch. */
  batchBytes: number;
  /** How often metadata is refreshed. */
  metadataMaxAgeMs: number;
}

/**
 * Fits resolved producer options to Event Hubs when the bootstrap is an Event Hubs
 * namespace: `maxRequestBytes` and `metadataMaxAgeMs` that were not given take
 * Microsoft's advice (1,000,000 bytes; 180,000 ms, which also keeps a connection from
 * idling into the 240 s cut); a compression, request size or batch size Event Hubs
 * refuses fails now, saying so.
 *
 * @param resolved The options after defaults; changed in place.
 * @param given Which of them the user set.
 * @throws {RangeError} For a compression other than none or gzip, or a
 * `maxRequestBytes` or `batchBytes` of 1,046,528 bytes or more.
 *
 * @example Defaults fitted to Event Hubs
 * ```ts
 * import { fitToEventHubs } from "./event_hubs.ts";
 *
 * const options = {
 *   bootstrap: [{ host: "orders.servicebus.windows.net", port: 9093 }],
 *   compression: "gzip",
 *   maxRequestBytes: 1_048_576,
 *   batchBytes: 262_144,
 *   metadataMaxAgeMs: 300_000,
 * };
 * fitToEventHubs(options, {});
 * console.log(options.maxRequestBytes, options.metadataMaxAgeMs); // 1000000 180000
 * ```
 */
export function fitToEventHubs(
  resolved: EventHubsLimitedOptions,
  given: { maxRequestBytes?: unknown; metadataMaxAgeMs?: unknown },
): void {
  const host = resolved.bootstrap.find((b) => isEventHubsHost(b.host))?.host;
  if (host === undefined) return;
  const what = `Cannot create producer for Azure Event Hubs (${host})`;
  if (!EVENT_HUBS_COMPRESSION.includes(resolved.compression)) {
    throw new RangeError(
      `${what} as it accepts only compression "none" or "gzip": current value is "${resolved.compression}"`,
    );
  }
  if (given.maxRequestBytes === undefined) {
    resolved.maxRequestBytes = EVENT_HUBS_DEFAULT_MAX_REQUEST_BYTES;
  }
  for (const name of ["maxRequestBytes", "batchBytes"] as const) {
    if (resolved[name] >= EVENT_HUBS_MAX_REQUEST_BYTES) {
      throw new RangeError(
        `${what} as it closes the connection over requests of ${EVENT_HUBS_MAX_REQUEST_BYTES} bytes or more, so ${name} must be less (${EVENT_HUBS_DEFAULT_MAX_REQUEST_BYTES} is advised): current value is ${
          resolved[name]
        }`,
      );
    }
  }
  if (given.metadataMaxAgeMs === undefined) {
    resolved.metadataMaxAgeMs = Math.min(
      resolved.metadataMaxAgeMs,
      EVENT_HUBS_DEFAULT_METADATA_MAX_AGE_MS,
    );
  }
}
