import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { PartitionLog, readBatchHeader } from "../../src/testing/partition_log.ts";
import { batch } from "./_batches.ts";

function append(log: PartitionLog, bytes: Uint8Array): number {
  return log.append(bytes, readBatchHeader(bytes));
}

describe("PartitionLog", () => {
  test("append() gives consecutive offsets and writes base offset and leader epoch into a copy", () => {
    const log = new PartitionLog(-1);
    const first = batch(3);
    assert.equal(append(log, first), 0);
    log.bumpEpoch();
    assert.equal(append(log, batch(2)), 3);
    assert.equal(log.logEndOffset, 5);
    const [a, b] = [...log.batches()];
    const view = new DataView(b!.bytes.buffer, b!.bytes.byteOffset);
    assert.equal(view.getBigInt64(0), 3n);
    assert.equal(view.getInt32(12), 1);
    assert.equal(a!.epoch, 0);
    assert.equal(
      new DataView(first.buffer).getBigInt64(first.byteOffset),
      0n,
      "the input is untouched",
    );
    assert.notEqual(a!.bytes.buffer, first.buffer);
  });

  test("append() drops the oldest batches past retentionBytes and moves the log start", () => {
    const one = batch(10).length;
    const log = new PartitionLog(one * 3);
    for (let i = 0; i < 10; i++) append(log, batch(10));
    assert.equal(log.batchCount, 3);
    assert.equal(log.sizeBytes, one * 3);
    assert.equal(log.logStartOffset, 70);
    assert.equal(log.logEndOffset, 100);
    const tiny = new PartitionLog(1);
    append(tiny, batch(5));
    assert.equal(tiny.batchCount, 1, "the last batch always stays");
  });

  test("retention keeps memory flat over many batches", () => {
    const log = new PartitionLog(64 * 1024);
    for (let i = 0; i < 5000; i++) append(log, batch(20));
    assert.ok(log.sizeBytes <= 64 * 1024);
    assert.equal(log.logEndOffset, 100_000);
    assert.equal([...log.batches()].length, log.batchCount);
  });

  test("read() returns whole batches from the one holding the offset, within the budget", () => {
    const log = new PartitionLog(-1);
    for (let i = 0; i < 5; i++) append(log, batch(10));
    const size = [...log.batches()][0]!.bytes.length;
    const read = log.read(25, 50, size * 2, true);
    assert.deepEqual(read.batches.map((b) => b.baseOffset), [20, 30]);
    assert.equal(read.bytes, size * 2);
    assert.deepEqual(
      log.read(0, 50, 1, true).batches.length,
      1,
      "one batch even over budget (KIP-74)",
    );
    assert.deepEqual(log.read(0, 50, 1, false).batches.length, 0);
    assert.deepEqual(log.read(0, 20, Infinity, true).batches.map((b) => b.baseOffset), [0, 10]);
    assert.deepEqual(log.read(50, 50, Infinity, true).batches, []);
  });

  test("lastStableOffset stops at the first open transaction; aborted ones are listed by range", () => {
    const log = new PartitionLog(-1);
    append(log, batch(5));
    log.openTransaction(9n, 5);
    append(log, batch(5, { producerId: 9n, producerEpoch: 0, baseSequence: 0, attributes: 0x10 }));
    append(log, batch(5));
    assert.equal(log.lastStableOffset, 5);
    log.closeTransaction(9n, 5, 15, true);
    assert.equal(log.lastStableOffset, 15);
    assert.deepEqual(log.abortedBetween(0, 20), [{
      producerId: 9n,
      firstOffset: 5,
      lastOffset: 15,
    }]);
    assert.deepEqual(log.abortedBetween(16, 20), []);
    assert.deepEqual(log.abortedBetween(0, 5), []);
  });

  test("endOffsetFor() answers where each leader epoch ended", () => {
    const log = new PartitionLog(-1);
    append(log, batch(10));
    log.bumpEpoch(); // epoch 1 from 10
    append(log, batch(5));
    log.bumpEpoch(); // epoch 2 from 15
    log.bumpEpoch(); // epoch 3 replaces the empty epoch 2
    append(log, batch(1));
    assert.deepEqual(log.endOffsetFor(0), { epoch: 0, endOffset: 10 });
    assert.deepEqual(log.endOffsetFor(1), { epoch: 1, endOffset: 15 });
    assert.deepEqual(log.endOffsetFor(2), { epoch: 1, endOffset: 15 });
    assert.deepEqual(log.endOffsetFor(3), { epoch: 3, endOffset: 16 });
    assert.equal(log.epochAt(12), 1);
    assert.equal(log.leaderEpoch, 3);
  });

  test("append() reuses the segments retention emptied, never one a read still points into", () => {
    const size = batch(50).length;
    const log = new PartitionLog(size * 4);
    for (let i = 0; i < 20; i++) append(log, batch(50));
    const pinned = log.read(log.logStartOffset, log.logEndOffset, Infinity, true);
    const copies = pinned.batches.map((b) => b.bytes.slice());
    // Enough appends to drop the pinned batches many times over.
    for (let i = 0; i < 400; i++) append(log, batch(50, {}, (j) => `other ${i} ${j}`));
    assert.deepEqual(
      pinned.batches.map((b) => b.bytes),
      copies,
      "what the read points into is intact",
    );
    pinned.release();
    const buffers = new Set([...log.batches()].map((b) => b.bytes.buffer));
    for (let i = 0; i < 400; i++) append(log, batch(50));
    for (const b of log.batches()) buffers.add(b.bytes.buffer);
    assert.ok(buffers.size <= 8, `a few segments serve the whole run (${buffers.size})`);
  });
});
