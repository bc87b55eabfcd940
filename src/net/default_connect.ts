/**
 * The default {@linkcode ConnectFunction}: it picks the running runtime's sockets and
 * loads only that adapter, with a lazy `import()`.
 *
 * Deno and Bun get their own sockets rather than the `node:net` they also offer: through
 * a whole `Connection`, those carry large Produce requests faster with less CPU per
 * byte and are never slower on small ones (figures in the README's Performance section).
 *
 * @module
 */

import type { ConnectOptions, Transport } from "./transport.ts";

/**
 * Opens a transport with the running runtime's sockets: `Deno.connect` on Deno,
 * `Bun.connect` on Bun, `node:net` elsewhere.
 *
 * @param options The broker's host and port, TLS settings and an abort signal.
 * @returns The connected transport.
 *
 * @example Opening and closing a transport
 * ```ts
 * import { createServer } from "node:net";
 * import { defaultConnect } from "@webstream/kafka";
 *
 * // Any TCP listener shows it; a broker listens the same way.
 * const server = createServer((socket) => socket.destroy());
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 *
 * const transport = await defaultConnect({ host: "127.0.0.1", port });
 * transport.close();
 * await transport.closed;
 * await new Promise((resolve) => server.close(resolve));
 * ```
 */
export async function defaultConnect(options: ConnectOptions): Promise<Transport> {
  const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
  if (runtime.Deno !== undefined) {
    const { connectDeno } = await import("./deno_transport.ts");
    return connectDeno(options);
  }
  if (runtime.Bun !== undefined) {
    const { connectBun } = await import("./bun_transport.ts");
    return connectBun(options);
  }
  const { connectNode } = await import("./node_transport.ts");
  return connectNode(options);
}
