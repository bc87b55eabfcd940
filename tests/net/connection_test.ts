import { test } from "node:test";
import assert from "node:assert/strict";
import { Connection, type ConnectionOptions } from "../../src/net/connection.ts";
import { KafkaConnectionError, KafkaTimeoutError } from "../../src/errors.ts";
import { KafkaProtocolError } from "../../src/errors.ts";
import type { Api } from "../../src/protocol/api.ts";
import type { Transport } from "../../src/net/transport.ts";
import {
  apiVersionsLikeApi,
  concat,
  type Echo,
  echoApi,
  echoBody,
  echoResponse,
  FakeTimers,
  FakeTransport,
  flush,
  parseRequest,
  reasonOf,
  responseFrame,
  track,
  until,
  valueOf,
} from "./_fakes.ts";

const ADDRESS = "127.0.0.1:9092";

interface Setup {
  transport: FakeTransport;
  timers: FakeTimers;
  connection: Connection;
}

function setup(options: ConnectionOptions = {}): Setup {
  const transport = new FakeTransport();
  const timers = new FakeTimers();
  const connection = new Connection(transport, { address: ADDRESS, timers, ...options });
  return { transport, timers, connection };
}

async function teardown({ connection, timers }: Setup): Promise<void> {
  connection.close();
  await connection.closed;
  assert.equal(timers.pending, 0, "every timer is cleared once closed");
}

/** The correlation id of the n-th write. */
function idOf(transport: FakeTransport, n: number, flexible = false): number {
  return parseRequest(transport.writes[n]!, flexible).correlationId;
}

function assertConnectionError(error: unknown, pattern: RegExp): void {
  assert.ok(error instanceof KafkaConnectionError, `expected KafkaConnectionError, got ${error}`);
  assert.equal(error.retriable, true);
  assert.equal(error.address, ADDRESS);
  assert.match(error.message, pattern);
}

test("request() writes one size-prefixed frame with a v1 header and the body", async () => {
  const s = setup({ clientId: "webstream" });
  const response = track(s.connection.request(echoApi, 1, { value: 0x01020304 }));
  await until(() => s.transport.writes.length === 1);
  const sent = parseRequest(s.transport.writes[0]!, false);
  assert.deepEqual(
    {
      apiKey: sent.apiKey,
      apiVersion: sent.apiVersion,
      correlationId: sent.correlationId,
      clientId: sent.clientId,
    },
    { apiKey: 100, apiVersion: 1, correlationId: 0, clientId: "webstream" },
  );
  assert.deepEqual([...sent.body], [1, 2, 3, 4]);
  s.transport.push(echoResponse(0, 7, 1));
  assert.deepEqual(await valueOf(response), { value: 7 });
  await teardown(s);
});

test("request() writes a v2 header with tagged fields for flexible versions and reads a v1 response header", async () => {
  const s = setup();
  const response = track(s.connection.request(echoApi, 2, { value: 5 }));
  await until(() => s.transport.writes.length === 1);
  const sent = parseRequest(s.transport.writes[0]!, true);
  assert.equal(sent.clientId, null);
  assert.deepEqual([...sent.body], [0, 0, 0, 5, 0]);
  s.transport.push(responseFrame(sent.correlationId, echoBody(5, 2), true));
  assert.deepEqual(await valueOf(response), { value: 5 });
  await teardown(s);
});

test("request() reads a v0 response header for ApiVersions even at a flexible version", async () => {
  const s = setup();
  const response = track(s.connection.request(apiVersionsLikeApi, 3, { value: 9 }));
  await until(() => s.transport.writes.length === 1);
  assert.equal(parseRequest(s.transport.writes[0]!, true).apiKey, 18);
  s.transport.push(responseFrame(0, echoBody(9, 3), false));
  assert.deepEqual(await valueOf(response), { value: 9 });
  await teardown(s);
});

test("request() assembles responses split at every byte boundary", async () => {
  const s = setup({ maxInFlight: 1000 });
  const stream = concat(echoResponse(0, 11, 2), echoResponse(1, 22, 2));
  let next = 0;
  for (let split = 0; split <= stream.length; split++) {
    const first = track(s.connection.request(echoApi, 2, { value: 11 }));
    const second = track(s.connection.request(echoApi, 2, { value: 22 }));
    await until(() => s.transport.writes.length === next + 2);
    const ids = [idOf(s.transport, next, true), idOf(s.transport, next + 1, true)];
    next += 2;
    const bytes = concat(echoResponse(ids[0]!, 11, 2), echoResponse(ids[1]!, 22, 2));
    if (split > 0) s.transport.push(bytes.slice(0, split));
    if (split < bytes.length) s.transport.push(bytes.slice(split));
    assert.deepEqual(await valueOf(first), { value: 11 }, `split at ${split}`);
    assert.deepEqual(await valueOf(second), { value: 22 }, `split at ${split}`);
  }
  await teardown(s);
});

test("request() assembles responses delivered one byte per read", async () => {
  const s = setup();
  const requests = [1, 2, 3].map((value) => track(s.connection.request(echoApi, 2, { value })));
  await until(() => s.transport.writes.length === 3);
  const bytes = concat(...[0, 1, 2].map((n) => echoResponse(idOf(s.transport, n, true), n + 1, 2)));
  for (let i = 0; i < bytes.length; i++) s.transport.push(bytes.slice(i, i + 1));
  for (const [n, request] of requests.entries()) {
    assert.deepEqual(await valueOf(request), { value: n + 1 });
  }
  await teardown(s);
});

test("request() resolves many responses delivered in one read, in order", async () => {
  const s = setup({ maxInFlight: 100 });
  const requests = Array.from(
    { length: 100 },
    (_, value) => track(s.connection.request(echoApi, 1, { value })),
  );
  await until(() => s.transport.writes.length === 100);
  s.transport.push(concat(...requests.map((_, n) => echoResponse(idOf(s.transport, n), n, 1))));
  const values = await Promise.all(requests.map(async (request) => (await valueOf(request)).value));
  assert.deepEqual(values, Array.from({ length: 100 }, (_, n) => n));
  await teardown(s);
});

test("request() assembles a large response frame from many reads", async () => {
  const s = setup();
  const blobApi: Api<null, Uint8Array> = {
    key: 101,
    name: "Blob",
    minVersion: 0,
    maxVersion: 0,
    flexibleFrom: Infinity,
    encode() {},
    decode: (r) => r.raw(r.remaining).slice(),
  };
  const response = track(s.connection.request(blobApi, 0, null));
  await until(() => s.transport.writes.length === 1);
  const body = new Uint8Array(1 << 20).map((_, i) => i * 7);
  const frame = responseFrame(0, body);
  for (let at = 0; at < frame.length; at += 4093) s.transport.push(frame.slice(at, at + 4093));
  assert.deepEqual(await valueOf(response), body);
  await teardown(s);
});

test("request() rejects the head request with KafkaProtocolError on a wrong correlation id and closes", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  const second = track(s.connection.request(echoApi, 1, { value: 2 }));
  await until(() => s.transport.writes.length === 2);
  s.transport.push(echoResponse(idOf(s.transport, 1), 2, 1)); // answers the second first
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.match(
    error.message,
    /^Cannot read Echo v1 response from broker at 127\.0\.0\.1:9092 as its correlation id is 1, expected 0$/,
  );
  assertConnectionError(await reasonOf(second), /closed after a protocol error/);
  assert.equal(s.connection.isClosed, true);
  assert.equal(s.transport.isClosed, true);
  await teardown(s);
});

test("request() treats a response with no request awaiting it as a protocol error", async () => {
  const s = setup();
  s.transport.push(echoResponse(0, 1, 1));
  await s.connection.closed;
  assert.equal(s.connection.isClosed, true);
  const late = track(s.connection.request(echoApi, 1, { value: 1 }));
  assertConnectionError(
    await reasonOf(late),
    /^Cannot send Echo v1 request to broker at 127\.0\.0\.1:9092: the connection is closed$/,
  );
  await teardown(s);
});

test("request() rejects a frame over maxFrameBytes with KafkaProtocolError and closes", async () => {
  const s = setup({ maxFrameBytes: 1024 });
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  const second = track(s.connection.request(echoApi, 1, { value: 2 }));
  await until(() => s.transport.writes.length === 2);
  s.transport.push(new Uint8Array([0, 0, 4, 1, 0, 0])); // size 1025, then the start of a body
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.equal(
    error.message,
    "Cannot read response from broker at 127.0.0.1:9092 as its size 1025 is over the limit of 1024 bytes",
  );
  assertConnectionError(await reasonOf(second), /protocol error/);
  assert.equal(s.transport.isClosed, true);
  await teardown(s);
});

test("request() rejects a negative frame size with KafkaProtocolError, even split over reads", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  await until(() => s.transport.writes.length === 1);
  s.transport.push(new Uint8Array([0xff, 0xff]));
  s.transport.push(new Uint8Array([0xff, 0xfe]));
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.match(error.message, /size -2 is negative/);
  await teardown(s);
});

test("request() rejects a truncated response body with KafkaProtocolError and closes", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  await until(() => s.transport.writes.length === 1);
  s.transport.push(responseFrame(0, new Uint8Array([0, 1])));
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.match(error.message, /Cannot read int32 at offset 4/);
  assert.equal(s.connection.isClosed, true);
  await teardown(s);
});

test("request() rejects a response with bytes left over with KafkaProtocolError", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  await until(() => s.transport.writes.length === 1);
  s.transport.push(responseFrame(0, new Uint8Array([0, 0, 0, 1, 9])));
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.match(error.message, /Cannot decode Echo v1 response as 1 bytes are left over/);
  await teardown(s);
});

test("request() wraps a decoder's own error in KafkaProtocolError with the cause", async () => {
  const s = setup();
  const cause = new TypeError("bad enum");
  const throwingApi: Api<Echo, Echo> = {
    ...echoApi,
    decode: () => {
      throw cause;
    },
  };
  const first = track(s.connection.request(throwingApi, 1, { value: 1 }));
  await until(() => s.transport.writes.length === 1);
  s.transport.push(echoResponse(0, 1, 1));
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.equal(
    error.message,
    "Cannot decode Echo v1 response from broker at 127.0.0.1:9092: bad enum",
  );
  assert.equal(error.cause, cause);
  await teardown(s);
});

test("request() fails pending requests with KafkaConnectionError on EOF in the middle of a frame", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  const second = track(s.connection.request(echoApi, 1, { value: 2 }));
  await until(() => s.transport.writes.length === 2);
  s.transport.push(echoResponse(0, 1, 1).slice(0, 6));
  s.transport.end();
  assertConnectionError(
    await reasonOf(first),
    /^Cannot complete Echo v1 request to broker at 127\.0\.0\.1:9092: the connection was lost as the broker closed it in the middle of a response$/,
  );
  assertConnectionError(await reasonOf(second), /in the middle of a response/);
  await s.connection.closed;
  assert.equal(s.connection.isClosed, true);
  await teardown(s);
});

test("request() fails pending requests with KafkaConnectionError when the broker closes the connection", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  await until(() => s.transport.writes.length === 1);
  s.transport.end();
  assertConnectionError(await reasonOf(first), /the connection was lost as the broker closed it$/);
  await teardown(s);
});

test("a connection closed by the broker while idle becomes closed", async () => {
  const s = setup();
  s.transport.end();
  await s.connection.closed;
  assert.equal(s.connection.isClosed, true);
  await teardown(s);
});

test("request() fails pending requests with KafkaConnectionError carrying the socket error", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  await until(() => s.transport.writes.length === 1);
  const cause = new Error("connection reset by peer");
  s.transport.fail(cause);
  const error = await reasonOf(first);
  assertConnectionError(
    error,
    /the connection was lost as its socket failed: connection reset by peer$/,
  );
  assert.equal((error as Error).cause, cause);
  await teardown(s);
});

test("request() fails with KafkaConnectionError when the write fails", async () => {
  const s = setup();
  s.transport.writeError = new Error("broken pipe");
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  assertConnectionError(await reasonOf(first), /lost while writing a request: broken pipe$/);
  assert.equal(s.transport.isClosed, true);
  await teardown(s);
});

test("request() times out with KafkaTimeoutError and closes the connection, failing the others", async () => {
  const s = setup({ requestTimeoutMs: 1000 });
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  s.timers.advance(500);
  const second = track(s.connection.request(echoApi, 1, { value: 2 }));
  await until(() => s.transport.writes.length === 2);
  s.timers.advance(499);
  await flush();
  assert.equal(first.settled, false);
  s.timers.advance(1);
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaTimeoutError);
  assert.equal(error.retriable, true);
  assert.equal(error.address, ADDRESS);
  assert.equal(
    error.message,
    "Cannot get a response to Echo v1 request from broker at 127.0.0.1:9092 within 1000 ms",
  );
  const other = await reasonOf(second);
  assertConnectionError(other, /closed as a Echo v1 request timed out$/);
  assert.equal((other as Error).cause, error);
  assert.equal(s.transport.isClosed, true);
  await teardown(s);
});

test("request() uses the request's own timeoutMs over the connection's", async () => {
  const s = setup({ requestTimeoutMs: 60_000 });
  const first = track(s.connection.request(echoApi, 1, { value: 1 }, { timeoutMs: 10 }));
  s.timers.advance(10);
  assert.ok(await reasonOf(first) instanceof KafkaTimeoutError);
  await teardown(s);
});

test("request() times out a request still waiting for a slot without closing the connection", async () => {
  const s = setup({ maxInFlight: 1, requestTimeoutMs: 1000 });
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  const waiting = track(s.connection.request(echoApi, 1, { value: 2 }, { timeoutMs: 100 }));
  await until(() => s.transport.writes.length === 1);
  s.timers.advance(100);
  const error = await reasonOf(waiting);
  assert.ok(error instanceof KafkaTimeoutError);
  assert.match(
    error.message,
    /^Cannot send Echo v1 request to broker at 127\.0\.0\.1:9092 within 100 ms/,
  );
  assert.equal(s.connection.isClosed, false);
  s.transport.push(echoResponse(0, 1, 1));
  assert.deepEqual(await valueOf(first), { value: 1 });
  await flush();
  assert.equal(s.transport.writes.length, 1, "the timed-out request is never sent");
  await teardown(s);
});

test("request() clears the timer of a request once answered", async () => {
  const s = setup();
  const first = track(s.connection.request(echoApi, 1, { value: 1 }));
  assert.equal(s.timers.pending, 1);
  await until(() => s.transport.writes.length === 1);
  s.transport.push(echoResponse(0, 1, 1));
  await valueOf(first);
  assert.equal(s.timers.pending, 0);
  await teardown(s);
});

test("close() fails pending and waiting requests in call order and releases the transport", async () => {
  const s = setup({ maxInFlight: 1 });
  const order: number[] = [];
  const requests = [1, 2, 3].map((value) => {
    const tracked = track(s.connection.request(echoApi, 1, { value }));
    tracked.outcome.then(() => order.push(value));
    return tracked;
  });
  await until(() => s.transport.writes.length === 1);
  s.connection.close();
  for (const request of requests) {
    assertConnectionError(
      await reasonOf(request),
      /^Cannot complete Echo v1 request to broker at 127\.0\.0\.1:9092: the connection was closed$/,
    );
  }
  assert.deepEqual(order, [1, 2, 3]);
  await s.connection.closed;
  assert.equal(s.transport.isClosed, true);
  assert.equal(s.timers.pending, 0);
  s.connection.close();
  assert.equal(s.transport.closeCalls, 1, "close() is idempotent");
  await teardown(s);
});

test("close() with real timers leaves no timer or read pending", async () => {
  const transport = new FakeTransport();
  const connection = new Connection(transport, { address: ADDRESS, requestTimeoutMs: 60_000 });
  const pending = track(connection.request(echoApi, 1, { value: 1 }));
  await until(() => transport.writes.length === 1);
  connection.close();
  assert.ok(await reasonOf(pending) instanceof KafkaConnectionError);
  await connection.closed;
});

test("request() pipelines up to maxInFlight requests; the rest wait their turn in order", async () => {
  const s = setup({ maxInFlight: 2 });
  const requests = [1, 2, 3, 4].map((value) => track(s.connection.request(echoApi, 1, { value })));
  await until(() => s.transport.writes.length === 2);
  await flush();
  assert.equal(s.transport.writes.length, 2);
  assert.equal(s.connection.inFlight, 2);
  s.transport.push(echoResponse(0, 1, 1));
  assert.deepEqual(await valueOf(requests[0]!), { value: 1 });
  await until(() => s.transport.writes.length === 3);
  assert.deepEqual(parseRequest(s.transport.writes[2]!, false).body, new Uint8Array([0, 0, 0, 3]));
  s.transport.push(concat(echoResponse(1, 2, 1), echoResponse(2, 3, 1)));
  await until(() => s.transport.writes.length === 4);
  s.transport.push(echoResponse(3, 4, 1));
  const values = await Promise.all(requests.map(async (r) => (await valueOf(r)).value));
  assert.deepEqual(values, [1, 2, 3, 4]);
  assert.deepEqual([0, 1, 2, 3].map((n) => idOf(s.transport, n)), [0, 1, 2, 3]);
  assert.equal(s.connection.inFlight, 0);
  await teardown(s);
});

test("request() with expectResponse false resolves once written and keeps responses paired", async () => {
  const s = setup();
  const withResponse = track(s.connection.request(echoApi, 1, { value: 1 }));
  const noResponse = track(
    s.connection.request(echoApi, 1, { value: 2 }, { expectResponse: false }),
  );
  const another = track(s.connection.request(echoApi, 1, { value: 3 }));
  assert.equal(await valueOf(noResponse), undefined);
  assert.equal(withResponse.settled, false);
  await until(() => s.transport.writes.length === 3);
  s.transport.push(concat(echoResponse(0, 1, 1), echoResponse(2, 3, 1)));
  assert.deepEqual(await valueOf(withResponse), { value: 1 });
  assert.deepEqual(await valueOf(another), { value: 3 });
  await teardown(s);
});

test("request() with expectResponse false does not resolve before the socket drains", async () => {
  const s = setup({ maxInFlight: 1 });
  let drain!: () => void;
  s.transport.gate = new Promise((resolve) => drain = resolve);
  const first = track(s.connection.request(echoApi, 1, { value: 1 }, { expectResponse: false }));
  const second = track(s.connection.request(echoApi, 1, { value: 2 }, { expectResponse: false }));
  await until(() => s.transport.writes.length === 1);
  await flush();
  assert.equal(first.settled, false);
  assert.equal(s.transport.writes.length, 1, "the second waits for the in-flight slot");
  s.transport.gate = undefined;
  drain();
  assert.equal(await valueOf(first), undefined);
  assert.equal(await valueOf(second), undefined);
  assert.equal(s.transport.writes.length, 2);
  await teardown(s);
});

test("request() times out a write that never drains", async () => {
  const s = setup({ requestTimeoutMs: 50 });
  s.transport.gate = new Promise(() => {});
  const first = track(s.connection.request(echoApi, 1, { value: 1 }, { expectResponse: false }));
  await until(() => s.transport.writes.length === 1);
  s.timers.advance(50);
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaTimeoutError);
  assert.match(
    error.message,
    /^Cannot write Echo v1 request to broker at 127\.0\.0\.1:9092 within 50 ms$/,
  );
  await teardown(s);
});

test("request() rejects a version outside the API's range with a RangeError and sends nothing", async () => {
  const s = setup();
  await assert.rejects(
    s.connection.request(echoApi, 4, { value: 1 }),
    new RangeError(
      "Cannot send Echo request as version must be an integer from 0 to 3: current value is 4",
    ),
  );
  await assert.rejects(
    s.connection.request(echoApi, 0, { value: 1 }, { timeoutMs: 0 }),
    RangeError,
  );
  await flush();
  assert.equal(s.transport.writes.length, 0);
  await teardown(s);
});

test("request() rejects with the encoder's error and keeps the connection usable", async () => {
  const s = setup();
  await assert.rejects(
    s.connection.request(echoApi, 1, { value: 1.5 }),
    new TypeError("Cannot encode Echo: value is not an integer"),
  );
  assert.equal(s.connection.isClosed, false);
  assert.equal(s.connection.inFlight, 0);
  const next = track(s.connection.request(echoApi, 1, { value: 2 }));
  await until(() => s.transport.writes.length === 1);
  s.transport.push(echoResponse(idOf(s.transport, 0), 2, 1));
  assert.deepEqual(await valueOf(next), { value: 2 });
  await teardown(s);
});

test("request() answers synchronously delivered responses (a transport that replies during write)", async () => {
  const s = setup();
  s.transport.onWrite = (bytes) => {
    const sent = parseRequest(bytes, false);
    s.transport.push(responseFrame(sent.correlationId, sent.body));
  };
  const values = await Promise.all(
    [1, 2, 3, 4, 5, 6, 7].map((value) => s.connection.request(echoApi, 1, { value })),
  );
  assert.deepEqual(values.map((v) => v.value), [1, 2, 3, 4, 5, 6, 7]);
  await teardown(s);
});

test("new Connection() rejects invalid options with a RangeError", async () => {
  const transport = new FakeTransport();
  assert.throws(() => new Connection(transport, { maxInFlight: 0 }), RangeError);
  assert.throws(() => new Connection(transport, { requestTimeoutMs: -1 }), RangeError);
  assert.throws(() => new Connection(transport, { maxFrameBytes: 2 }), RangeError);
  transport.close();
  await transport.closed;
});

test("close() drops the requests not yet handed to the socket", async () => {
  const s = setup();
  let attempts = 0;
  const write = s.transport.write.bind(s.transport);
  s.transport.write = (bytes) => (attempts++, write(bytes));
  let drain!: () => void;
  s.transport.gate = new Promise((resolve) => drain = resolve);
  const requests = [1, 2, 3].map((value) =>
    track(s.connection.request(echoApi, 1, { value }, { expectResponse: false }))
  );
  await until(() => s.transport.writes.length === 1);
  s.connection.close();
  s.transport.gate = undefined;
  drain();
  for (const request of requests) {
    assert.ok(await reasonOf(request) instanceof KafkaConnectionError);
  }
  await flush();
  assert.equal(attempts, 1, "nothing is written after close()");
  await teardown(s);
});

test("close() ends the read even when the transport's close() leaves its readable open", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const transport: Transport = {
    readable: new ReadableStream<Uint8Array>(),
    write: () => Promise.resolve(),
    close: () => release(),
    closed: released,
  };
  const connection = new Connection(transport, { address: ADDRESS });
  connection.close();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    connection.closed.then(() => "closed"),
    new Promise((resolve) => timer = setTimeout(() => resolve("still reading"), 2000)),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, "closed");
});
