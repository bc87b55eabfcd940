/**
 * The `node:net` adapter: a {@linkcode Transport} over `node:net` and `node:tls`
 * sockets, and a {@linkcode Listener} over their servers for the test broker. It is
 * the fallback for runtimes that are neither Deno nor Bun, and works on both of them
 * too.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import type { Accepted, Listener, ListenOptions } from "./listener.ts";
import { safely } from "./safely.ts";
import type { ConnectOptions, Transport } from "./transport.ts";

/** Bytes received but not yet read past which the socket is paused. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

class NodeTransport implements Transport {
  readonly readable: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  readonly #socket: net.Socket;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        socket.on("data", (data: Uint8Array) => {
          // A plain view, not a Buffer (whose slice() does not copy).
          controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) socket.pause();
        });
        socket.once("end", () => safely(() => controller.close()));
        socket.once("error", (error) => safely(() => controller.error(error)));
        socket.once("close", () => safely(() => controller.close()));
      },
      pull: () => {
        if (socket.isPaused()) socket.resume();
      },
      cancel: () => this.close(),
    }, { highWaterMark: READ_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength });
  }

  write(bytes: Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      return Promise.reject(new Error("Cannot write to the socket as it is closed"));
    }
    // Resolve once Node has flushed the chunk to the kernel (its write callback), not
    // when it merely queued it: callers may reuse the buffer afterwards.
    return new Promise((resolve, reject) => {
      socket.write(bytes, (error) => error ? reject(error) : resolve());
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

/**
 * Opens a TCP (or TLS) connection with `node:net` (or `node:tls`), with
 * `TCP_NODELAY` set. Extra CA certificates are trusted in addition to the defaults; a
 * client certificate is sent when the broker asks for one.
 *
 * @param options The broker's host and port, TLS settings and an abort signal.
 * @returns The connected transport.
 *
 * @example Connecting to a local broker
 * ```ts
 * import { createServer } from "node:net";
 * import { connectNode } from "./node_transport.ts";
 *
 * // Any TCP listener shows it; a broker listens the same way.
 * const server = createServer((socket) => socket.destroy());
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 *
 * const transport = await connectNode({ host: "127.0.0.1", port });
 * transport.close();
 * await transport.closed;
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export function connectNode(options: ConnectOptions): Promise<Transport> {
  const { host, port, tls: tlsOptions, signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    let connectEvent: string;
    if (tlsOptions) {
      const { caCerts, serverName, cert, key } = tlsOptions === true ? {} : tlsOptions;
      try {
        socket = tls.connect({
          host,
          port,
          servername: serverName ?? (net.isIP(host) === 0 ? host : undefined),
          ...(caCerts === undefined ? {} : { ca: [...tls.rootCertificates, ...caCerts] }),
          ...(cert === undefined ? {} : { cert }),
          ...(key === undefined ? {} : { key }),
        });
      } catch (error) {
        // A key that does not match its certificate, or PEM that does not parse.
        reject(error);
        return;
      }
      connectEvent = "secureConnect";
    } else {
      socket = net.connect({ host, port });
      connectEvent = "connect";
    }
    socket.setNoDelay(true);
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(signal?.reason);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onConnect = (): void => {
      cleanup();
      resolve(new NodeTransport(socket));
    };
    const cleanup = (): void => {
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      socket.off(connectEvent, onConnect);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once(connectEvent, onConnect);
  });
}

/**
 * Listens with `node:net` (or `node:tls` when a certificate is given); each accepted
 * socket gets `TCP_NODELAY` and is handed over once connected (after the TLS
 * handshake for TLS).
 *
 * @param options The address, port (0: any free port) and TLS certificate.
 * @param onAccept Called with each accepted connection.
 * @returns The listener.
 *
 * @example Listening on a free port
 * ```ts
 * import { listenNode } from "./node_transport.ts";
 *
 * const listener = await listenNode({ host: "127.0.0.1", port: 0 }, ({ transport }) => transport.close());
 * console.log(listener.port > 0); // true
 * await listener.close();
 * ```
 */
export function listenNode(
  options: ListenOptions,
  onAccept: (accepted: Accepted) => void,
): Promise<Listener> {
  const accept = (socket: net.Socket): void => {
    socket.setNoDelay(true);
    const host = socket.remoteAddress ?? "unknown";
    const remote = `${host.includes(":") ? `[${host}]` : host}:${socket.remotePort}`;
    onAccept({ transport: new NodeTransport(socket), remote });
  };
  const server: net.Server = options.tls === undefined
    ? net.createServer(accept)
    : tls.createServer({ cert: options.tls.cert, key: options.tls.key }, accept);
  // A peer that fails its TLS handshake is dropped; the listener goes on.
  server.on("tlsClientError", (_error: Error, socket: net.Socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", reject);
      const address = server.address() as net.AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        host: address.address,
        port: address.port,
        close: () =>
          closing ??= new Promise<void>((done) => {
            // The port is free once the listening handle closes; accepted sockets are
            // their owner's to close, so "close" is not awaited (it waits for them).
            server.close();
            setTimeout(done, 0);
          }),
      });
    });
  });
}
