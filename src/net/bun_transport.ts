/**
 * The Bun adapter: a {@linkcode Transport} over `Bun.connect`, and a
 * {@linkcode Listener} over `Bun.listen` for the test broker. This is the only file
 * of the package that uses `Bun.*`; it declares the few Bun types it needs, so it
 * type-checks without Bun's type package.
 *
 * @module
 */

import type { Accepted, Listener, ListenOptions } from "./listener.ts";
import { safely } from "./safely.ts";
import type { ConnectOptions, Transport } from "./transport.ts";

/** The part of Bun's `Socket` this adapter uses. */
interface BunSocket {
  /** Writes what the kernel takes now; returns the bytes written, -1 if closed. */
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  setNoDelay(noDelay?: boolean): boolean;
  pause(): void;
  resume(): void;
}

/** The part of Bun's `SocketHandler` this adapter uses. */
interface BunSocketHandler {
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
  handshake(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}

/** The part of Bun's `TCPSocketConnectOptions` this adapter uses. */
interface BunConnectOptions {
  hostname: string;
  port: number;
  tls?: boolean | { ca?: string[]; serverName?: string; cert?: string; key?: string };
  socket: BunSocketHandler;
}

/** The part of Bun's server `SocketHandler` this adapter uses. */
interface BunServerSocketHandler extends Omit<BunSocketHandler, "connectError"> {
  open(socket: BunSocket): void;
}

/** The part of Bun's `TCPSocketListenOptions` this adapter uses. */
interface BunListenOptions {
  hostname: string;
  port: number;
  tls?: { cert: string; key: string };
  socket: BunServerSocketHandler;
}

/** The part of Bun's `TCPSocketListener` this adapter uses. */
interface BunSocketListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): void;
}

/** The part of the `Bun` global this adapter uses. */
interface BunGlobal {
  connect(options: BunConnectOptions): Promise<BunSocket>;
  listen(options: BunListenOptions): BunSocketListener;
}

/** Bytes received but not yet read past which the socket is paused. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

const closedError = (): Error => new Error("Cannot write to the socket as it is closed");

class BunTransport implements Transport {
  readonly readable: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  /** The socket handlers, bound to this transport; passed to `Bun.connect`. */
  readonly handler: BunSocketHandler;
  #socket: BunSocket | undefined;
  #isClosed = false;
  #paused = false;
  #release!: () => void;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #drain: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Settles with the TLS handshake's outcome (TLS sockets only). */
  readonly handshake: Promise<void>;
  #handshakeDone!: { resolve: () => void; reject: (error: Error) => void };

  constructor() {
    this.closed = new Promise((resolve) => this.#release = resolve);
    this.handshake = new Promise((resolve, reject) => this.#handshakeDone = { resolve, reject });
    this.handshake.catch(() => {}); // awaited only for TLS
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        if (this.#paused) {
          this.#paused = false;
          this.#socket?.resume();
        }
      },
      cancel: () => this.close(),
    }, { highWaterMark: READ_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength });
    this.handler = {
      data: (socket, data) => {
        if (this.#isClosed) return;
        const controller = this.#controller;
        // A plain view, not a Buffer (whose slice() does not copy).
        controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if ((controller.desiredSize ?? 0) <= 0 && !this.#paused) {
          this.#paused = true;
          socket.pause();
        }
      },
      drain: () => {
        this.#drain?.resolve();
        this.#drain = undefined;
      },
      end: (socket) => {
        safely(() => this.#controller.close());
        socket.end();
      },
      close: (_socket, error) => this.#finish(error),
      error: (_socket, error) => this.#finish(error),
      connectError: () => {
        // Bun.connect rejects; nothing was handed out yet.
      },
      handshake: (_socket, success, authorizationError) => {
        // Bun.connect resolves before the TLS handshake; its outcome comes here.
        if (success && authorizationError === null) this.#handshakeDone.resolve();
        else this.#handshakeDone.reject(authorizationError ?? new Error("TLS handshake failed"));
      },
    };
  }

  /** Called once Bun.connect resolves. */
  attach(socket: BunSocket): void {
    this.#socket = socket;
    socket.setNoDelay(true);
    if (this.#isClosed) socket.terminate();
  }

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (true) {
      const socket = this.#socket;
      if (this.#isClosed || socket === undefined) throw closedError();
      const written = socket.write(offset === 0 ? bytes : bytes.subarray(offset));
      if (written < 0) throw closedError();
      offset += written;
      if (offset >= bytes.length) return;
      // The kernel took part of it: wait for `drain`, then write the rest.
      await new Promise<void>((resolve, reject) => this.#drain = { resolve, reject });
    }
  }

  close(): void {
    if (this.#isClosed) return;
    this.#socket?.terminate();
    this.#finish(undefined);
  }

  #finish(error: Error | undefined): void {
    if (error === undefined) {
      safely(() => this.#controller.close());
    } else {
      safely(() => this.#controller.error(error));
    }
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#drain?.reject(error ?? closedError());
    this.#drain = undefined;
    this.#handshakeDone.reject(
      error ?? new Error("Cannot complete the TLS handshake as the socket closed"),
    );
    this.#release();
  }
}

/**
 * Opens a TCP (or TLS) connection with `Bun.connect`, with `TCP_NODELAY` set. Its
 * `write()` loops over partial writes, waiting for the socket's `drain` between them.
 * Extra CA certificates are trusted in addition to the defaults; a client certificate is
 * sent when the broker asks for one.
 *
 * @param options The broker's host and port, TLS settings and an abort signal.
 * @returns The connected transport.
 *
 * @example Connecting to a local broker
 * ```ts ignore
 * import { connectBun } from "./bun_transport.ts";
 *
 * const transport = await connectBun({ host: "127.0.0.1", port: 9092 });
 * transport.close();
 * ```
 */
export async function connectBun(options: ConnectOptions): Promise<Transport> {
  const { host, port, tls, signal } = options;
  signal?.throwIfAborted();
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  const transport = new BunTransport();
  let tlsOption: BunConnectOptions["tls"];
  if (tls === true) {
    tlsOption = true;
  } else if (tls) {
    const { rootCertificates } = await import("node:tls");
    tlsOption = {
      ...(tls.caCerts === undefined ? {} : { ca: [...rootCertificates, ...tls.caCerts] }),
      ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    };
  }
  let connecting: Promise<BunSocket>;
  try {
    connecting = bun.connect({
      hostname: host,
      port,
      ...(tlsOption === undefined ? {} : { tls: tlsOption }),
      socket: transport.handler,
    });
  } catch (error) {
    // A key that does not match its certificate, or PEM that does not parse, throws here.
    transport.close();
    throw error;
  }
  // Bun.connect takes no signal: on abort, reject now and drop the socket if it comes.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (signal === undefined) return;
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    transport.attach(await Promise.race([connecting, aborted]));
    // With TLS, Bun.connect resolves before the handshake: wait for it (and verification).
    if (tlsOption !== undefined) await Promise.race([transport.handshake, aborted]);
    return transport;
  } catch (error) {
    transport.close();
    connecting.then((socket) => socket.terminate(), () => {});
    throw error;
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Listens with `Bun.listen` (TLS when a certificate is given); each accepted socket
 * gets `TCP_NODELAY` and becomes a transport with the same reads and partial-write
 * handling as a client socket.
 *
 * @param options The address, port (0: any free port) and TLS certificate.
 * @param onAccept Called with each accepted connection.
 * @returns The listener.
 *
 * @example Listening on a free port
 * ```ts ignore
 * import { listenBun } from "./bun_transport.ts";
 *
 * const listener = await listenBun({ host: "127.0.0.1", port: 0 }, ({ transport }) => transport.close());
 * await listener.close();
 * ```
 */
export function listenBun(
  options: ListenOptions,
  onAccept: (accepted: Accepted) => void,
): Promise<Listener> {
  const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
  // Bun's handlers are shared by every socket of the listener: each socket finds its transport.
  const transports = new WeakMap<BunSocket, BunTransport>();
  const on = (socket: BunSocket): BunSocketHandler | undefined => transports.get(socket)?.handler;
  let closed = false;
  const server = bun.listen({
    hostname: options.host,
    port: options.port,
    ...(options.tls === undefined ? {} : { tls: { cert: options.tls.cert, key: options.tls.key } }),
    socket: {
      open: (socket) => {
        if (closed) {
          socket.terminate();
          return;
        }
        const transport = new BunTransport();
        transports.set(socket, transport);
        transport.attach(socket);
        const peer = socket as unknown as { remoteAddress?: string; remotePort?: number };
        const remote = peer.remotePort === undefined
          ? String(peer.remoteAddress)
          : `${peer.remoteAddress}:${peer.remotePort}`;
        onAccept({ transport, remote });
      },
      data: (socket, data) => on(socket)?.data(socket, data),
      drain: (socket) => on(socket)?.drain(socket),
      end: (socket) => on(socket)?.end(socket),
      close: (socket, error) => on(socket)?.close(socket, error),
      error: (socket, error) => on(socket)?.error(socket, error),
      handshake: (socket, success, error) => on(socket)?.handshake(socket, success, error),
    },
  });
  return Promise.resolve({
    host: server.hostname,
    port: server.port,
    close: () => {
      if (!closed) {
        closed = true;
        server.stop(false);
      }
      return Promise.resolve();
    },
  });
}
