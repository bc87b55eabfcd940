// The listener adapters over real sockets: the running runtime's own (defaultListen)
// and node:net's, plain and TLS, each checked with the client transports: bytes echo
// back in order, a listener frees its port on close() so a new one can bind it, and
// connections accepted before close() stay open.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultConnect } from "../../src/net/default_connect.ts";
import { defaultListen } from "../../src/net/default_listen.ts";
import type { Accepted, Listener, ListenFunction } from "../../src/net/listener.ts";
import { listenNode } from "../../src/net/node_transport.ts";
import type { Transport } from "../../src/net/transport.ts";
import { testCert, testKey } from "../fixtures/test_broker_tls.ts";

/** Echoes every chunk back on each accepted transport. */
function echo(accepted: Accepted[]): (a: Accepted) => void {
  return (a) => {
    accepted.push(a);
    void (async () => {
      try {
        for await (const chunk of a.transport.readable) await a.transport.write(chunk);
      } catch {
        // closed under the reader
      }
      a.transport.close();
    })();
  };
}

async function readAtLeast(transport: Transport, n: number): Promise<Uint8Array> {
  const reader = transport.readable.getReader();
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value.subarray(0, n - got), got);
    got += value.length;
  }
  reader.releaseLock();
  assert.equal(got, n, "bytes echoed");
  return out;
}

const adapters: [string, ListenFunction][] = [
  ["defaultListen()", defaultListen],
  ["listenNode()", listenNode],
];

for (const [name, listen] of adapters) {
  for (const secure of [false, true]) {
    describe(`${name}${secure ? " with TLS" : ""}`, () => {
      const tls = secure ? { cert: testCert, key: testKey } : undefined;
      const clientTls = secure ? { caCerts: [testCert], serverName: "localhost" } : undefined;

      test(`${name} accepts connections and their bytes round-trip in order`, async () => {
        const accepted: Accepted[] = [];
        const listener = await listen(
          { host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}) },
          echo(accepted),
        );
        try {
          assert.ok(listener.port > 0);
          const client = await defaultConnect({
            host: "127.0.0.1",
            port: listener.port,
            ...(clientTls ? { tls: clientTls } : {}),
          });
          const payload = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
          const writing = client.write(payload);
          const echoed = await readAtLeast(client, payload.length);
          await writing;
          assert.deepEqual(echoed, payload);
          assert.equal(accepted.length, 1);
          assert.match(accepted[0]!.remote, /127\.0\.0\.1/);
          client.close();
          await client.closed;
        } finally {
          await listener.close();
        }
      });

      test(`${name} close() frees the port for a new listener and keeps accepted connections`, async () => {
        const accepted: Accepted[] = [];
        const first: Listener = await listen(
          { host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}) },
          echo(accepted),
        );
        const port = first.port;
        const client = await defaultConnect({
          host: "127.0.0.1",
          port,
          ...(clientTls ? { tls: clientTls } : {}),
        });
        await client.write(new Uint8Array([1, 2, 3]));
        assert.deepEqual(await readAtLeast(client, 3), new Uint8Array([1, 2, 3]));
        await first.close();
        await first.close(); // twice is fine

        // The connection made before close() still works.
        await client.write(new Uint8Array([4]));
        assert.deepEqual(await readAtLeast(client, 1), new Uint8Array([4]));

        const again = await listen(
          { host: "127.0.0.1", port, ...(tls ? { tls } : {}) },
          echo(accepted),
        );
        try {
          assert.equal(again.port, port);
          const second = await defaultConnect({
            host: "127.0.0.1",
            port,
            ...(clientTls ? { tls: clientTls } : {}),
          });
          await second.write(new Uint8Array([9]));
          assert.deepEqual(await readAtLeast(second, 1), new Uint8Array([9]));
          second.close();
        } finally {
          client.close();
          for (const a of accepted) a.transport.close();
          await again.close();
        }
      });
    });
  }
}

test("defaultListen() refuses a port already bound", async () => {
  const first = await defaultListen(
    { host: "127.0.0.1", port: 0 },
    ({ transport }) => transport.close(),
  );
  try {
    await assert.rejects(
      (async () => {
        const second = await defaultListen({ host: "127.0.0.1", port: first.port }, () => {});
        await second.close();
      })(),
    );
  } finally {
    await first.close();
  }
});
