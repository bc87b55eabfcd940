import { test } from "node:test";
import assert from "node:assert/strict";
import { PartitionBatcher } from "../../src/producer/partition_batcher.ts";
import { BufferPool } from "../../src/producer/buffer_pool.ts";
import { systemClock } from "../../src/timers.ts";
import { ManualClock, settle } from "./_manual_clock.ts";
import type { ProducerBatch, RecordCompletion } from "../../src/producer/producer_batch.ts";
import { decodeRecordBatch } from "../../src/record/record_batch.ts";
import { sealRecordBatch } from "../../src/record/record_batch_builder.ts";
import type { CompressionType } from "../../src/producer/options.ts";

function makeBatcher(
  options: { batchBytes?: number; lingerMs?: number; compression?: CompressionType } = {},
) {
  let charged = 0;
  const batcher = new PartitionBatcher("t", 3, {
    batchBytes: options.batchBytes ?? 1024,
    lingerMs: options.lingerMs ?? 60_000,
    compression: options.compression ?? "none",
    clock: systemClock,
    pool: new BufferPool(options.batchBytes ?? 1024, 1 << 20),
    transactional: false,
    charge: (bytes) => charged += bytes,
  });
  return { batcher, charged: () => charged };
}

function counting(): RecordCompletion & { ok: number[]; failed: unknown[] } {
  const ok: number[] = [];
  const failed: unknown[] = [];
  return {
    timestamp: 0,
    ok,
    failed,
    resolve: (_b, index) => ok.push(index),
    reject: (e) => failed.push(e),
  };
}

async function readAll(batcher: PartitionBatcher): Promise<ProducerBatch[]> {
  const out: ProducerBatch[] = [];
  for await (const b of batcher.readable) out.push(b);
  return out;
}

test("records are encoded in order into batches that close at batchBytes", async () => {
  const { batcher, charged } = makeBatcher({ batchBytes: 1024 });
  const completion = counting();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 40; i++) {
    batcher.append(`k${i}`, "v".repeat(60), null, t0 + i, completion, 90);
  }
  const reading = readAll(batcher);
  await batcher.close();
  const batches = await reading;
  assert.ok(batches.length >= 3, `${batches.length} batches`);
  let next = 0;
  for (const b of batches) {
    assert.equal(b.topic, "t");
    assert.equal(b.partition, 3);
    assert.ok(b.bytes.length <= 1024, `batch of ${b.bytes.length} bytes`);
    // The CRC is the sender's, once the header is final: summed once per batch.
    assert.equal(b.sealed, false);
    await assert.rejects(async () => await decodeRecordBatch(b.bytes), /CRC/);
    sealRecordBatch(b.bytes);
    const decoded = await decodeRecordBatch(b.bytes);
    assert.equal(decoded.records.length, b.count);
    assert.equal(b.completions.count, b.count);
    assert.equal(Number(decoded.baseTimestamp), t0 + next);
    for (const r of decoded.records) {
      assert.deepEqual(r.key, new TextEncoder().encode(`k${next}`));
      assert.equal(Number(decoded.baseTimestamp + r.timestampDelta), t0 + next);
      next++;
    }
    // The batch holds its whole buffer: what its records did not reserve was charged.
    assert.equal(b.reserved, Math.max(b.bytes.buffer.byteLength, b.count * 90));
  }
  assert.equal(next, 40);
  assert.ok(charged() > 0);
});

test("a record larger than batchBytes gets a batch of its own", async () => {
  const { batcher } = makeBatcher({ batchBytes: 1024 });
  const completion = counting();
  batcher.append(null, "small", null, 1, completion, 10);
  batcher.append(null, "x".repeat(5000), null, 1, completion, 5010);
  batcher.append(null, "small", null, 1, completion, 10);
  const reading = readAll(batcher);
  await batcher.close();
  assert.deepEqual((await reading).map((b) => b.count), [1, 1, 1]);
});

test("a batch closes lingerMs after its first record, or at once on flush()", async () => {
  const { batcher } = makeBatcher({ lingerMs: 50 });
  const reader = batcher.readable.getReader();
  const completion = counting();
  const started = Date.now();
  batcher.append(null, "a", null, 1, completion, 10);
  batcher.append(null, "b", null, 1, completion, 10);
  const first = await reader.read();
  assert.equal(first.value?.count, 2);
  assert.ok(Date.now() - started >= 40, "closed by the linger time");
  batcher.append(null, "c", null, 1, completion, 10);
  const flushedAt = Date.now();
  batcher.flush();
  const second = await reader.read();
  assert.equal(second.value?.count, 1);
  assert.ok(Date.now() - flushedAt < 40, "closed by flush()");
  reader.releaseLock();
  await batcher.close();
});

test("abort() rejects the records of the open batch and of batches not finished yet", async () => {
  // gzip finishes batches asynchronously, so closed batches wait in the stream.
  const { batcher } = makeBatcher({ batchBytes: 1024, compression: "gzip" });
  const completion = counting();
  for (let i = 0; i < 30; i++) batcher.append(null, "v".repeat(100), null, 1, completion, 110);
  const reason = new Error("fatal");
  const dropped = batcher.abort(reason);
  assert.equal(dropped.records, 30);
  assert.equal(dropped.reserved, 30 * 110);
  assert.equal(completion.failed.length, 30);
  assert.ok(completion.failed.every((e) => e === reason));
  await assert.rejects(readAll(batcher), (e) => e === reason);
  assert.equal(completion.ok.length, 0, "no record both failed and delivered");
});

function idleBatcher(idle: () => boolean, clock: ManualClock) {
  return new PartitionBatcher("t", 0, {
    batchBytes: 1 << 16,
    lingerMs: 5,
    idle,
    compression: "none",
    clock,
    pool: new BufferPool(1 << 16, 1 << 20),
    transactional: false,
    charge: () => {},
  });
}

/** The next batch, or undefined when none is ready once pending callbacks ran. */
async function readyBatch(
  reader: ReadableStreamDefaultReader<ProducerBatch>,
): Promise<ProducerBatch | undefined> {
  const pending = reader.read();
  let done = false;
  pending.then(() => done = true);
  await settle();
  return done ? (await pending).value : undefined;
}

test("natural batching: an idle partition's batch goes once the same turn's records are in, with no linger", async () => {
  const clock = new ManualClock();
  const batcher = idleBatcher(() => true, clock);
  const completion = counting();
  for (let i = 0; i < 3; i++) batcher.append(null, `v${i}`, null, 1, completion, 10);
  const reader = batcher.readable.getReader();
  const batch = await readyBatch(reader);
  assert.equal(batch?.count, 3, "the three records of the turn, in one batch, at once");
  assert.equal(clock.pending, 0, "no linger timer was set");
});

test("natural batching: a busy partition's batch lingers for lingerMs", async () => {
  const clock = new ManualClock();
  const batcher = idleBatcher(() => false, clock);
  const completion = counting();
  batcher.append(null, "v", null, 1, completion, 10);
  const reader = batcher.readable.getReader();
  const waiting = reader.read();
  await settle();
  clock.advance(4);
  batcher.append(null, "w", null, 1, completion, 10);
  await settle();
  assert.equal(clock.pending, 1);
  clock.advance(1);
  const batch = (await waiting).value;
  assert.equal(batch?.count, 2, "records that came while it lingered joined it");
});
