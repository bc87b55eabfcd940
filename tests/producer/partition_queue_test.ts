import { test } from "node:test";
import assert from "node:assert/strict";
import { PartitionQueue } from "../../src/producer/partition_queue.ts";
import { CompletionRuns, type ProducerBatch } from "../../src/producer/producer_batch.ts";

function batch(sequence: number, attempts = 0, createdMs = 0): ProducerBatch {
  return {
    topic: "t",
    partition: 0,
    bytes: new Uint8Array(64),
    sealed: false,
    count: 1,
    completions: new CompletionRuns(),
    reserved: 0,
    createdMs,
    uncompressedBytes: 0,
    firstSentMs: -1,
    attempts,
    baseSequence: sequence,
    producerEpoch: 0,
    lastError: null,
  };
}

test("maySend() allows up to perPartition new batches in flight", () => {
  const queue = new PartitionQueue("t", 0);
  for (let i = 0; i < 6; i++) queue.batches.push(batch(-1));
  let sent = 0;
  while (queue.maySend(5)) {
    queue.send();
    sent++;
  }
  assert.equal(sent, 5);
  assert.equal(queue.maySend(1), false);
});

test("a batch sent again goes alone: nothing before it lands, nothing after it is sent", () => {
  const queue = new PartitionQueue("t", 0);
  const retried = batch(0, 1);
  queue.batches.push(retried, batch(-1));
  queue.inFlight.push(batch(5));
  assert.equal(queue.maySend(5), false, "a retry waits for the partition's in-flight batch");
  queue.inFlight.length = 0;
  assert.equal(queue.maySend(5), true);
  queue.send();
  assert.equal(retried.attempts, 2);
  assert.equal(queue.maySend(5), false, "nothing follows it until it is answered");
  assert.equal(queue.land(retried), true);
  assert.equal(queue.maySend(5), true);
});

test("failed batches go back only once nothing is in flight, in sequence order across the wrap", () => {
  const queue = new PartitionQueue("t", 0);
  const wrapped = batch(1);
  const beforeWrap = batch(2 ** 31 - 2);
  const other = batch(-1);
  queue.inFlight.push(other);
  queue.retryLater(wrapped, 500);
  queue.retryLater(beforeWrap, 300);
  assert.equal(queue.retryAtMs, 500);
  assert.deepEqual(queue.batches, [], "held while a batch is in flight");
  assert.equal(queue.isOldest(other), false, "batches wait to go back before it");
  queue.land(other);
  queue.releaseRetries();
  assert.deepEqual(queue.batches, [beforeWrap, wrapped]);
});

test("oldestCreatedMs() looks at every list", () => {
  const queue = new PartitionQueue("t", 0);
  assert.equal(queue.oldestCreatedMs(), Infinity);
  queue.batches.push(batch(-1, 0, 30));
  queue.toRetry.push(batch(3, 1, 20));
  queue.inFlight.push(batch(4, 1, 25));
  assert.equal(queue.oldestCreatedMs(), 20);
});
