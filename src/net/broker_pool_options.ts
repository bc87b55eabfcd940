/**
 * The options a `BrokerPool` and each session it opens are built from, kept
 * apart so the session-opening path can take them without depending on the pool.
 *
 * @module
 */

import type { SaslOptions } from "./sasl.ts";
import type { Timers } from "./timers.ts";
import type { ConnectFunction, TlsOptions } from "./transport.ts";

/** Options of `BrokerPool` (broker_pool.ts), and of each session it opens. */
export interface BrokerPoolOptions {
  /** Bootstrap addresses, tried in order. */
  bootstrap: readonly { host: string; port: number }[];
  /** The client id. */
  clientId: string;
  /** Opens sockets instead of the runtime's own. */
  connect: ConnectFunction | undefined;
  /** TLS to the brokers, and how; undefined or false for plain TCP. */
  tls: boolean | TlsOptions | undefined;
  /** SASL credentials; undefined for none. */
  sasl: SaslOptions | undefined;
  /** TCP/TLS setup timeout (ms). */
  connectTimeoutMs: number;
  /** Request timeout (ms). */
  requestTimeoutMs: number;
  /** Requests in flight per connection. */
  maxInFlight: number;
  /** First reconnect backoff (ms); it doubles per failure. Java: `reconnect.backoff.ms`. */
  reconnectBackoffMs: number;
  /** Longest reconnect backoff (ms). Java: `reconnect.backoff.max.ms`. */
  reconnectBackoffMaxMs: number;
  /**
   * `"rebootstrap"`: when no known broker can be reached, start again from the
   * bootstrap addresses; `"none"`: once brokers are known, ask only them (Java's
   * `metadata.recovery.strategy`). Rebootstrap when absent.
   */
  metadataRecovery?: "rebootstrap" | "none";
  /** Told of each rebootstrap and why (for the log). */
  onRebootstrap?: (reason: string) => void;
  /** Where the connections' timers (and re-authentication's) come from; the global ones if absent. */
  timers?: Timers;
}
