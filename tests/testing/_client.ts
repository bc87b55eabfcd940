// A raw protocol client for the test broker's tests: the package's own Connection
// over the runtime's sockets, plus raw frames for what a well-behaved client never sends.

import { Connection } from "../../src/net/connection.ts";
import { defaultConnect } from "../../src/net/default_connect.ts";
import type { Transport } from "../../src/net/transport.ts";

/** Parses `host:port`. */
export function hostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(":");
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** A Connection to a broker address. */
export async function connectTo(address: string): Promise<Connection> {
  const transport = await defaultConnect(hostPort(address));
  return new Connection(transport, { address, clientId: "test-client", requestTimeoutMs: 10_000 });
}

/** A raw socket to a broker address. */
export function rawSocket(address: string): Promise<Transport> {
  return defaultConnect(hostPort(address));
}

/** A size-prefixed frame around a body. */
export function frame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

/**
 * Reads from a raw socket until it closes or `ms` pass.
 *
 * @returns The bytes received and whether the peer closed.
 */
export async function drain(
  transport: Transport,
  ms = 5000,
): Promise<{ bytes: Uint8Array; closed: boolean }> {
  const reader = transport.readable.getReader();
  const chunks: Uint8Array[] = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch {
    // an error ends the stream too
  } finally {
    clearTimeout(timer);
  }
  const closed = !timedOut;
  let n = 0;
  for (const c of chunks) n += c.length;
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, closed };
}
