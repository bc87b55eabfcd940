import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeRecordBatch, encodeRecordBatch } from "../../src/record/record_batch.ts";
import { CompressionId, registerCompressionCodec } from "../../src/record/compression.ts";
import { zstdCodec } from "../../src/producer/zstd_codec.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import { fromHex } from "../fixtures/protocol_helpers.ts";

registerCompressionCodec(zstdCodec);
const enc = new TextEncoder();

for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
  test(`decodeRecordBatch() reads a ${codec} batch compressed by Java's producer code`, async () => {
    const bytes = fromHex(kafkaFixtures[`RecordBatch.${codec}`]!);
    const batch = await decodeRecordBatch(bytes);
    assert.equal(batch.attributes & 7, CompressionId[codec]);
    assert.equal(batch.records.length, 300);
    for (const [i, record] of batch.records.entries()) {
      assert.equal(record.offsetDelta, i);
      assert.equal(record.timestampDelta, BigInt(i));
      assert.deepEqual(record.key, enc.encode(`key-${String(i).padStart(8, "0")}`));
      assert.deepEqual(record.value, enc.encode(`value ${i} `.repeat(15)));
    }
    // Encoding what was decoded with the same codec decodes to the same records.
    const again = await decodeRecordBatch(await encodeRecordBatch(batch));
    assert.deepEqual(again.records, batch.records);
  });
}
