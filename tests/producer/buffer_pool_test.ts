import { test } from "node:test";
import assert from "node:assert/strict";
import { BufferPool } from "../../src/producer/buffer_pool.ts";

test("take() rounds up to a power of two of at least 1 KiB", () => {
  const pool = new BufferPool(65536, 1 << 20);
  assert.equal(pool.take(1).length, 1024);
  assert.equal(pool.take(1025).length, 2048);
  assert.equal(pool.take(65536).length, 65536);
});

test("a buffer larger than the largest pooled size is exact and never pooled", () => {
  const pool = new BufferPool(65536, 1 << 20);
  const big = pool.take(100_000);
  assert.equal(big.length, 100_000);
  pool.give(big);
  assert.notEqual(pool.take(100_000), big);
});

test("a given buffer is reused for its size, then for smaller sizes", () => {
  const pool = new BufferPool(65536, 1 << 20);
  const b = pool.take(4096);
  pool.give(b.subarray(0, 10)); // the batch is a view: the whole buffer goes back
  assert.equal(pool.take(4096).buffer, b.buffer);
  pool.give(b);
  assert.equal(pool.take(1024).buffer, b.buffer, "a larger free buffer serves a smaller request");
  assert.equal(pool.take(1024).length, 1024, "the pool is empty again: a new buffer");
});

test("a full pool drops smaller free buffers to keep a larger one, never exceeding its bound", () => {
  const pool = new BufferPool(65536, 8192);
  const small = [pool.take(1024), pool.take(1024), pool.take(2048), pool.take(4096)];
  for (const s of small) pool.give(s); // 8 KiB free: full
  const large = pool.take(8192);
  pool.give(large);
  assert.equal(pool.take(8192).buffer, large.buffer);
  // Nothing smaller is left: the small ones made room.
  for (const size of [1024, 2048, 4096]) {
    assert.ok(!small.some((s) => s.buffer === pool.take(size).buffer));
  }
});

test("a buffer that would not fit even after dropping smaller ones is left to the collector", () => {
  const pool = new BufferPool(65536, 4096);
  const large = pool.take(8192);
  pool.give(large);
  assert.notEqual(pool.take(8192).buffer, large.buffer);
});
