import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProtocolError } from "../../src/errors.ts";
import type { Api } from "../../src/protocol/api.ts";
import { RequestQueue } from "../../src/net/request_queue.ts";
import { ResponseReader } from "../../src/net/response_reader.ts";
import { echoApi, echoResponse, FakeTimers, flush, reasonOf, track, until } from "./_fakes.ts";

const api = echoApi as unknown as Api<unknown, unknown>;

interface Setup {
  queue: RequestQueue;
  reader: ResponseReader;
  reading: Promise<void>;
  controller: ReadableStreamDefaultController<Uint8Array>;
  protocolErrors: KafkaProtocolError[];
  lost: { how: string; cause: unknown }[];
}

function setup(): Setup {
  const queue: RequestQueue = new RequestQueue({
    maxInFlight: 5,
    timers: new FakeTimers(),
    address: "127.0.0.1:9092",
    send: (request) => queue.awaitResponse(request),
    onTimeout: assert.fail,
  });
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const protocolErrors: KafkaProtocolError[] = [];
  const lost: Setup["lost"] = [];
  const reader = new ResponseReader(readable, {
    address: "127.0.0.1:9092",
    maxFrameBytes: 1024,
    queue,
    onProtocolError: (error) => protocolErrors.push(error),
    onLost: (how, cause) => lost.push({ how, cause }),
  });
  return { queue, reader, reading: reader.read(), controller, protocolErrors, lost };
}

function add(queue: RequestQueue, value: number): Promise<unknown> {
  return queue.add(api, 1, { value }, true, 1000, false);
}

test("ResponseReader settles the requests awaiting a response in order, from one read", async () => {
  const s = setup();
  const first = add(s.queue, 1);
  const second = add(s.queue, 2);
  const both = new Uint8Array([...echoResponse(0, 10, 1), ...echoResponse(1, 20, 1)]);
  s.controller.enqueue(both);
  assert.deepEqual(await Promise.all([first, second]), [{ value: 10 }, { value: 20 }]);
  assert.equal(s.queue.oldest, undefined);
  assert.equal(s.queue.inFlight, 0);
  s.reader.stop();
  await s.reading;
});

test("ResponseReader fails the oldest request on a wrong correlation id and reads no further", async () => {
  const s = setup();
  const first = track(add(s.queue, 1));
  const second = track(add(s.queue, 2));
  s.controller.enqueue(new Uint8Array([...echoResponse(1, 10, 1), ...echoResponse(1, 20, 1)]));
  const error = await reasonOf(first);
  assert.ok(error instanceof KafkaProtocolError);
  assert.equal(
    error.message,
    "Cannot read Echo v1 response from broker at 127.0.0.1:9092 as its correlation id is 1, expected 0",
  );
  assert.deepEqual(s.protocolErrors, [error]);
  await flush();
  assert.equal(second.settled, false, "the connection, not the reader, fails the others");
  s.reader.stop();
  await s.reading;
  s.queue.close(() => new Error("closed"));
  await reasonOf(second);
});

test("ResponseReader says whether the broker closed in the middle of a response", async () => {
  const idle = setup();
  idle.controller.close();
  await idle.reading;
  assert.deepEqual(idle.lost, [{ how: "as the broker closed it", cause: undefined }]);

  const mid = setup();
  const pending = track(add(mid.queue, 1));
  mid.controller.enqueue(echoResponse(0, 10, 1).subarray(0, 6));
  mid.controller.close();
  await mid.reading;
  assert.deepEqual(mid.lost, [{
    how: "as the broker closed it in the middle of a response",
    cause: undefined,
  }]);
  mid.queue.close(() => new Error("closed"));
  await reasonOf(pending);
});

test("ResponseReader passes on a failed socket with its error", async () => {
  const s = setup();
  const failure = new Error("connection reset");
  s.controller.error(failure);
  await s.reading;
  assert.deepEqual(s.lost, [{ how: "as its socket failed", cause: failure }]);
});

test("ResponseReader.stop() cancels the read: read() ends though the stream never does", async () => {
  const s = setup();
  let ended = false;
  const reading = s.reading.then(() => ended = true);
  await flush();
  assert.equal(ended, false);
  s.reader.stop();
  await until(() => ended);
  await reading;
  assert.deepEqual(s.lost, [], "a stop is not a lost socket");
});
