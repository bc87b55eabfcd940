import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildProduceRequest,
  chooseBatches,
  produceResults,
} from "../../src/producer/produce_request.ts";
import { CompletionRuns, type ProducerBatch } from "../../src/producer/producer_batch.ts";

function batch(topic: string, partition: number, size: number): ProducerBatch {
  return {
    topic,
    partition,
    bytes: new Uint8Array(size),
    sealed: false,
    count: 1,
    completions: new CompletionRuns(),
    reserved: size,
    createdMs: 0,
    uncompressedBytes: 0,
    firstSentMs: -1,
    attempts: 0,
    baseSequence: -1,
    producerEpoch: -1,
    lastError: null,
  };
}

const id = (n: number) => new Uint8Array(16).fill(n);

test("chooseBatches() takes the first always, then whatever still fits, in order", () => {
  const sizes = [700, 400, 300, 200].map((s, i) => batch("t", i, s));
  assert.deepEqual(chooseBatches(sizes, 1000), [0, 2]);
  assert.deepEqual(chooseBatches([batch("t", 0, 5000), batch("t", 1, 10)], 1000), [0]);
});

test("buildProduceRequest() groups by topic and picks v13 only when every topic has an id", () => {
  const batches = [batch("a", 0, 70), batch("b", 1, 70), batch("a", 2, 70)];
  const withIds = buildProduceRequest(batches, {
    acks: -1,
    timeoutMs: 1e10,
    transactionalId: null,
    version: 13,
    topicId: (topic) => id(topic === "a" ? 1 : 2),
  });
  assert.equal(withIds.version, 13);
  assert.equal(withIds.request.timeoutMs, 2 ** 31 - 1, "an int32 on the wire");
  assert.deepEqual(
    withIds.request.topicData.map((t) => [t.name, t.partitionData.map((p) => p.index)]),
    [["a", [0, 2]], ["b", [1]]],
  );
  const withoutId = buildProduceRequest(batches, {
    acks: 1,
    timeoutMs: 30_000,
    transactionalId: null,
    version: 13,
    topicId: (topic) => (topic === "a" ? id(1) : new Uint8Array(16)),
  });
  assert.equal(withoutId.version, 12);
  const transactional = buildProduceRequest(batches, {
    acks: -1,
    timeoutMs: 30_000,
    transactionalId: "tx",
    version: 13,
    topicId: () => id(3),
  });
  assert.equal(transactional.version, 11);
  assert.equal(transactional.request.transactionalId, "tx");
});

test("produceResults() finds each batch's result by name, or by topic id from v13", () => {
  const a = batch("a", 0, 70);
  const b = batch("b", 1, 70);
  const partition = (index: number, errorCode: number) => ({
    index,
    errorCode,
    baseOffset: 10n,
    logAppendTimeMs: -1n,
    logStartOffset: 0n,
    recordErrors: [],
    errorMessage: null,
    currentLeader: null,
  });
  const results = produceResults(
    {
      throttleTimeMs: 0,
      nodeEndpoints: [],
      responses: [
        { name: "a", topicId: new Uint8Array(16), partitionResponses: [partition(0, 0)] },
        { name: "", topicId: id(2), partitionResponses: [partition(1, 6)] },
      ],
    },
    [a, b],
    (topic) => (topic === "b" ? id(2) : undefined),
  );
  assert.equal(results.get(a)?.errorCode, 0);
  assert.equal(results.get(b)?.errorCode, 6);
  const missing = produceResults(
    { throttleTimeMs: 0, nodeEndpoints: [], responses: [] },
    [a],
    () => undefined,
  );
  assert.equal(missing.has(a), false);
});
