/**
 * Compressed batches read back by librdkafka (kcat), an implementation independent of
 * this package and of Java's: gzip, snappy and lz4 (librdkafka's own codecs), and
 * zstd. librdkafka checks each batch's CRC and decompresses it; every record must
 * come back byte-exact, on Java's partition, in write order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readBack, startMockCluster } from "../mock/mock_cluster.ts";
import {
  kafkaSink,
  partitionForKey,
  type ProducerOptions,
  type ProducerRecord,
} from "../../mod.ts";

const PARTITIONS = 3;
const COUNT = 3_000;
const dec = new TextDecoder();

/** Records keyed `key-{i % 50}`, with the value `valueOf(i)`. */
function keyedRecords(count: number, valueOf: (i: number) => string): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => ({ key: `key-${i % 50}`, value: valueOf(i) }));
}

/**
 * Pipes the records into a sink on a fresh one-broker mock, reads them back with
 * librdkafka (CRCs checked) and checks every one landed once, byte-exact, on Java's
 * partition, in write order.
 */
async function roundTrip(
  topic: string,
  records: ProducerRecord[],
  sink: Omit<ProducerOptions, "bootstrap" | "topic">,
  valueOf: (i: number) => string,
  idOf: (value: string) => number,
): Promise<void> {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic(topic, PARTITIONS, 1);
    await ReadableStream.from(records).pipeTo(
      kafkaSink({ bootstrap: mock.bootstrap, topic, ...sink }),
    );
    const landed = await readBack(mock.bootstrap, topic, { checkCrcs: true });
    let total = 0;
    for (const [partition, list] of landed) {
      let last = -1;
      for (const r of list) {
        const value = dec.decode(r.value!);
        const id = idOf(value);
        assert.equal(value, valueOf(id));
        assert.equal(dec.decode(r.key!), `key-${id % 50}`);
        assert.equal(partition, partitionForKey(r.key!, PARTITIONS));
        assert.ok(id > last, `partition ${partition}: ${id} after ${last}`);
        last = id;
        total++;
      }
    }
    assert.equal(total, records.length);
  } finally {
    await mock.close();
  }
}

const smallValue = (i: number) => `value-${i}-${"x".repeat(i % 300)}`;

for (const compression of ["gzip", "snappy", "lz4", "zstd"] as const) {
  test(`${compression} batches: librdkafka reads every record back byte-exact`, {
    timeout: 60_000,
  }, async () => {
    await roundTrip(
      "packed",
      keyedRecords(COUNT, smallValue),
      { compression, lingerMs: 20 },
      smallValue,
      (value) => Number(value.split("-")[1]),
    );
  });
}

test(
  "gzip batches of 64 KiB and more (on Deno gzipped by workers): librdkafka reads every record back",
  { timeout: 60_000 },
  async () => {
    const text = (i: number) => `${i}:` + "kafka stream record batch ".repeat(40);
    await roundTrip(
      "large",
      keyedRecords(6_000, text),
      { compression: "gzip", batchBytes: 512 * 1024, lingerMs: 50 },
      text,
      (value) => Number(value.split(":")[0]),
    );
  },
);
