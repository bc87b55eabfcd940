/**
 * The sender driven with a manual clock and fake brokers: sequences, retries that go
 * alone, out-of-order answers, epoch bumps and delivery timeouts, exactly as the
 * broker would see them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaTimeoutError } from "../../src/errors.ts";
import { CompletionRuns } from "../../src/producer/producer_batch.ts";
import { Sender } from "../../src/producer/sender.ts";
import { ManualClock, settle } from "./_manual_clock.ts";
import { senderHarness } from "./_sender_harness.ts";

const NOT_ENOUGH_REPLICAS = 19;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;

test("Sender numbers each partition's batches from 0 and keeps the numbers on retry", async () => {
  const h = senderHarness();
  const a = h.batch(0, 3);
  const b = h.batch(0, 2);
  const c = h.batch(1, 4);
  await h.settle();
  const sent = h.requests.flatMap((r) => r.batches);
  assert.deepEqual(
    sent.map((s) => [s.partition, s.sequence, s.epoch]),
    [[0, 0, 0], [1, 0, 0], [0, 3, 0]],
  );
  assert.deepEqual([a.baseSequence, b.baseSequence, c.baseSequence], [0, 3, 0]);
  assert.deepEqual(h.inits, [null]);
});

test("Sender sends a retried batch alone, and nothing follows it until it is answered", async () => {
  const h = senderHarness({ partitions: 1 });
  const first = h.batch(0);
  const second = h.batch(0);
  await h.settle();
  assert.equal(h.requests.length, 2, "two batches of one partition in flight");
  h.requests[0]!.answer({ "t-0": NOT_ENOUGH_REPLICAS });
  // The second reached the broker with a gap before it: OUT_OF_ORDER, but it is not
  // the partition's next batch, so it is only sent again after the first (no bump).
  h.requests[1]!.answer({ "t-0": OUT_OF_ORDER_SEQUENCE_NUMBER });
  await h.settle();
  assert.equal(h.requests.length, 2, "nothing is sent during the backoff");
  h.clock.advance(100);
  await h.settle();
  const third = h.batch(0);
  await h.settle();
  assert.equal(h.requests.length, 3, "the retried batch goes alone");
  assert.deepEqual(h.requests[2]!.batches.map((s) => s.sequence), [0]);
  h.requests[2]!.answer({});
  await h.settle();
  assert.equal(h.requests.length, 4, "then the second, also sent again, alone");
  assert.deepEqual(h.requests[3]!.batches.map((s) => [s.sequence, s.epoch]), [[1, 0]]);
  h.requests[3]!.answer({});
  await h.settle();
  assert.equal(h.requests.length, 5);
  assert.deepEqual(h.requests[4]!.batches.map((s) => s.sequence), [2]);
  h.requests[4]!.answer({});
  await h.settle();
  assert.deepEqual(h.delivered.map((d) => d.batch), [first, second, third]);
  assert.deepEqual(h.inits, [null], "no epoch bump");
});

test("Sender bumps the epoch when the oldest batch is out of order, and renumbers from 0", async () => {
  const h = senderHarness({ partitions: 1 });
  const stored = h.batch(0, 5);
  await h.settle();
  h.requests[0]!.answer({});
  await h.settle();
  const first = h.batch(0);
  const second = h.batch(0);
  await h.settle();
  assert.deepEqual(h.requests.slice(1).map((r) => r.batches[0]!.sequence), [5, 6]);
  // The broker lost this producer's state (say, after a restart): its next is not 5.
  h.requests[1]!.answer({ "t-0": OUT_OF_ORDER_SEQUENCE_NUMBER });
  await h.settle();
  assert.deepEqual(h.inits, [null], "the bump waits until nothing is in flight");
  h.requests[2]!.answer({ "t-0": OUT_OF_ORDER_SEQUENCE_NUMBER });
  await h.settle();
  assert.deepEqual(h.inits, [null, { producerId: 42n, producerEpoch: 0 }]);
  h.clock.advance(100);
  await h.settle();
  assert.deepEqual(h.requests[3]!.batches.map((s) => [s.sequence, s.epoch]), [[0, 1]]);
  h.requests[3]!.answer({});
  await h.settle();
  assert.deepEqual(h.requests[4]!.batches.map((s) => [s.sequence, s.epoch]), [[1, 1]]);
  h.requests[4]!.answer({});
  await h.settle();
  assert.deepEqual(h.delivered.map((d) => d.batch), [stored, first, second]);
});

test("Sender fails a queued batch at its delivery timeout, naming the missing leader", async () => {
  const h = senderHarness({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500 });
  h.forgetTopic();
  const batch = h.batch(0);
  await h.settle();
  h.clock.advance(999);
  await h.settle();
  assert.equal(h.failed.length, 0, "not a millisecond early");
  h.clock.advance(1);
  await h.settle();
  assert.equal(h.failed.length, 1);
  assert.equal(h.failed[0]!.batch, batch);
  assert.ok(h.failed[0]!.error instanceof KafkaTimeoutError);
  assert.match(h.failed[0]!.error.message, /1000 ms has passed .* no known leader/);
});

test("Sender fails an in-flight batch at its delivery timeout and ignores the late answer", async () => {
  const h = senderHarness({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500 });
  const batch = h.batch(0);
  await h.settle();
  assert.equal(h.requests.length, 1);
  h.clock.advance(1000);
  await h.settle();
  assert.equal(h.failed.length, 1);
  assert.equal(h.failed[0]!.batch, batch);
  assert.match(h.failed[0]!.error.message, /the request was in flight/);
  h.requests[0]!.answer({});
  await h.settle();
  assert.equal(h.delivered.length, 0, "its answer is moot");
  // Its sequence may or may not be on the broker: the next batch goes under a new epoch.
  h.batch(0);
  await h.settle();
  assert.deepEqual(h.inits.length, 2);
  assert.deepEqual(h.requests[1]!.batches.map((s) => [s.sequence, s.epoch]), [[0, 1]]);
});

test("Sender retries until the delivery timeout, then names the last error", async () => {
  const h = senderHarness({ deliveryTimeoutMs: 1000, requestTimeoutMs: 500, partitions: 1 });
  h.batch(0);
  await h.settle();
  for (let i = 0; h.failed.length === 0 && i < 50; i++) {
    h.requests.at(-1)!.answer({ "t-0": NOT_ENOUGH_REPLICAS });
    await h.settle();
    h.clock.advance(100);
    await h.settle();
  }
  assert.equal(h.failed.length, 1);
  assert.match(h.failed[0]!.error.message, /last error: .*NOT_ENOUGH_REPLICAS/);
  assert.ok(h.requests.length >= 4, `${h.requests.length} attempts`);
});

test("Sender waits for the metadata refresh after a connect that fails at once, not in a microtask loop", async () => {
  // The leader's address is not known to the pool yet (its refresh is under way): each
  // session() fails at once. Retrying at once would starve the refresh of its I/O.
  const clock = new ManualClock();
  const updates: (() => void)[] = [];
  let refreshes = 0;
  let sessions = 0;
  const leaders = new Int32Array([2]);
  const sender = new Sender(
    {
      topic: () => ({
        name: "t",
        topicId: new Uint8Array(16),
        errorCode: 0,
        partitionCount: 1,
        leaders,
        leaderEpochs: new Int32Array([0]),
      }),
      requestUpdate: () => refreshes++,
      updateLeaders: () => false,
      onUpdate: (listener) => updates.push(listener),
    },
    {
      ready: () => undefined,
      session: () => {
        // A loop is cut after 50 turns (left pending), so the test fails instead of hanging.
        if (++sessions > 50) return new Promise(() => {});
        return Promise.reject(new Error("Cannot connect to broker 2: its address is not known"));
      },
      onChange: () => {},
    },
    {
      acks: 1,
      requestTimeoutMs: 30_000,
      deliveryTimeoutMs: 120_000,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      maxRequestBytes: 1 << 20,
      maxInFlight: 5,
      initProducerIdentity: undefined,
      transactional: undefined,
      clock,
      random: () => 0.5,
    },
    { delivered: () => {}, failed: () => {}, fatal: () => {} },
  );
  sender.enqueue({
    topic: "t",
    partition: 0,
    bytes: new Uint8Array(64),
    sealed: false,
    count: 1,
    completions: new CompletionRuns(),
    reserved: 64,
    createdMs: clock.now(),
    uncompressedBytes: 64,
    firstSentMs: -1,
    attempts: 0,
    baseSequence: -1,
    producerEpoch: -1,
    lastError: null,
  });
  await settle();
  assert.equal(sessions, 1, "one attempt until metadata says more");
  assert.equal(refreshes, 1, "and a refresh asked for");
  for (const listener of updates) listener(); // the refresh is done: try again
  await settle();
  assert.equal(sessions, 2);
  sender.close(new Error("done"));
});

test("Sender.isIdle() is false while a partition's batch is queued or in flight, true once answered", async () => {
  const h = senderHarness();
  assert.equal(h.sender.isIdle("t", 0), true, "nothing sent yet");
  h.batch(0, 1);
  assert.equal(h.sender.isIdle("t", 0), false, "queued");
  await h.settle();
  assert.equal(h.requests.length, 1);
  assert.equal(h.sender.isIdle("t", 0), false, "in flight");
  assert.equal(h.sender.isIdle("t", 1), false, "its leader's connection is busy");
  h.requests[0]!.answer({});
  await h.settle();
  assert.equal(h.delivered.length, 1);
  assert.equal(h.sender.isIdle("t", 0), true, "answered");
  assert.equal(h.sender.isIdle("t", 1), true);
});
