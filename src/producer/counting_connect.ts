/**
 * A connect function that counts what the producer writes to brokers, for the
 * `request-total` and `outgoing-byte-total` metrics: each connection writes one
 * request per `write()`, so counting writes counts requests (every API, as Java's
 * network metrics do), and their bytes. The transport is otherwise passed through.
 *
 * @module
 */

import type { ConnectFunction, Transport } from "../net/transport.ts";

/**
 * Wraps a connect function so that every write on its transports is counted.
 *
 * @param connect The connect function that opens the sockets.
 * @param written Called with each write's size in bytes.
 * @returns The counting connect function.
 *
 * @example Counting the bytes written on an in-memory transport
 * ```ts
 * import { countingConnect } from "./counting_connect.ts";
 * import type { Transport } from "../net/transport.ts";
 *
 * const inner = (): Promise<Transport> =>
 *   Promise.resolve({
 *     readable: new ReadableStream<Uint8Array>(),
 *     write: () => Promise.resolve(),
 *     close: () => {},
 *     closed: Promise.resolve(),
 *   });
 * let bytes = 0;
 * const connect = countingConnect(inner, (n) => bytes += n);
 * const transport = await connect({ host: "127.0.0.1", port: 9092 });
 * await transport.write(new Uint8Array(42));
 * console.log(bytes); // 42
 * ```
 */
export function countingConnect(
  connect: ConnectFunction,
  written: (bytes: number) => void,
): ConnectFunction {
  return async (options) => {
    const inner = await connect(options);
    const counted: Transport = {
      readable: inner.readable,
      write(bytes: Uint8Array): Promise<void> {
        written(bytes.length);
        return inner.write(bytes);
      },
      close: () => inner.close(),
      closed: inner.closed,
    };
    return counted;
  };
}
