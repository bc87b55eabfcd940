import { test } from "node:test";
import assert from "node:assert/strict";
import {
  compareSequences,
  Idempotence,
  nextSequence,
  type ProducerIdentity,
  resequence,
} from "../../src/producer/idempotence.ts";
import { PartitionQueue } from "../../src/producer/partition_queue.ts";
import { CompletionRuns, type ProducerBatch } from "../../src/producer/producer_batch.ts";
import {
  BASE_SEQUENCE_OFFSET,
  PRODUCER_EPOCH_OFFSET,
} from "../../src/record/record_batch_builder.ts";
import { ManualClock, settle } from "./_manual_clock.ts";

function batch(count: number): ProducerBatch {
  return {
    topic: "t",
    partition: 0,
    bytes: new Uint8Array(64),
    sealed: false,
    count,
    completions: new CompletionRuns(),
    reserved: 0,
    createdMs: 0,
    uncompressedBytes: 0,
    firstSentMs: -1,
    attempts: 0,
    baseSequence: -1,
    producerEpoch: -1,
    lastError: null,
  };
}

function idempotence(identities: (ProducerIdentity | Error)[]) {
  const clock = new ManualClock();
  const asked: (ProducerIdentity | null)[] = [];
  const events = { changed: 0, bumped: 0, fatal: [] as Error[] };
  const state = new Idempotence(
    (current) => {
      asked.push(current);
      const next = identities.shift()!;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    { clock, retryBackoffMs: 100, retryBackoffMaxMs: 1000, random: () => 0.5 },
    {
      changed: () => void events.changed++,
      bumped: () => void events.bumped++,
      fatal: (error) => void events.fatal.push(error),
    },
  );
  return { state, clock, asked, events };
}

test("nextSequence() wraps to 0 after 2^31 - 1, as Java's incrementSequence", () => {
  assert.equal(nextSequence(0, 5), 5);
  assert.equal(nextSequence(2 ** 31 - 3, 2), 2 ** 31 - 1);
  assert.equal(nextSequence(2 ** 31 - 3, 3), 0);
  assert.equal(nextSequence(2 ** 31 - 3, 5), 2);
});

test("compareSequences() orders across the wrap, unassigned first", () => {
  assert.ok(compareSequences(1, 2) < 0);
  assert.ok(compareSequences(2 ** 31 - 2, 1) < 0, "just before the wrap comes first");
  assert.ok(compareSequences(1, 2 ** 31 - 2) > 0);
  assert.ok(compareSequences(-1, 0) < 0);
  assert.equal(compareSequences(7, 7), 0);
});

test("stamp() gives a batch its partition's next sequence, wrapping, and the epoch", async () => {
  const { state } = idempotence([{ producerId: 7n, producerEpoch: 3 }]);
  assert.equal(state.ready(0, 0, true), false, "asks for an identity first");
  await settle();
  assert.equal(state.ready(0, 0, true), true);
  const queue = new PartitionQueue("t", 0);
  queue.nextSequence = 2 ** 31 - 3;
  const a = batch(5);
  state.stamp(queue, a);
  assert.equal(a.baseSequence, 2 ** 31 - 3);
  assert.equal(queue.nextSequence, 2);
  const view = new DataView(a.bytes.buffer);
  assert.equal(view.getInt32(BASE_SEQUENCE_OFFSET), 2 ** 31 - 3);
  assert.equal(view.getInt16(PRODUCER_EPOCH_OFFSET), 3);
  state.stamp(queue, a);
  assert.equal(queue.nextSequence, 2, "a batch sent again keeps its sequence");
});

test("a bump waits until nothing is in flight, asks with the current identity, and reports it", async () => {
  const { state, asked, events } = idempotence([
    { producerId: 7n, producerEpoch: 0 },
    { producerId: 7n, producerEpoch: 1 },
  ]);
  state.ready(0, 0, true);
  await settle();
  state.requireBump();
  assert.equal(state.ready(0, 2, true), false, "two batches still in flight");
  assert.deepEqual(asked, [null]);
  assert.equal(state.ready(0, 0, true), false, "now the bump starts");
  await settle();
  assert.deepEqual(asked, [null, { producerId: 7n, producerEpoch: 0 }]);
  assert.equal(events.bumped, 1);
  assert.deepEqual(state.identity, { producerId: 7n, producerEpoch: 1 });
  assert.equal(state.ready(0, 0, true), true);
});

test("a retriable InitProducerId failure is tried again after a backoff; another is fatal", async () => {
  const retriable = Object.assign(new Error("coordinator loading"), { retriable: true });
  const { state, clock, asked, events } = idempotence([
    retriable,
    new Error("not authorized"),
  ]);
  state.ready(clock.now(), 0, true);
  await settle();
  assert.equal(state.retryAtMs, clock.now() + 100);
  assert.equal(state.ready(clock.now(), 0, true), false);
  assert.equal(asked.length, 1, "not before the backoff");
  clock.advance(100);
  state.ready(clock.now(), 0, true);
  await settle();
  assert.equal(asked.length, 2);
  assert.deepEqual(events.fatal.map((e) => e.message), ["not authorized"]);
});

test("resequence() clears what is not acknowledged so it is numbered again from 0", () => {
  const queue = new PartitionQueue("t", 0);
  queue.nextSequence = 40;
  const waiting = batch(1);
  waiting.baseSequence = 38;
  const retry = batch(1);
  retry.baseSequence = 37;
  queue.batches.push(waiting);
  queue.toRetry.push(retry);
  resequence([queue]);
  assert.equal(queue.nextSequence, 0);
  assert.deepEqual([retry.baseSequence, waiting.baseSequence], [-1, -1]);
});

test("inheritSequences() gives a refused batch's halves its numbers, unless a bump waits", async () => {
  const { state } = idempotence([{ producerId: 7n, producerEpoch: 2 }]);
  state.ready(0, 0, true);
  await settle();
  const refused = batch(5);
  refused.baseSequence = 10;
  refused.producerEpoch = 2;
  const [first, second] = [batch(3), batch(2)];
  state.inheritSequences(refused, first, second);
  assert.deepEqual([first.baseSequence, second.baseSequence], [10, 13]);
  const [a, b] = [batch(3), batch(2)];
  state.requireBump();
  state.inheritSequences(refused, a, b);
  assert.deepEqual([a.baseSequence, b.baseSequence], [-1, -1]);
});
