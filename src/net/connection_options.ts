/**
 * The options of a {@linkcode Connection} and of its requests: defaults and checks.
 *
 * @module
 */

import { globalTimers, type Timers } from "./timers.ts";

/** Options of a {@linkcode Connection}. */
export interface ConnectionOptions {
  /**
   * The broker's address, `host:port`, named in error messages.
   *
   * @default {"unknown"}
   */
  address?: string;
  /**
   * The client id sent in every request header.
   *
   * @default {null}
   */
  clientId?: string | null;
  /**
   * How many requests may await their response (or their write, when no response
   * is expected) at once; further requests wait their turn, in order. Java's
   * `max.in.flight.requests.per.connection`.
   *
   * @default {5}
   */
  maxInFlight?: number;
  /**
   * How long a request may take, from the call to {@linkcode Connection.request}
   * until its response (including time waiting for an in-flight slot and for the
   * socket to drain), unless the request sets its own. Java's `request.timeout.ms`.
   * `Infinity` (or anything above 2^31 - 1, which timers cannot hold) disables it.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * The largest response frame accepted, in bytes; a larger (or negative) size is a
   * protocol error that closes the connection.
   *
   * @default {104857600}
   */
  maxFrameBytes?: number;
  /**
   * Where timers come from.
   *
   * @default {the global setTimeout and clearTimeout}
   */
  timers?: Timers;
  /**
   * The size a request frame (its size prefix included) must stay under, for brokers
   * that close the connection over larger ones rather than answer with an error (Azure
   * Event Hubs). A request that encodes to `bytes` or more fails with a `RangeError`
   * that ends with `why`, and is not sent.
   *
   * @default {undefined}
   */
  requestLimit?: { bytes: number; why: string };
}

/** Options of one request. */
export interface RequestOptions {
  /**
   * Whether the broker answers this request. Produce with `acks=0` is the one request
   * that gets no response: it resolves once written.
   *
   * @default {true}
   */
  expectResponse?: boolean;
  /**
   * This request's timeout in milliseconds, instead of the connection's
   * `requestTimeoutMs`.
   *
   * @default {the connection's requestTimeoutMs}
   */
  timeoutMs?: number;
}

/** {@linkcode ConnectionOptions} with the defaults filled in. */
export interface ResolvedConnectionOptions {
  /** The broker's address, named in error messages. */
  readonly address: string;
  /** The client id sent in every request header. */
  readonly clientId: string | null;
  /** How many requests may be in flight at once. */
  readonly maxInFlight: number;
  /** The default request timeout (ms). */
  readonly requestTimeoutMs: number;
  /** The largest response frame accepted, in bytes. */
  readonly maxFrameBytes: number;
  /** Where timers come from. */
  readonly timers: Timers;
  /** The size a request frame must stay under, and why, if there is such a limit. */
  readonly requestLimit: { bytes: number; why: string } | undefined;
}

const DEFAULT_MAX_IN_FLIGHT = 5;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

/**
 * Fills in the defaults of a connection's options and checks them.
 *
 * @param options The options given.
 * @returns Every option, given or default.
 * @throws {RangeError} For a `maxInFlight` that is not a positive integer, a
 * `requestTimeoutMs` that is not positive, or a `maxFrameBytes` under 4.
 *
 * @example The defaults
 * ```ts
 * import { resolveConnectionOptions } from "./connection_options.ts";
 *
 * const { maxInFlight, requestTimeoutMs } = resolveConnectionOptions({});
 * console.log(maxInFlight, requestTimeoutMs); // 5 30000
 * ```
 */
export function resolveConnectionOptions(options: ConnectionOptions): ResolvedConnectionOptions {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(
      `Cannot create connection as maxInFlight must be a positive integer: current value is ${maxInFlight}`,
    );
  }
  checkTimeout("requestTimeoutMs", requestTimeoutMs);
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 4) {
    throw new RangeError(
      `Cannot create connection as maxFrameBytes must be an integer of at least 4: current value is ${maxFrameBytes}`,
    );
  }
  return {
    address: options.address ?? "unknown",
    clientId: options.clientId ?? null,
    maxInFlight,
    requestTimeoutMs,
    maxFrameBytes,
    timers: options.timers ?? globalTimers,
    requestLimit: options.requestLimit,
  };
}

/**
 * Checks a timeout option.
 *
 * @param name The option's name, for the message.
 * @param ms Its value.
 * @throws {RangeError} Unless `ms` is a positive number (`Infinity` is one).
 *
 * @example A zero timeout
 * ```ts
 * import { checkTimeout } from "./connection_options.ts";
 *
 * try {
 *   checkTimeout("timeoutMs", 0);
 * } catch (error) {
 *   console.log((error as Error).message); // Cannot use timeoutMs as it must be a positive number of milliseconds: current value is 0
 * }
 * ```
 */
export function checkTimeout(name: string, ms: number): void {
  if (!(ms > 0)) {
    throw new RangeError(
      `Cannot use ${name} as it must be a positive number of milliseconds: current value is ${ms}`,
    );
  }
}
