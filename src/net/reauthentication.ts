/**
 * KIP-368 re-authentication in place: a broker with `connections.max.reauth.ms` (or a
 * token that expires) grants each SASL session a lifetime, and closes a connection
 * whose session ended on its next request other than SaslHandshake. Before then, the
 * connection authenticates again on itself: requests already sent are answered first,
 * new ones wait while the SaslHandshake and SaslAuthenticate round trips run (see
 * {@linkcode Connection.exclusive}), so nothing is lost and nothing reconnects.
 *
 * @module
 */

import type { Connection } from "./connection.ts";
import type { Timers } from "./timers.ts";
import { authenticate, type SaslOptions } from "./sasl.ts";

/** Options of {@linkcode keepAuthenticated}. */
export interface KeepAuthenticatedOptions {
  /** The versions negotiated with the broker. */
  versions: ReadonlyMap<number, number>;
  /** The SASL mechanism and credentials (or token provider). */
  sasl: SaslOptions;
  /** Where timers come from. */
  timers: Timers;
  /**
   * A number in [0, 1), for the spread of re-authentication times.
   *
   * @default {Math.random}
   */
  random?: () => number;
  /**
   * The clock, for token expiry.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Called after each re-authentication, with the new session's lifetime.
   *
   * @default {undefined}
   */
  onReauthenticated?: (lifetimeMs: number) => void;
}

/** The longest margin kept before a session ends, for requests queued ahead (ms). */
const MAX_MARGIN_MS = 1000;

/**
 * When to re-authenticate a session of `lifetimeMs`: as Java's client, at a random
 * point from 85% to 95% of it; but at least a second before it ends (half-way through
 * sessions under two seconds), since the SaslHandshake waits behind the requests
 * already in flight and the broker must read it before the session ends.
 *
 * @param lifetimeMs The session lifetime the broker granted (ms, > 0).
 * @param random A number in [0, 1).
 * @returns The delay (ms) after which to re-authenticate.
 *
 * @example An hour-long session
 * ```ts
 * import { reauthenticationDelayMs } from "./reauthentication.ts";
 *
 * console.log(reauthenticationDelayMs(3_600_000, 0)); // 3060000
 * console.log(reauthenticationDelayMs(2_500, 0.5)); // 1500
 * ```
 */
export function reauthenticationDelayMs(lifetimeMs: number, random: number): number {
  const java = lifetimeMs * (0.85 + 0.1 * random);
  return Math.max(0, Math.min(java, Math.max(lifetimeMs - MAX_MARGIN_MS, lifetimeMs / 2)));
}

/**
 * Keeps a SASL session alive: re-authenticates the connection in place before each
 * session ends, for as long as the connection is open. A failed re-authentication
 * closes the connection with the failure as the cause: its waiting requests fail
 * with a retriable {@linkcode KafkaConnectionError}, and a new connection
 * authenticates from scratch.
 *
 * @param connection The authenticated connection.
 * @param lifetimeMs The lifetime of its current session (ms); 0 or less: no limit.
 * @param options The versions, credentials, timers and hooks.
 *
 * @example After the first authentication of a connection
 * ```ts
 * import type { Transport } from "@webstream/kafka";
 * import { Connection, type Timers } from "./connection.ts";
 * import { keepAuthenticated } from "./reauthentication.ts";
 *
 * // In place of a socket: takes what it is sent and never answers.
 * let controller!: ReadableStreamDefaultController<Uint8Array>;
 * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
 * const socket: Transport = {
 *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
 *   write: () => Promise.resolve(),
 *   close: () => (controller.close(), released()),
 *   closed,
 * };
 * const connection = new Connection(socket, { address: "in-memory:9092" });
 * const delays: number[] = [];
 * const timers: Timers = {
 *   setTimeout: (callback, ms) => (delays.push(ms), setTimeout(callback, ms)),
 *   clearTimeout: (handle) => clearTimeout(handle as number),
 * };
 *
 * // The broker granted a session of an hour (the lifetime authenticate() returned).
 * keepAuthenticated(connection, 3_600_000, {
 *   versions: new Map([[17, 1], [36, 2]]),
 *   sasl: { mechanism: "PLAIN", username: "alice", password: "secret" },
 *   timers,
 *   random: () => 0,
 * });
 * console.log(delays); // [ 3060000 ]: at 85% of the session
 * connection.close(); // the timer goes with the connection
 * await connection.closed;
 * ```
 */
export function keepAuthenticated(
  connection: Connection,
  lifetimeMs: number,
  options: KeepAuthenticatedOptions,
): void {
  if (!(lifetimeMs > 0) || connection.isClosed) return;
  const { timers, versions, sasl } = options;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const timer = timers.setTimeout(async () => {
    if (connection.isClosed) return;
    let next: number;
    try {
      next = await connection.exclusive((requester) =>
        authenticate(requester, versions, sasl, connection.address, now)
      );
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      connection.close(
        new Error(`re-authentication (KIP-368) failed: ${cause.message}`, { cause }),
      );
      return;
    }
    options.onReauthenticated?.(next);
    keepAuthenticated(connection, next, options);
  }, reauthenticationDelayMs(lifetimeMs, random()));
  connection.closed.then(() => timers.clearTimeout(timer), () => {});
}
