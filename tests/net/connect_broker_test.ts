import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { connectBroker, formatAddress } from "../../src/net/connect_broker.ts";
import { KafkaConnectionError } from "../../src/errors.ts";
import type { ConnectOptions, Transport } from "../../src/net/transport.ts";
import {
  echoApi,
  echoResponse,
  FakeTimers,
  FakeTransport,
  parseRequest,
  reasonOf,
  track,
  until,
} from "./_fakes.ts";

test("connectBroker() opens the transport with the connect option and wraps it in a Connection", async () => {
  const transport = new FakeTransport();
  const calls: ConnectOptions[] = [];
  const connection = await connectBroker({
    host: "broker-1",
    port: 9093,
    tls: { serverName: "kafka" },
    clientId: "app",
    connect: (options) => {
      calls.push(options);
      return Promise.resolve(transport);
    },
  });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.host, "broker-1");
  assert.equal(calls[0]!.port, 9093);
  assert.deepEqual(calls[0]!.tls, { serverName: "kafka" });
  assert.ok(calls[0]!.signal instanceof AbortSignal);
  assert.equal(connection.address, "broker-1:9093");
  const response = track(connection.request(echoApi, 1, { value: 3 }));
  await until(() => transport.writes.length === 1);
  assert.equal(parseRequest(transport.writes[0]!, false).clientId, "app");
  transport.push(echoResponse(0, 3, 1));
  assert.deepEqual(await response.outcome, { status: "fulfilled", value: { value: 3 } });
  connection.close();
  await connection.closed;
});

test("connectBroker() names the broker and the reason when the connection is refused", async () => {
  const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9092"), {
    code: "ECONNREFUSED",
  });
  const error = await reasonOf(track(connectBroker({
    host: "127.0.0.1",
    port: 9092,
    connect: () => Promise.reject(cause),
  })));
  assert.ok(error instanceof KafkaConnectionError);
  assert.equal(error.message, "Cannot connect to broker at 127.0.0.1:9092: connection refused");
  assert.equal(error.address, "127.0.0.1:9092");
  assert.equal(error.retriable, true);
  assert.equal(error.cause, cause);
});

test("connectBroker() keeps the cause's message for errors it has no short name for", async () => {
  const error = await reasonOf(track(connectBroker({
    host: "::1",
    port: 9092,
    connect: () => {
      throw new Error("certificate has expired");
    },
  })));
  assert.ok(error instanceof KafkaConnectionError);
  assert.equal(error.message, "Cannot connect to broker at [::1]:9092: certificate has expired");
});

test("connectBroker() fails after connectTimeoutMs, aborts the attempt and closes a late transport", async () => {
  const timers = new FakeTimers();
  let signal: AbortSignal | undefined;
  let arrive!: (transport: Transport) => void;
  const attempt = track(connectBroker({
    host: "10.0.0.1",
    port: 9092,
    connectTimeoutMs: 2500,
    timers,
    connect: (options) => {
      signal = options.signal;
      return new Promise((resolve) => arrive = resolve);
    },
  }));
  timers.advance(2499);
  await until(() => signal !== undefined);
  assert.equal(signal!.aborted, false);
  timers.advance(1);
  const error = await reasonOf(attempt);
  assert.ok(error instanceof KafkaConnectionError);
  assert.equal(error.message, "Cannot connect to broker at 10.0.0.1:9092: timed out after 2500 ms");
  assert.equal(signal!.aborted, true);
  const late = new FakeTransport();
  arrive(late);
  await late.closed;
  assert.equal(late.closeCalls, 1);
  assert.equal(timers.pending, 0);
});

test("connectBroker() rejects with the signal's reason when aborted", async () => {
  const timers = new FakeTimers();
  const controller = new AbortController();
  const attempt = track(connectBroker({
    host: "127.0.0.1",
    port: 9092,
    timers,
    signal: controller.signal,
    connect: (options) =>
      new Promise((_, reject) =>
        options.signal?.addEventListener("abort", () => reject(options.signal?.reason))
      ),
  }));
  const reason = new Error("shutting down");
  controller.abort(reason);
  assert.equal(await reasonOf(attempt), reason);
  assert.equal(timers.pending, 0);
  await assert.rejects(
    connectBroker({
      host: "h",
      port: 1,
      signal: AbortSignal.abort(reason),
      connect: () => Promise.reject(new Error("no")),
    }),
    reason,
  );
});

test("connectBroker() rejects a non-positive connectTimeoutMs with a RangeError", async () => {
  await assert.rejects(
    connectBroker({
      host: "h",
      port: 1,
      connectTimeoutMs: 0,
      connect: () => Promise.reject(new Error("no")),
    }),
    RangeError,
  );
});

test("connectBroker() reports 'connection refused' for a closed local port with the runtime's sockets", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await assert.rejects(
    connectBroker({ host: "127.0.0.1", port }),
    new KafkaConnectionError(`Cannot connect to broker at 127.0.0.1:${port}: connection refused`, {
      address: `127.0.0.1:${port}`,
    }),
  );
});

test("formatAddress() brackets IPv6 literals", () => {
  assert.equal(formatAddress("127.0.0.1", 9092), "127.0.0.1:9092");
  assert.equal(formatAddress("kafka-0.internal", 9093), "kafka-0.internal:9093");
  assert.equal(formatAddress("::1", 9092), "[::1]:9092");
  assert.equal(formatAddress("[::1]", 9092), "[::1]:9092");
});
