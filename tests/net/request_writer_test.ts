import { test } from "node:test";
import assert from "node:assert/strict";
import type { Api } from "../../src/protocol/api.ts";
import type { QueuedRequest } from "../../src/net/request_queue.ts";
import { RequestWriter } from "../../src/net/request_writer.ts";
import { echoApi, FakeTransport, flush, parseRequest, until } from "./_fakes.ts";

/** A request as the queue hands it out: numbered, `value` as its body. */
function request(correlationId: number, value: number, expectResponse = true): QueuedRequest {
  return {
    api: echoApi as unknown as Api<unknown, unknown>,
    version: 1,
    body: { value },
    expectResponse,
    timeoutMs: 1000,
    resolve: () => {},
    reject: () => {},
    priority: false,
    state: "sent",
    correlationId,
    timer: undefined,
  };
}

interface Setup {
  transport: FakeTransport;
  writer: RequestWriter;
  written: number[];
  errors: unknown[];
}

function setup(requestLimit?: { bytes: number; why: string }): Setup {
  const transport = new FakeTransport();
  const written: number[] = [];
  const errors: unknown[] = [];
  const writer = new RequestWriter(transport, {
    clientId: "app",
    address: "127.0.0.1:9092",
    requestLimit,
    onWritten: (r) => written.push(r.correlationId),
    onError: (error) => errors.push(error),
  });
  return { transport, writer, written, errors };
}

/** The Echo value a request frame carries. */
function valueIn(frame: Uint8Array): number {
  const { body } = parseRequest(frame, false);
  return new DataView(body.buffer, body.byteOffset).getInt32(0);
}

test("RequestWriter.encode() frames the header and body under the request's correlation id", () => {
  const { writer } = setup();
  const frame = writer.encode(request(7, 42));
  const parsed = parseRequest(frame.bytes, false);
  assert.deepEqual(
    [parsed.apiKey, parsed.apiVersion, parsed.correlationId, parsed.clientId],
    [100, 1, 7, "app"],
  );
  assert.equal(valueIn(frame.bytes), 42);
});

test("RequestWriter.write() writes frames in order, each once the previous write resolved", async () => {
  const { transport, writer, written } = setup();
  let drain!: () => void;
  transport.gate = new Promise((resolve) => drain = resolve);
  writer.write(writer.encode(request(0, 1, false)));
  writer.write(writer.encode(request(1, 2, false)));
  await flush();
  assert.equal(transport.writes.length, 1, "the second waits for the first to drain");
  assert.deepEqual(written, []);
  transport.gate = undefined;
  drain();
  await until(() => written.length === 2);
  assert.deepEqual(transport.writes.map(valueIn), [1, 2]);
  assert.deepEqual(written, [0, 1], "requests that expect no response are reported once written");
});

test("RequestWriter reuses a buffer only after its frame is written, never for two frames at once", async () => {
  const { transport, writer } = setup();
  writer.write(writer.encode(request(0, 1)));
  await until(() => transport.writes.length === 1);
  await flush();
  // The first frame's buffer is spare now: the next two frames must not share it.
  let drain!: () => void;
  transport.gate = new Promise((resolve) => drain = resolve);
  const second = writer.encode(request(1, 2));
  const third = writer.encode(request(2, 3));
  assert.equal(valueIn(second.bytes), 2);
  assert.equal(valueIn(third.bytes), 3);
  writer.write(second);
  writer.write(third);
  transport.gate = undefined;
  drain();
  await until(() => transport.writes.length === 3);
  assert.deepEqual(transport.writes.map(valueIn), [1, 2, 3]);
});

test("RequestWriter.encode() refuses a frame at the request limit with a RangeError naming why", () => {
  const { writer } = setup({ bytes: 22, why: "the broker closes connections over larger ones" });
  // Size 4 + header 13 (key, version, id, "app") + body 4 = 21 bytes: under the limit.
  assert.equal(writer.encode(request(0, 1)).bytes.length, 21);
  const tight = setup({ bytes: 21, why: "the broker closes connections over larger ones" });
  assert.throws(
    () => tight.writer.encode(request(0, 1)),
    new RangeError(
      "Cannot send Echo v1 request of 21 bytes to broker at 127.0.0.1:9092 as the broker closes connections over larger ones",
    ),
  );
});

test("RequestWriter.stop() drops the frames not written yet", async () => {
  const { transport, writer, written } = setup();
  let drain!: () => void;
  transport.gate = new Promise((resolve) => drain = resolve);
  writer.write(writer.encode(request(0, 1, false)));
  writer.write(writer.encode(request(1, 2, false)));
  await until(() => transport.writes.length === 1);
  writer.stop();
  transport.gate = undefined;
  drain();
  await flush();
  assert.equal(transport.writes.length, 1);
  assert.deepEqual(written, [0], "the write under way completes; the dropped one is not reported");
});

test("RequestWriter reports a failed write and writes nothing after it", async () => {
  const { transport, writer, errors } = setup();
  const failure = new Error("broken pipe");
  transport.writeError = failure;
  writer.write(writer.encode(request(0, 1)));
  writer.write(writer.encode(request(1, 2)));
  await until(() => errors.length === 1);
  await flush();
  assert.equal(errors[0], failure);
  assert.equal(transport.writes.length, 0);
});
