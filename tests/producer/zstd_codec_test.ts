import { test } from "node:test";
import assert from "node:assert/strict";
import { zstdCodec } from "../../src/producer/zstd_codec.ts";
import { registerCompressionCodec } from "../../src/record/compression.ts";
import { decodeRecordBatch, encodeRecordBatch } from "../../src/record/record_batch.ts";
import { KafkaProtocolError } from "../../src/errors.ts";
import { createProducer } from "../../mod.ts";

registerCompressionCodec(zstdCodec);

test("a zstd record batch round-trips and shrinks", async () => {
  const records = Array.from(
    { length: 500 },
    (_, i) => ({ key: `key-${i}`, value: "v".repeat(100) }),
  );
  const plain = encodeRecordBatch({ records }) as Uint8Array;
  const packed = await encodeRecordBatch({ attributes: 4, records });
  assert.ok(packed.length < plain.length / 10, `${packed.length} vs ${plain.length}`);
  const batch = await decodeRecordBatch(packed);
  assert.equal(batch.attributes & 7, 4);
  assert.deepEqual(
    batch.records.map((r) => r.key),
    (await decodeRecordBatch(plain)).records.map((r) => r.key),
  );
});

test("zstd decompression stops at the byte limit with KafkaProtocolError", async () => {
  const packed = await encodeRecordBatch({
    attributes: 4,
    records: [{ value: new Uint8Array(1 << 20) }],
  });
  await assert.rejects(
    async () => await decodeRecordBatch(packed, { maxDecompressedBytes: 1000 }),
    KafkaProtocolError,
  );
});

test("createProducer() takes every compression Kafka knows: each has a codec", () => {
  for (const compression of ["none", "gzip", "snappy", "lz4", "zstd"] as const) {
    createProducer({ bootstrap: "h:1", compression }).close();
  }
});
