/**
 * The default {@linkcode ListenFunction}: it picks the running runtime's server
 * sockets and loads only that adapter, with a lazy `import()`.
 *
 * @module
 */

import type { Accepted, Listener, ListenOptions } from "./listener.ts";

/**
 * Listens with the running runtime's sockets: `Deno.listen` / `Deno.listenTls` on
 * Deno, `Bun.listen` on Bun, `node:net` / `node:tls` elsewhere.
 *
 * @param options The address, port (0: any free port) and TLS certificate.
 * @param onAccept Called with each accepted connection.
 * @returns The listener.
 *
 * @example Listening on a free port and closing
 * ```ts
 * import { defaultListen } from "./default_listen.ts";
 *
 * const listener = await defaultListen({ host: "127.0.0.1", port: 0 }, ({ transport }) => {
 *   transport.close();
 * });
 * console.log(listener.port > 0); // true
 * await listener.close();
 * ```
 */
export async function defaultListen(
  options: ListenOptions,
  onAccept: (accepted: Accepted) => void,
): Promise<Listener> {
  const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
  if (runtime.Deno !== undefined) {
    const { listenDeno } = await import("./deno_transport.ts");
    return listenDeno(options, onAccept);
  }
  if (runtime.Bun !== undefined) {
    const { listenBun } = await import("./bun_transport.ts");
    return listenBun(options, onAccept);
  }
  const { listenNode } = await import("./node_transport.ts");
  return listenNode(options, onAccept);
}
