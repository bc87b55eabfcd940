/**
 * The Deno adapter: a {@linkcode Transport} over `Deno.connect` (and `Deno.startTls`
 * for TLS), and a {@linkcode Listener} over `Deno.listen` / `Deno.listenTls` for the
 * test broker. This is the only file of the package that uses `Deno.*`.
 *
 * @module
 */

import type { Accepted, Listener, ListenOptions } from "./listener.ts";
import { safely } from "./safely.ts";
import type { ConnectOptions, Transport } from "./transport.ts";

/** Bytes asked for per read. */
const READ_SIZE = 64 * 1024;
/** Reads smaller than this are copied out so the read buffer can be reused. */
const COPY_BELOW = 8 * 1024;

class DenoTransport implements Transport {
  readonly readable: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  readonly #conn: Deno.Conn;
  #isClosed = false;
  #release!: () => void;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.closed = new Promise((resolve) => this.#release = resolve);
    let buffer: Uint8Array | undefined;
    this.readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        buffer ??= new Uint8Array(READ_SIZE);
        let n: number | null;
        try {
          n = await conn.read(buffer);
        } catch (error) {
          if (this.#isClosed) {
            safely(() => controller.close());
          } else {
            this.close();
            safely(() => controller.error(error));
          }
          return;
        }
        if (n === null) {
          this.close();
          safely(() => controller.close());
        } else if (n < COPY_BELOW) {
          controller.enqueue(buffer.slice(0, n));
        } else {
          controller.enqueue(buffer.subarray(0, n));
          buffer = undefined;
        }
      },
      cancel: () => this.close(),
    });
  }

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.#isClosed) throw new Error("Cannot write to the socket as it is closed");
      offset += await this.#conn.write(offset === 0 ? bytes : bytes.subarray(offset));
    }
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    safely(() => this.#conn.close());
    this.#release();
  }
}

/**
 * Opens a TCP (or TLS) connection with Deno's sockets, with `TCP_NODELAY` set. With a
 * client certificate (`tls.cert`), the connection goes through Deno's `node:tls`.
 *
 * @param options The broker's host and port, TLS settings and an abort signal.
 * @returns The connected transport.
 *
 * @example Connecting to a local broker
 * ```ts
 * import { connectDeno } from "./deno_transport.ts";
 *
 * // Any TCP listener shows it; a broker listens the same way.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const transport = await connectDeno({ host: "127.0.0.1", port: listener.addr.port });
 * transport.close();
 * await transport.closed;
 * listener.close();
 * ```
 */
export async function connectDeno(options: ConnectOptions): Promise<Transport> {
  const { host, port, tls, signal } = options;
  if (typeof tls === "object" && (tls.cert !== undefined || tls.key !== undefined)) {
    // Deno.startTls takes no client certificate, and Deno.connectTls (which does) can
    // neither set TCP_NODELAY nor check the certificate against a serverName other
    // than the host; Deno's node:tls does all three.
    const { connectNode } = await import("./node_transport.ts");
    return connectNode(options);
  }
  const tcp = await Deno.connect(
    signal === undefined ? { hostname: host, port } : { hostname: host, port, signal },
  );
  tcp.setNoDelay(true);
  if (!tls) return new DenoTransport(tcp);

  const { caCerts, serverName } = tls === true ? {} : tls;
  // Deno.startTls takes no signal: closing the socket is what aborts the handshake.
  let current: Deno.Conn = tcp;
  const abort = (): void => safely(() => current.close());
  signal?.addEventListener("abort", abort, { once: true });
  try {
    const conn = await Deno.startTls(tcp, {
      hostname: serverName ?? host,
      ...(caCerts === undefined ? {} : { caCerts }),
    });
    current = conn;
    // The handshake is lazy: run it now, so a bad certificate fails the connect.
    await conn.handshake();
    return new DenoTransport(conn);
  } catch (error) {
    safely(() => current.close());
    throw signal?.aborted ? signal.reason : error;
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}

function describeAddr(addr: Deno.Addr): string {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return addr.transport;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `${host}:${addr.port}`;
}

/**
 * Listens with `Deno.listen` (or `Deno.listenTls`); each accepted connection gets
 * `TCP_NODELAY` and, with TLS, completes its handshake before it is handed over (a
 * failed handshake closes it quietly).
 *
 * @param options The address, port (0: any free port) and TLS certificate.
 * @param onAccept Called with each accepted connection.
 * @returns The listener.
 *
 * @example Listening on a free port
 * ```ts
 * import { listenDeno } from "./deno_transport.ts";
 *
 * const listener = await listenDeno({ host: "127.0.0.1", port: 0 }, ({ transport }) => transport.close());
 * console.log(listener.port > 0); // true
 * await listener.close();
 * ```
 */
export function listenDeno(
  options: ListenOptions,
  onAccept: (accepted: Accepted) => void,
): Promise<Listener> {
  const { host, port, tls } = options;
  const server: Deno.Listener = tls === undefined
    ? Deno.listen({ hostname: host, port })
    : Deno.listenTls({ hostname: host, port, cert: tls.cert, key: tls.key });
  let closed = false;
  const accept = async (conn: Deno.Conn): Promise<void> => {
    try {
      if (tls !== undefined) await (conn as Deno.TlsConn).handshake();
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      safely(() => conn.close());
      return;
    }
    if (closed) {
      safely(() => conn.close());
      return;
    }
    onAccept({ transport: new DenoTransport(conn), remote: describeAddr(conn.remoteAddr) });
  };
  const loop = (async () => {
    while (!closed) {
      let conn: Deno.Conn;
      try {
        conn = await server.accept();
      } catch {
        if (closed) return;
        // A failed accept (a peer gone before it was taken, no file descriptor left) does
        // not stop the listener; a short pause keeps a lasting failure from spinning.
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      void accept(conn);
    }
  })();
  const addr = server.addr as Deno.NetAddr;
  return Promise.resolve({
    host: addr.hostname,
    port: addr.port,
    close: async () => {
      if (closed) return loop;
      closed = true;
      safely(() => server.close());
      await loop;
    },
  });
}
