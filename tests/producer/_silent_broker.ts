// A broker that accepts connections and never answers, in this process: requests to it
// wait until their timeout, or until the producer gives up on them.
import { createServer, type Socket } from "node:net";

/** A listening server on 127.0.0.1 that reads nothing and answers nothing. */
export async function silentBroker(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
