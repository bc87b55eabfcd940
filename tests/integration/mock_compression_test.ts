/**
 * Compressed batches read back by librdkafka (kcat), an implementation independent of
 * this package and of Java's: gzip, snappy and lz4 (librdkafka's own codecs), and
 * zstd. librdkafka checks each batch's CRC and decompresses it; every record must
 * come back byte-exact, on Java's partition, in write order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readBack, startMockCluster } from "../mock/mock_cluster.ts";
import { kafkaSink, partitionForKey, type ProducerRecord } from "../../mod.ts";

const PARTITIONS = 3;
const COUNT = 3_000;
const dec = new TextDecoder();

for (const compression of ["gzip", "snappy", "lz4", "zstd"] as const) {
  test(`${compression} batches: librdkafka reads every record back byte-exact`, {
    timeout: 60_000,
  }, async () => {
    const mock = await startMockCluster({ brokers: 1 });
    try {
      await mock.createTopic("packed", PARTITIONS, 1);
      const records: ProducerRecord[] = Array.from({ length: COUNT }, (_, i) => ({
        key: `key-${i % 50}`,
        value: `value-${i}-${"x".repeat(i % 300)}`,
      }));
      await ReadableStream.from(records).pipeTo(
        kafkaSink({ bootstrap: mock.bootstrap, topic: "packed", compression, lingerMs: 20 }),
      );
      const landed = await readBack(mock.bootstrap, "packed", { checkCrcs: true });
      let total = 0;
      for (const [partition, list] of landed) {
        let last = -1;
        for (const r of list) {
          const value = dec.decode(r.value!);
          const id = Number(value.split("-")[1]);
          assert.equal(value, `value-${id}-${"x".repeat(id % 300)}`);
          assert.equal(dec.decode(r.key!), `key-${id % 50}`);
          assert.equal(partition, partitionForKey(r.key!, PARTITIONS));
          assert.ok(id > last, `partition ${partition}: ${id} after ${last}`);
          last = id;
          total++;
        }
      }
      assert.equal(total, COUNT);
    } finally {
      await mock.close();
    }
  });
}

test(
  "gzip batches of 64 KiB and more (on Deno gzipped by workers): librdkafka reads every record back",
  {
    timeout: 60_000,
  },
  async () => {
    const mock = await startMockCluster({ brokers: 1 });
    try {
      await mock.createTopic("large", PARTITIONS, 1);
      const count = 6_000;
      const text = (i: number) => `${i}:` + "kafka stream record batch ".repeat(40);
      const records: ProducerRecord[] = Array.from({ length: count }, (_, i) => ({
        key: `key-${i % 50}`,
        value: text(i),
      }));
      await ReadableStream.from(records).pipeTo(
        kafkaSink({
          bootstrap: mock.bootstrap,
          topic: "large",
          compression: "gzip",
          batchBytes: 512 * 1024,
          lingerMs: 50,
        }),
      );
      const landed = await readBack(mock.bootstrap, "large", { checkCrcs: true });
      let total = 0;
      for (const [partition, list] of landed) {
        let last = -1;
        for (const r of list) {
          const value = dec.decode(r.value!);
          const id = Number(value.split(":")[0]);
          assert.equal(value, text(id));
          assert.equal(partition, partitionForKey(r.key!, PARTITIONS));
          assert.ok(id > last, `partition ${partition}: ${id} after ${last}`);
          last = id;
          total++;
        }
      }
      assert.equal(total, count);
    } finally {
      await mock.close();
    }
  },
);
