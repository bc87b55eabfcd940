/**
 * Encoding one RecordBatch v2 of 1,000 keyed records (12-byte keys, 100-byte values),
 * CRC included: the producer's path (strings written in place by RecordBatchBuilder),
 * the public encodeRecordBatch() on bytes, and KafkaJS 2.2.4's Record + RecordBatch
 * encoders on Buffers (what its producer does per batch) as the baseline.
 *
 * `BENCH_SMOKE=1` runs each case a few times only, for CI.
 */
import { Buffer } from "node:buffer";
// Bench-only baselines, imported inline so deno.json stays free of dependencies.
// deno-lint-ignore no-import-prefix
import kafkajsRecord from "npm:kafkajs@2.2.4/src/protocol/recordBatch/record/v0/index.js";
// deno-lint-ignore no-import-prefix
import kafkajsRecordBatch from "npm:kafkajs@2.2.4/src/protocol/recordBatch/v0/index.js";
import { RecordBatchBuilder } from "../src/record/record_batch_builder.ts";
import { encodeRecordBatch } from "../src/record/record_batch.ts";

const smoke = Deno.env.get("BENCH_SMOKE") === "1";
const runs = smoke ? { n: 10, warmup: 1 } : {};
const COUNT = 1000;

const keys = Array.from({ length: COUNT }, (_, i) => `key-${String(i).padStart(8, "0")}`);
const value = "v".repeat(100);
const encoder = new TextEncoder();
const keyBytes = keys.map((k) => encoder.encode(k));
const valueBytes = encoder.encode(value);
const now = 1700000000000;

type KafkaJsRecord = (
  r: { offsetDelta: number; timestampDelta: number; key: Buffer; value: Buffer },
) => unknown;
type KafkaJsBatch = (b: Record<string, unknown>) => Promise<{ buffer: Buffer }>;
const Record = kafkajsRecord as KafkaJsRecord;
const RecordBatch = (kafkajsRecordBatch as { RecordBatch: KafkaJsBatch }).RecordBatch;

let sink = 0;

Deno.bench({
  name: "RecordBatchBuilder: 1,000 string records (producer path)",
  group: "encode 1,000 records",
  baseline: true,
  ...runs,
  fn() {
    const builder = new RecordBatchBuilder(256 * 1024);
    for (let i = 0; i < COUNT; i++) builder.append(0, i, keys[i]!, value, null);
    sink ^= builder.finish({
      baseOffset: 0n,
      partitionLeaderEpoch: -1,
      attributes: 0,
      lastOffsetDelta: COUNT - 1,
      baseTimestamp: BigInt(now),
      maxTimestamp: BigInt(now),
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
    }).length;
  },
});

Deno.bench({
  name: "encodeRecordBatch(): 1,000 byte records",
  group: "encode 1,000 records",
  ...runs,
  fn() {
    const records = new Array(COUNT);
    for (let i = 0; i < COUNT; i++) records[i] = { key: keyBytes[i]!, value: valueBytes };
    sink ^= (encodeRecordBatch({ baseTimestamp: BigInt(now), records }) as Uint8Array).length;
  },
});

Deno.bench({
  name: "kafkajs 2.2.4: Record + RecordBatch",
  group: "encode 1,000 records",
  ...runs,
  async fn() {
    const records = new Array(COUNT);
    for (let i = 0; i < COUNT; i++) {
      records[i] = Record({
        offsetDelta: i,
        timestampDelta: 0,
        key: Buffer.from(keys[i]!),
        value: Buffer.from(value),
      });
    }
    const batch = await RecordBatch({
      firstTimestamp: now,
      maxTimestamp: now,
      lastOffsetDelta: COUNT - 1,
      records,
    });
    sink ^= batch.buffer.length;
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink); // keeps the results observable
});
