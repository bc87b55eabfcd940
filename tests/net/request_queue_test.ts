import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaTimeoutError } from "../../src/errors.ts";
import type { Api } from "../../src/protocol/api.ts";
import { type QueuedRequest, RequestQueue } from "../../src/net/request_queue.ts";
import { echoApi, FakeTimers, flush, reasonOf, track } from "./_fakes.ts";

const api = echoApi as unknown as Api<unknown, unknown>;

interface Setup {
  queue: RequestQueue;
  timers: FakeTimers;
  /** The body value of each request sent, in send order. */
  sent: number[];
  requests: QueuedRequest[];
  timedOut: { request: QueuedRequest; error: KafkaTimeoutError }[];
}

function setup(maxInFlight: number): Setup {
  const timers = new FakeTimers();
  const sent: number[] = [];
  const requests: QueuedRequest[] = [];
  const timedOut: Setup["timedOut"] = [];
  const queue = new RequestQueue({
    maxInFlight,
    timers,
    address: "127.0.0.1:9092",
    send: (request) => {
      sent.push((request.body as { value: number }).value);
      requests.push(request);
      if (request.expectResponse) queue.awaitResponse(request);
    },
    onTimeout: (request, error) => timedOut.push({ request, error }),
  });
  return { queue, timers, sent, requests, timedOut };
}

function add(queue: RequestQueue, value: number, priority = false, timeoutMs = 1000) {
  return queue.add(api, 0, { value }, true, timeoutMs, priority);
}

/** Answers the oldest request awaiting a response. */
function answer(queue: RequestQueue, response: unknown): void {
  const oldest = queue.oldest!;
  queue.answered();
  queue.settle(oldest, true, response);
}

test("RequestQueue.add() sends up to maxInFlight at once, the rest in call order as slots free", async () => {
  const { queue, sent, requests } = setup(2);
  const responses = [1, 2, 3, 4].map((value) => add(queue, value));
  assert.deepEqual(sent, [1, 2]);
  assert.equal(queue.inFlight, 2);
  answer(queue, "one");
  assert.deepEqual(sent, [1, 2, 3]);
  answer(queue, "two");
  answer(queue, "three");
  answer(queue, "four");
  assert.deepEqual(sent, [1, 2, 3, 4]);
  assert.deepEqual(requests.map((r) => r.correlationId), [0, 1, 2, 3]);
  assert.deepEqual(await Promise.all(responses), ["one", "two", "three", "four"]);
  assert.equal(queue.inFlight, 0);
});

test("RequestQueue.settle() of a settled request changes nothing: no slot is freed twice", async () => {
  const { queue, sent, requests } = setup(1);
  const first = add(queue, 1);
  const second = add(queue, 2);
  queue.settle(requests[0]!, true, "ok");
  queue.settle(requests[0]!, false, new Error("late"));
  assert.equal(await first, "ok");
  assert.deepEqual(sent, [1, 2]);
  assert.equal(queue.inFlight, 1);
  queue.close(() => new Error("closed"));
  await assert.rejects(second, /closed/);
});

test("RequestQueue.exclusive() holds others back while its own requests go first", async () => {
  const { queue, sent } = setup(1);
  const before = add(queue, 1);
  let release!: () => void;
  const task = queue.exclusive(async () => {
    const others = add(queue, 2);
    const own = add(queue, 10, true);
    await new Promise<void>((resolve) => release = resolve);
    return { others, own };
  });
  await flush();
  assert.deepEqual(sent, [1], "the request sent before keeps its place");
  answer(queue, "before");
  assert.deepEqual(sent, [1, 10], "the task's own request goes before the one held back");
  answer(queue, "own");
  assert.deepEqual(sent, [1, 10], "held back until the task ends");
  release();
  const { others, own } = await task;
  assert.deepEqual(sent, [1, 10, 2]);
  answer(queue, "others");
  assert.deepEqual(await Promise.all([before, own, others]), ["before", "own", "others"]);
});

test("RequestQueue.exclusive() sends the task's requests still waiting when it ends first", async () => {
  const { queue, sent } = setup(1);
  const before = add(queue, 1);
  const queued = add(queue, 2);
  let own!: Promise<unknown>;
  await queue.exclusive(() => {
    own = add(queue, 10, true);
    return Promise.resolve();
  });
  assert.deepEqual(sent, [1]);
  answer(queue, "before");
  assert.deepEqual(sent, [1, 10], "the task's request goes before one queued earlier");
  answer(queue, "own");
  answer(queue, "queued");
  assert.deepEqual(await Promise.all([before, own, queued]), ["before", "own", "queued"]);
});

test("RequestQueue.exclusive() runs tasks one at a time, in call order", async () => {
  const { queue } = setup(1);
  const order: string[] = [];
  let releaseFirst!: () => void;
  const first = queue.exclusive(async () => {
    order.push("first starts");
    await new Promise<void>((resolve) => releaseFirst = resolve);
    order.push("first ends");
  });
  const second = queue.exclusive(() => {
    order.push("second starts");
    return Promise.resolve();
  });
  await flush();
  assert.deepEqual(order, ["first starts"]);
  releaseFirst();
  await Promise.all([first, second]);
  assert.deepEqual(order, ["first starts", "first ends", "second starts"]);
});

test("RequestQueue times out a waiting request alone, and hands a sent one to onTimeout", async () => {
  const { queue, timers, sent, timedOut } = setup(1);
  const first = track(add(queue, 1, false, 500));
  const waiting = track(add(queue, 2, false, 100));
  const third = track(add(queue, 3, false, 1000));
  timers.advance(100);
  const error = await reasonOf(waiting);
  assert.ok(error instanceof KafkaTimeoutError);
  assert.equal(
    error.message,
    "Cannot send Echo v0 request to broker at 127.0.0.1:9092 within 100 ms: 1 requests were still in flight",
  );
  assert.equal(timedOut.length, 0, "a request never sent breaks nothing");
  timers.advance(400);
  assert.equal(timedOut.length, 1);
  assert.equal(timedOut[0]!.request.correlationId, 0);
  assert.match(timedOut[0]!.error.message, /^Cannot get a response to Echo v0 request from/);
  assert.equal(await reasonOf(first), timedOut[0]!.error);
  assert.deepEqual(sent, [1, 3], "the timed-out waiting request is never sent");
  queue.close(() => new Error("closed"));
  assert.match(String(await reasonOf(third)), /closed/);
  assert.equal(timers.pending, 0, "every timer is cleared");
});

test("RequestQueue.close() fails every request in call order and sends nothing more", async () => {
  const { queue, sent } = setup(1);
  const order: number[] = [];
  const all = [1, 2, 3].map((value) =>
    add(queue, value).catch((error: Error) => order.push(Number(error.message)))
  );
  queue.close((request) => new Error(String((request.body as { value: number }).value)));
  await Promise.all(all);
  assert.deepEqual(order, [1, 2, 3]);
  assert.deepEqual(sent, [1]);
  assert.equal(queue.oldest, undefined);
});
