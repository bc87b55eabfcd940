import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { GzipWorkers } from "../../src/producer/gzip_workers.ts";

const hasWorkers = typeof globalThis.Worker === "function";
const onDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;

function section(i: number, size: number): Uint8Array {
  const text = `record ${i} of a batch, compressible text; `.repeat(Math.ceil(size / 40));
  return new TextEncoder().encode(text.slice(0, size));
}

test("forRuntime() gives workers for gzip on Deno only", () => {
  assert.equal(GzipWorkers.forRuntime("none"), undefined);
  assert.equal(GzipWorkers.forRuntime("lz4"), undefined);
  const gzip = GzipWorkers.forRuntime("gzip");
  assert.equal(gzip !== undefined, onDeno);
  gzip?.close();
});

test("concurrent jobs of many sizes each come back as their own section, gzipped", {
  skip: !hasWorkers && "no Web Workers on this runtime",
}, async () => {
  const workers = new GzipWorkers(2);
  try {
    // Under 64 KiB on the event loop, larger on the workers: both kinds, interleaved.
    const inputs = Array.from(
      { length: 24 },
      (_, i) => section(i, 1000 + (i % 2) * 90_000 + i * 7919),
    );
    const outputs = await Promise.all(inputs.map((data) => workers.compress(data)));
    outputs.forEach((out, i) => {
      assert.deepEqual(new Uint8Array(gunzipSync(out)), inputs[i], `job ${i}`);
      assert.ok(out.length < inputs[i]!.length, `job ${i} was compressed`);
    });
    assert.equal(workers.pending, 0);
  } finally {
    workers.close();
  }
});

test("close() with jobs pending still settles them, on the event loop; later jobs too", {
  skip: !hasWorkers && "no Web Workers on this runtime",
}, async () => {
  const workers = new GzipWorkers(2);
  const inputs = Array.from({ length: 8 }, (_, i) => section(i, 200_000));
  const pending = inputs.map((data) => workers.compress(data));
  workers.close();
  const outputs = await Promise.all(pending);
  outputs.forEach((out, i) => assert.deepEqual(new Uint8Array(gunzipSync(out)), inputs[i]));
  const later = section(99, 5000);
  assert.deepEqual(new Uint8Array(gunzipSync(await workers.compress(later))), later);
});

test("a worker that fails to start leaves every job to the event loop", {
  skip: !hasWorkers && "no Web Workers on this runtime",
}, async () => {
  const workers = new GzipWorkers(2, new URL("./fixtures/failing_worker.ts", import.meta.url));
  try {
    const inputs = Array.from({ length: 6 }, (_, i) => section(i, 100_000));
    const outputs = await Promise.all(inputs.map((data) => workers.compress(data)));
    outputs.forEach((out, i) => assert.deepEqual(new Uint8Array(gunzipSync(out)), inputs[i]));
    const later = section(7, 3000);
    assert.deepEqual(new Uint8Array(gunzipSync(await workers.compress(later))), later);
  } finally {
    workers.close();
  }
});
