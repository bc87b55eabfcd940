/**
 * The default {@linkcode ConnectFunction}: it picks the running runtime's sockets and
 * loads only that adapter, with a lazy `import()`.
 *
 * On Bun, `Bun.connect` was measured against Bun's `node:net` through the whole
 * `Connection` (loopback, a C server answering each request): 64 KiB
 * Produce-sized requests, 5 in flight, ran at about 1030 MB/s against 830 MB/s with
 * less CPU per byte; small requests were even to 40% faster at 100 in flight and
 * within noise at 5. On Deno, `Deno.connect` beat `node:net` on large requests
 * (about 1290 against 1050 MB/s) and tied on small ones.
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
 * ```ts ignore
 * import { defaultConnect } from "@webstream/kafka";
 *
 * const transport = await defaultConnect({ host: "127.0.0.1", port: 9092 });
 * transport.close();
 * await transport.closed;
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
