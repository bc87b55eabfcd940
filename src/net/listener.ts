/**
 * The listener interface: what the test broker needs from a runtime's server
 * sockets. A listener accepts TCP (or TLS) connections on one address and hands each
 * over as a {@linkcode Transport}, the same shape the client's sockets have. One
 * adapter per runtime implements it, beside that runtime's socket adapter
 * (`listenDeno` in `deno_transport.ts`, `listenBun` in `bun_transport.ts`,
 * `listenNode` in `node_transport.ts`); {@linkcode defaultListen} picks one.
 *
 * @module
 */

import type { Transport } from "./transport.ts";

/** A server certificate and its key, PEM-encoded. */
export interface ListenTlsOptions {
  /** The certificate chain, PEM. */
  cert: string;
  /** The private key, PEM (PKCS#8 or the key's own format). */
  key: string;
}

/** Where and how to listen. */
export interface ListenOptions {
  /** The address to bind, e.g. `127.0.0.1`. */
  host: string;
  /** The port; 0 lets the operating system pick one. */
  port: number;
  /**
   * Serve TLS with this certificate instead of plain TCP.
   *
   * @default {undefined}
   */
  tls?: ListenTlsOptions;
}

/** One accepted connection. */
export interface Accepted {
  /** The connection, as a transport. */
  transport: Transport;
  /** The peer's address, `host:port`, for logs. */
  remote: string;
}

/**
 * A listening socket.
 *
 * Contract for implementers: `close()` stops accepting and frees the port (a new
 * listener may bind it as soon as the promise resolves); connections accepted before
 * stay open, their owner closes them.
 */
export interface Listener {
  /** The bound address. */
  readonly host: string;
  /** The bound port (the one picked when 0 was asked). */
  readonly port: number;
  /**
   * Stops accepting and frees the port; safe to call more than once.
   *
   * @returns A promise that resolves once the port is free.
   */
  close(): Promise<void>;
}

/**
 * Starts listening. `onAccept` is called once per connection, after a TLS handshake
 * where TLS is asked; it must not throw.
 *
 * @example A listen function that logs each connection
 * ```ts
 * import type { ListenFunction } from "./listener.ts";
 * import { defaultListen } from "./default_listen.ts";
 *
 * const listen: ListenFunction = (options, onAccept) =>
 *   defaultListen(options, (accepted) => {
 *     console.log(`connection from ${accepted.remote}`);
 *     onAccept(accepted);
 *   });
 * ```
 */
export type ListenFunction = (
  options: ListenOptions,
  onAccept: (accepted: Accepted) => void,
) => Promise<Listener>;
