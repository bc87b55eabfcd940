// The runtime adapters over real sockets, against a local node:net (or node:tls) server
// that answers Kafka-framed requests. Each adapter runs where its runtime is; the
// node:net adapter runs everywhere.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { Connection } from "../../src/net/connection.ts";
import { defaultConnect } from "../../src/net/default_connect.ts";
import { KafkaConnectionError } from "../../src/errors.ts";
import type { ConnectFunction } from "../../src/net/transport.ts";
import type { Api } from "../../src/protocol/api.ts";
import { concat, parseRequest, reasonOf, responseFrame, track } from "./_fakes.ts";
import { tlsFailure } from "../../src/net/tls_failure.ts";
import { CLIENT_CA, CLIENT_CERT, CLIENT_KEY, ROGUE_CERT, ROGUE_KEY } from "./_mtls_certs.ts";

// A self-signed certificate for "broker.test" and 127.0.0.1 (EC P-256, valid until 2126).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBnjCCAUSgAwIBAgIUfYzDyfICFNe5TNFtRp0l9Dtu1UMwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLYnJva2VyLnRlc3QwIBcNMjYxMTIyMDQzNzQ3WhgPMjEyNjEw
MjkwNDM3NDdaMBYxFDASBgNVBAMMC2Jyb2tlci50ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEf53nWUZT3JnSdc2WFkgfsbU3Ki9QPttOFIT7otVWfAgxcyIn
/CO0dNrxs2Q0hEyMBL6KYx4UsPHU6ei5Hd1ufKNuMGwwHQYDVR0OBBYEFBpEVppn
JVPkiVeNQBp9YybgSvjoMB8GA1UdIwQYMBaAFBpEVppnJVPkiVeNQBp9YybgSvjo
MBwGA1UdEQQVMBOCC2Jyb2tlci50ZXN0hwR/AAABMAwGA1UdEwEB/wQCMAAwCgYI
KoZIzj0EAwIDSAAwRQIgQ1pUECoKp3thTh9i7BZL13YPC1cRyLAtnkYw21BOW34C
IQDzhYEcH7iItKTSkwWaQYBPsvYeQ5avtLDicbhYXi8J/Q==
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgn+c7GL+JBaBJ8FSS
zyHKdgihUVLNXIseOJ/uSrmCWZShRANCAAR/nedZRlPcmdJ1zZYWSB+xtTcqL1A+
204UhPui1VZ8CDFzIif8I7R02vGzZDSETIwEvopjHhSw8dTp6Lkd3W58
-----END PRIVATE KEY-----
`;

/** Request body = response body: raw bytes. */
const blobApi: Api<Uint8Array, Uint8Array> = {
  key: 101,
  name: "Blob",
  minVersion: 0,
  maxVersion: 0,
  flexibleFrom: Infinity,
  encode: (w, _version, body) => void w.raw(body),
  decode: (r) => r.raw(r.remaining).slice(),
};

interface Broker {
  port: number;
  /** Requests received, by connection. */
  received: number;
  close(): Promise<void>;
}

/**
 * Starts a broker-like server on 127.0.0.1, port 0: it answers every request frame
 * with a frame echoing the request body, or hangs up on the first request when
 * `hangUp` is set.
 */
async function startBroker(
  options: { tls?: boolean; mtls?: boolean; hangUp?: boolean } = {},
): Promise<Broker> {
  const sockets = new Set<net.Socket>();
  const broker: Broker = { port: 0, received: 0, close: () => Promise.resolve() };
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered: Uint8Array = new Uint8Array(0);
    socket.on("data", (data: Uint8Array) => {
      buffered = concat(buffered, data);
      const responses: Uint8Array[] = [];
      while (buffered.length >= 4) {
        const size = new DataView(buffered.buffer, buffered.byteOffset).getInt32(0);
        if (buffered.length < 4 + size) break;
        const request = parseRequest(buffered.subarray(0, 4 + size), false);
        broker.received++;
        if (options.hangUp) {
          socket.destroy();
          return;
        }
        responses.push(responseFrame(request.correlationId, request.body));
        buffered = buffered.subarray(4 + size);
      }
      if (responses.length > 0) socket.write(concat(...responses));
    });
  };
  const server = options.mtls
    ? tls.createServer(
      { key: KEY, cert: CERT, ca: CLIENT_CA, requestCert: true, rejectUnauthorized: true },
      onSocket,
    )
    : options.tls
    ? tls.createServer({ key: KEY, cert: CERT }, onSocket)
    : net.createServer(onSocket);
  server.on("tlsClientError", () => {});
  // Sockets whose handshake failed never reach onSocket: close them too.
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  broker.port = (server.address() as net.AddressInfo).port;
  broker.close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return broker;
}

const runtime = globalThis as { Deno?: unknown; Bun?: unknown };

const adapters: { name: string; skip: boolean; load: () => Promise<ConnectFunction> }[] = [
  {
    name: "connectDeno",
    skip: runtime.Deno === undefined,
    load: async () => (await import("../../src/net/deno_transport.ts")).connectDeno,
  },
  {
    name: "connectBun",
    skip: runtime.Bun === undefined,
    load: async () => (await import("../../src/net/bun_transport.ts")).connectBun,
  },
  {
    name: "connectNode",
    skip: false,
    load: async () => (await import("../../src/net/node_transport.ts")).connectNode,
  },
  { name: "defaultConnect", skip: false, load: () => Promise.resolve(defaultConnect) },
];

/** Sends a 4 MiB request and a few small ones, pipelined, and checks the echoes. */
async function roundTrip(connection: Connection): Promise<void> {
  const big = new Uint8Array(4 << 20).map((_, i) => i * 31);
  const bodies = [
    new Uint8Array([1]),
    big,
    new Uint8Array([2, 3]),
    new Uint8Array(0),
    new Uint8Array([4]),
  ];
  const responses = await Promise.all(bodies.map((body) => connection.request(blobApi, 0, body)));
  for (const [i, response] of responses.entries()) {
    assert.deepEqual(response, bodies[i], `response ${i}`);
  }
}

for (const adapter of adapters) {
  test(`${adapter.name}() carries pipelined requests and responses over TCP`, {
    skip: adapter.skip,
  }, async () => {
    const broker = await startBroker();
    const connect = await adapter.load();
    const transport = await connect({ host: "127.0.0.1", port: broker.port });
    const connection = new Connection(transport, {
      address: `127.0.0.1:${broker.port}`,
      maxInFlight: 3,
    });
    try {
      await roundTrip(connection);
      const none = await connection.request(blobApi, 0, new Uint8Array([9]), {
        expectResponse: false,
      });
      assert.equal(none, undefined);
    } finally {
      connection.close();
      await connection.closed;
      await broker.close();
    }
  });

  test(`${adapter.name}() carries requests over TLS, checking the server name`, {
    skip: adapter.skip,
  }, async () => {
    const broker = await startBroker({ tls: true });
    const connect = await adapter.load();
    const transport = await connect({
      host: "127.0.0.1",
      port: broker.port,
      tls: { caCerts: [CERT], serverName: "broker.test" },
    });
    const connection = new Connection(transport, { address: `127.0.0.1:${broker.port}` });
    try {
      await roundTrip(connection);
    } finally {
      connection.close();
      await connection.closed;
    }
    await assert.rejects(
      connect({
        host: "127.0.0.1",
        port: broker.port,
        tls: { caCerts: [CERT], serverName: "other.test" },
      }),
      "a certificate for another name is refused",
    );
    await assert.rejects(
      connect({ host: "127.0.0.1", port: broker.port, tls: { serverName: "broker.test" } }),
      "an untrusted certificate is refused",
    );
    await broker.close();
  });

  test(
    `${adapter.name}() ends the connection when the server hangs up`,
    { skip: adapter.skip },
    async () => {
      const broker = await startBroker({ hangUp: true });
      const connect = await adapter.load();
      const transport = await connect({ host: "127.0.0.1", port: broker.port });
      const connection = new Connection(transport, { address: `127.0.0.1:${broker.port}` });
      const pending = track(connection.request(blobApi, 0, new Uint8Array([1])));
      const error = await reasonOf(pending);
      assert.ok(
        error instanceof KafkaConnectionError,
        `expected KafkaConnectionError, got ${error}`,
      );
      assert.match(
        error.message,
        /^Cannot complete Blob v0 request to broker at 127\.0\.0\.1:\d+: the connection was lost/,
      );
      await connection.closed;
      assert.equal(connection.isClosed, true);
      await broker.close();
    },
  );

  test(`${adapter.name}() rejects when the port is closed or the signal is aborted`, {
    skip: adapter.skip,
  }, async () => {
    const broker = await startBroker();
    const port = broker.port;
    await broker.close();
    const connect = await adapter.load();
    await assert.rejects(
      connect({ host: "127.0.0.1", port }),
      (error: Error & { code?: string }) => {
        assert.ok(
          error.code === "ECONNREFUSED" || error.name === "ConnectionRefused",
          String(error),
        );
        return true;
      },
    );
    const reason = new Error("stop");
    await assert.rejects(
      connect({ host: "127.0.0.1", port, signal: AbortSignal.abort(reason) }),
      reason,
    );
  });
}

for (const adapter of adapters) {
  test(`${adapter.name}() sends a client certificate to a broker that requires one (mTLS)`, {
    skip: adapter.skip,
  }, async () => {
    const broker = await startBroker({ mtls: true });
    const connect = await adapter.load();
    const tlsBase = { caCerts: [CERT], serverName: "broker.test" };
    const attempt = async (extra: { cert?: string; key?: string }): Promise<unknown> => {
      let connection: Connection | undefined;
      try {
        const transport = await connect({
          host: "127.0.0.1",
          port: broker.port,
          tls: { ...tlsBase, ...extra },
        });
        connection = new Connection(transport, { address: `127.0.0.1:${broker.port}` });
        // TLS 1.3: a refused certificate shows on the first exchange, not at connect; a
        // small first request (as ApiVersions is) reads the broker's alert.
        assert.deepEqual(await connection.request(blobApi, 0, Uint8Array.of(7)), Uint8Array.of(7));
        await roundTrip(connection);
        return undefined;
      } catch (error) {
        return error;
      } finally {
        connection?.close();
        await connection?.closed;
      }
    };
    try {
      assert.equal(await attempt({ cert: CLIENT_CERT, key: CLIENT_KEY }), undefined);
      assert.ok(broker.received >= 5, "the requests went through");

      const none = await attempt({});
      assert.ok(none instanceof Error, "no certificate is refused");
      assert.match(
        tlsFailure(none, false)?.reason ?? String(none),
        /^the broker (requires a client certificate|refused the TLS handshake)/,
      );

      // node:tls servers drop an untrusted certificate without an alert; Kafka's broker
      // sends one (tests/integration/kafka_security_test.ts reads it).
      const rogue = await attempt({ cert: ROGUE_CERT, key: ROGUE_KEY });
      assert.ok(rogue instanceof Error, "a certificate from another CA is refused");

      const mismatched = await attempt({ cert: CLIENT_CERT, key: ROGUE_KEY });
      assert.ok(mismatched instanceof Error, "a key of another certificate is refused");
      const reason = tlsFailure(mismatched, true)?.reason ?? String(mismatched);
      assert.match(reason, /tls\.key/);
      assert.ok(!reason.includes(ROGUE_KEY.split("\n")[1]!), "the key is never quoted");
    } finally {
      await broker.close();
    }
  });
}
