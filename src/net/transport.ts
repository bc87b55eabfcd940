/**
 * The transport interface: the one thing the connection needs from a runtime's
 * sockets. It has the shape of Deno's `Conn` (a `readable` byte stream, `close()`),
 * with a `write()` that resolves once the socket can take more bytes, so that
 * backpressure reaches the caller. One adapter per runtime implements it
 * (`deno_transport.ts`, `bun_transport.ts`, `node_transport.ts`); a user can pass
 * their own {@linkcode ConnectFunction} (a proxy, an in-memory broker for tests).
 *
 * @module
 */

/** TLS settings of a connection. */
export interface TlsOptions {
  /**
   * PEM-encoded root certificates trusted in addition to the runtime's defaults.
   *
   * @default {undefined}
   */
  caCerts?: string[];
  /**
   * The name sent in SNI and checked against the broker's certificate.
   *
   * @default {the host}
   */
  serverName?: string;
  /**
   * The client certificate, PEM (the leaf first, then any intermediates), for brokers
   * that require one (mutual TLS; Java's `ssl.keystore.*` with `ssl.client.auth`).
   * Give `key` with it.
   *
   * @default {undefined}
   */
  cert?: string;
  /**
   * The client certificate's private key, PEM and unencrypted (PKCS#8, or PKCS#1 RSA or
   * SEC1 EC). Never logged or put in an error.
   *
   * @default {undefined}
   */
  key?: string;
}

/** Where and how to connect. */
export interface ConnectOptions {
  /** The broker's host name or IP address. */
  host: string;
  /** The broker's port. */
  port: number;
  /**
   * Whether to use TLS, and how: `true` for the runtime's default trust store.
   *
   * @default {false}
   */
  tls?: boolean | TlsOptions;
  /**
   * Aborts the connection attempt; once connected, the signal is ignored.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/**
 * A connected byte stream to a broker.
 *
 * Contract for implementers:
 * - `readable` yields the bytes received, in order, in chunks of any size that the
 *   consumer may keep (the transport never reuses a chunk's memory). It closes on
 *   end of stream and errors on a socket error.
 * - `write()` is never called again before the previous call's promise settles. It
 *   writes all of `bytes` (looping over partial writes) and resolves once the
 *   socket can take more, so a caller awaiting it never buffers without bound. It
 *   rejects if the transport is closed or the write fails. The transport may keep a
 *   reference to `bytes` until the promise settles; the caller does not modify them.
 * - `close()` may be called any number of times; it releases the socket and ends
 *   `readable` (pending reads settle).
 * - `closed` resolves (it never rejects) once the socket is released, after
 *   `close()`, end of stream or an error.
 *
 * @example An in-memory transport that swallows what it is sent
 * ```ts
 * import type { Transport } from "@webstream/kafka";
 *
 * let release!: () => void;
 * const closed = new Promise<void>((resolve) => release = resolve);
 * let controller!: ReadableStreamDefaultController<Uint8Array>;
 * let open = true;
 * const transport: Transport = {
 *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
 *   write: async (_bytes) => {},
 *   close: () => {
 *     if (!open) return;
 *     open = false;
 *     controller.close();
 *     release();
 *   },
 *   closed,
 * };
 * ```
 */
export interface Transport {
  /** The bytes received from the broker. */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Writes bytes to the broker.
   *
   * @param bytes The bytes; kept by reference until the promise settles.
   * @returns A promise that resolves once the socket can take more bytes.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the socket; safe to call more than once. */
  close(): void;
  /** Resolves once the socket is released. */
  readonly closed: Promise<void>;
}

/**
 * Opens a {@linkcode Transport}. The default picks the running runtime's sockets; a
 * user-supplied one replaces it (the `connect` option).
 *
 * @example A connect function that logs and delegates to the default
 * ```ts
 * import { type ConnectFunction, defaultConnect } from "@webstream/kafka";
 *
 * const connect: ConnectFunction = (options) => {
 *   console.log(`connecting to ${options.host}:${options.port}`);
 *   return defaultConnect(options);
 * };
 * ```
 */
export type ConnectFunction = (options: ConnectOptions) => Promise<Transport>;
