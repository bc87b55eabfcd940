/**
 * Opening a {@linkcode Connection} to a broker: the runtime's sockets or the user's
 * `connect` function, a connect timeout, and errors that name the broker.
 *
 * @module
 */

import { Connection, type ConnectionOptions } from "./connection.ts";
import { defaultConnect } from "./default_connect.ts";
import { KafkaConnectionError } from "../errors.ts";
import { MAX_TIMER_MS } from "../timers.ts";
import { globalTimers, type Timers } from "./timers.ts";
import type { ConnectFunction, TlsOptions, Transport } from "./transport.ts";

/** Options of {@linkcode connectBroker}. */
export interface ConnectBrokerOptions extends ConnectionOptions {
  /** The broker's host name or IP address. */
  host: string;
  /** The broker's port. */
  port: number;
  /**
   * Whether to use TLS, and how.
   *
   * @default {false}
   */
  tls?: boolean | TlsOptions;
  /**
   * Opens the transport, instead of the runtime's sockets.
   *
   * @default {defaultConnect}
   */
  connect?: ConnectFunction;
  /**
   * How long opening the connection (TCP and TLS handshakes) may take. Java's
   * `socket.connection.setup.timeout.ms`. `Infinity` disables it.
   *
   * @default {10000}
   */
  connectTimeoutMs?: number;
  /**
   * Aborts the attempt; the promise rejects with the signal's reason.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Short descriptions of the usual socket errors, by Node-style code or Deno error name. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ConnectionRefused: "connection refused",
  ECONNRESET: "connection reset",
  ConnectionReset: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found (temporary DNS failure)",
  ETIMEDOUT: "timed out",
  TimedOut: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
  AddrNotAvailable: "address not available",
};

/**
 * Formats a broker address as `host:port`, bracketing IPv6 literals.
 *
 * @param host The host name or IP address.
 * @param port The port.
 * @returns The address, e.g. `127.0.0.1:9092` or `[::1]:9092`.
 *
 * @example Formatting addresses
 * ```ts
 * import { formatAddress } from "./connect_broker.ts";
 *
 * console.log(formatAddress("::1", 9092)); // "[::1]:9092"
 * ```
 */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Connects to a broker and wraps the transport in a {@linkcode Connection}.
 *
 * The connection's `address` (named in its errors) defaults to `host:port`.
 *
 * Fails with a {@linkcode KafkaConnectionError} naming the broker, e.g. "Cannot
 * connect to broker at 127.0.0.1:9092: connection refused", when the connection
 * cannot be opened within `connectTimeoutMs`; with the signal's reason when aborted.
 *
 * @param options The broker, TLS settings, connect function, timeouts and the
 * connection's options.
 * @returns The open connection.
 *
 * @example Connecting with a custom transport
 * ```ts
 * import type { Transport } from "@webstream/kafka";
 * import { connectBroker } from "./connect_broker.ts";
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
 *
 * // A proxy, a tunnel or an in-memory broker plugs in through `connect`.
 * const connection = await connectBroker({
 *   host: "broker-1.internal",
 *   port: 9093,
 *   connect: (options) => {
 *     console.log(`connecting to ${options.host}:${options.port}`);
 *     return Promise.resolve(socket);
 *   },
 *   connectTimeoutMs: 5_000,
 * });
 * console.log(connection.address); // "broker-1.internal:9093"
 * connection.close();
 * await connection.closed;
 * ```
 */
export async function connectBroker(options: ConnectBrokerOptions): Promise<Connection> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const timers = options.timers ?? globalTimers;
  const address = options.address ?? formatAddress(options.host, options.port);
  if (!(timeoutMs > 0)) {
    throw new RangeError(
      `Cannot connect to broker at ${address} as connectTimeoutMs must be a positive number: current value is ${timeoutMs}`,
    );
  }
  options.signal?.throwIfAborted();
  const transport = await openTransport(options, address, timeoutMs, timers);
  return new Connection(transport, { ...options, address, timers });
}

/**
 * Opens the transport, unless `timeoutMs` passes or the caller's signal aborts first;
 * a transport that still arrives after that is closed at once.
 */
async function openTransport(
  options: ConnectBrokerOptions,
  address: string,
  timeoutMs: number,
  timers: Timers,
): Promise<Transport> {
  const { host, port, tls, signal } = options;
  const connect = options.connect ?? defaultConnect;
  // One signal for the attempt: aborted by the caller's signal or by the timeout.
  const attempt = new AbortController();
  let timedOut = false;
  let settle!: (error: unknown) => void;
  const stopped = new Promise<never>((_, reject) => settle = reject);
  const onAbort = (): void => {
    attempt.abort(signal?.reason);
    settle(signal?.reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = timeoutMs > MAX_TIMER_MS ? undefined : timers.setTimeout(() => {
    timedOut = true;
    const error = new KafkaConnectionError(
      `Cannot connect to broker at ${address}: timed out after ${timeoutMs} ms`,
      { address },
    );
    attempt.abort(error);
    settle(error);
  }, timeoutMs);

  let connecting: Promise<Transport>;
  try {
    connecting = connect({
      host,
      port,
      signal: attempt.signal,
      ...(tls === undefined ? {} : { tls }),
    });
  } catch (error) {
    connecting = Promise.reject(error);
  }
  try {
    return await Promise.race([connecting, stopped]);
  } catch (error) {
    connecting.then((late) => late.close(), () => {});
    if (timedOut || signal?.aborted) throw error;
    throw new KafkaConnectionError(`Cannot connect to broker at ${address}: ${reason(error)}`, {
      address,
      cause: error,
    });
  } finally {
    if (timer !== undefined) timers.clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" ? REASONS[code] : undefined) ?? REASONS[error.name] ??
    error.message;
}
