/**
 * The producer against a real 3-node Apache Kafka: records are read back with the
 * official Java consumer (tests/kafka/ReadBack.java) and checked to have landed
 * once each, byte-exact, keyed ones on the partition Java's murmur2 picks, in
 * write order per partition.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bootstrapServers,
  createTopic,
  readBack,
  type ReadBackRecord,
  uniqueTopic,
} from "../kafka/cluster.ts";
import { createProducer, kafkaSink, partitionForKey, type ProducerRecord } from "../../mod.ts";
import { kafkaReady } from "./kafka_setup.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const PARTITIONS = 6;

interface Expected {
  id: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  partition: number | undefined;
  headers: { key: string; value: Uint8Array | null }[];
  timestamp: number | undefined;
}

/** Builds a varied stream of records; each value (or header "id") carries its id. */
function makeRecords(count: number): { records: ProducerRecord[]; expected: Expected[] } {
  const records: ProducerRecord[] = [];
  const expected: Expected[] = [];
  for (let id = 0; id < count; id++) {
    const kind = id % 10;
    const idHeader = { key: "id", value: enc.encode(String(id)) };
    if (kind < 6) {
      // keyed, string key and value
      const key = `key-${String(id % 500).padStart(8, "0")}`;
      records.push({ key, value: `value ${id} é`, headers: { id: String(id) } });
      expected.push({
        id,
        key: enc.encode(key),
        value: enc.encode(`value ${id} é`),
        partition: undefined,
        headers: [idHeader],
        timestamp: undefined,
      });
    } else if (kind < 8) {
      // null key, binary value, repeated header keys, null header value, explicit timestamp
      const value = new Uint8Array([id & 0xff, 0, 0xff, (id >> 8) & 0xff]);
      const ts = 1_700_000_000_000 + id;
      records.push({
        value,
        headers: [["id", String(id)], ["dup", "a"], ["dup", null]],
        timestamp: kind === 6 ? ts : new Date(ts),
      });
      expected.push({
        id,
        key: null,
        value,
        partition: undefined,
        headers: [idHeader, { key: "dup", value: enc.encode("a") }, { key: "dup", value: null }],
        timestamp: ts,
      });
    } else {
      // explicit partition; empty value every other time, null (tombstone) otherwise
      const partition = id % PARTITIONS;
      const key = enc.encode(`bytes-key-${id}`);
      const value = kind === 8 ? new Uint8Array(0) : null;
      records.push({ key, value, partition, headers: { id: String(id) } });
      expected.push({ id, key, value, partition, headers: [idHeader], timestamp: undefined });
    }
  }
  return { records, expected };
}

function idOf(record: ReadBackRecord): number {
  const header = record.headers.find((h) => h.key === "id");
  assert.ok(header?.value, "every record carries an id header");
  return Number(dec.decode(header.value));
}

/** Checks every expected record landed once, in order per partition, byte-exact. */
function checkLanded(
  read: readonly ReadBackRecord[],
  expected: readonly Expected[],
  writeOrder: readonly number[],
): void {
  const byId = new Map<number, ReadBackRecord>();
  for (const r of read) {
    const id = idOf(r);
    assert.ok(!byId.has(id), `record ${id} stored twice`);
    byId.set(id, r);
  }
  assert.equal(byId.size, expected.length, "every record stored");
  for (const e of expected) {
    const r = byId.get(e.id);
    assert.ok(r, `record ${e.id} missing`);
    assert.deepEqual(r.key, e.key, `key of ${e.id}`);
    assert.deepEqual(r.value, e.value, `value of ${e.id}`);
    assert.deepEqual(r.headers, e.headers, `headers of ${e.id}`);
    if (e.partition !== undefined) {
      assert.equal(r.partition, e.partition, `explicit partition of ${e.id}`);
    } else if (e.key !== null) {
      assert.equal(r.partition, partitionForKey(e.key, PARTITIONS), `murmur2 partition of ${e.id}`);
    }
    if (e.timestamp !== undefined) {
      assert.equal(r.timestamp, BigInt(e.timestamp), `timestamp of ${e.id}`);
    }
  }
  // Order per partition: offsets increase in write order.
  const lastOffset = new Map<number, bigint>();
  for (const id of writeOrder) {
    const r = byId.get(id)!;
    const previous = lastOffset.get(r.partition);
    if (previous !== undefined) {
      assert.ok(r.offset > previous, `record ${id} out of order on partition ${r.partition}`);
    }
    lastOffset.set(r.partition, r.offset);
  }
}

describe("kafka integration", () => {
  let available = false;
  before(async () => {
    available = await kafkaReady();
  }, { timeout: 600_000 });

  for (const acks of ["all", 1, 0] as const) {
    test(`kafkaSink() with acks ${acks} stores every record once, in order, on Java's partition`, {
      timeout: 300_000,
    }, async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic(`sink-acks-${acks}`);
      await createTopic(topic, PARTITIONS, 3, { "min.insync.replicas": 2 });
      const { records, expected } = makeRecords(acks === "all" ? 20_000 : 5_000);
      await ReadableStream.from(records).pipeTo(
        kafkaSink({ bootstrap: bootstrapServers, topic, acks }),
      );
      // With acks 1 or 0 the sink is done before the followers have every record,
      // so the high watermark the reader stops at may still lag: wait for it.
      const read = await readBack(topic, { minOffsets: expected.length });
      checkLanded(read, expected, expected.map((e) => e.id));
    });
  }

  for (const compression of ["gzip", "zstd", "snappy", "lz4"] as const) {
    test(`kafkaSink() with ${compression} batches: the Java consumer reads every record back`, {
      timeout: 120_000,
    }, async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic(`sink-${compression}`);
      await createTopic(topic, PARTITIONS, 3);
      const { records, expected } = makeRecords(5_000);
      await ReadableStream.from(records).pipeTo(
        kafkaSink({ bootstrap: bootstrapServers, topic, compression }),
      );
      checkLanded(await readBack(topic), expected, expected.map((e) => e.id));
    });
  }

  test(
    "kafkaSink() stores a 1 MiB value and an empty one byte-exact",
    { timeout: 120_000 },
    async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic("sink-large");
      await createTopic(topic, PARTITIONS, 3, { "max.message.bytes": 4 * 1024 * 1024 });
      const big = new Uint8Array(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
      const records: ProducerRecord[] = [
        { key: "big", value: big, headers: { id: "0" } },
        { key: "empty", value: new Uint8Array(0), headers: { id: "1" } },
        { key: "big", value: "after", headers: { id: "2" } },
      ];
      await ReadableStream.from(records).pipeTo(
        kafkaSink({ bootstrap: bootstrapServers, topic, maxRequestBytes: 2 * 1024 * 1024 }),
      );
      const read = await readBack(topic);
      checkLanded(read, [
        {
          id: 0,
          key: enc.encode("big"),
          value: big,
          partition: undefined,
          headers: [{ key: "id", value: enc.encode("0") }],
          timestamp: undefined,
        },
        {
          id: 1,
          key: enc.encode("empty"),
          value: new Uint8Array(0),
          partition: undefined,
          headers: [{ key: "id", value: enc.encode("1") }],
          timestamp: undefined,
        },
        {
          id: 2,
          key: enc.encode("big"),
          value: enc.encode("after"),
          partition: undefined,
          headers: [{ key: "id", value: enc.encode("2") }],
          timestamp: undefined,
        },
      ], [0, 1, 2]);
    },
  );

  test(
    "send() resolves with the offsets and partitions Kafka stored",
    { timeout: 120_000 },
    async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic("send-offsets");
      await createTopic(topic, PARTITIONS, 3);
      const producer = createProducer({ bootstrap: bootstrapServers, topic });
      try {
        const metadata = await producer.send(
          Array.from(
            { length: 300 },
            (_, i) => ({ key: `k${i % 17}`, value: `v${i}`, headers: { id: String(i) } }),
          ),
        );
        const one = await producer.send({ key: "solo", value: "solo", headers: { id: "300" } });
        const read = await readBack(topic);
        const byId = new Map(read.map((r) => [idOf(r), r]));
        for (const [i, m] of [...metadata, one].entries()) {
          const r = byId.get(i)!;
          assert.equal(m.topic, topic);
          assert.equal(m.partition, r.partition, `partition of ${i}`);
          assert.equal(m.offset, r.offset, `offset of ${i}`);
          assert.equal(BigInt(m.timestamp), r.timestamp, `timestamp of ${i}`);
        }
      } finally {
        await producer.close();
      }
    },
  );

  test("a closed sink rejects further writes", { timeout: 60_000 }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("closed-sink");
    await createTopic(topic, 1, 3);
    const sink = kafkaSink({ bootstrap: bootstrapServers, topic });
    const writer = sink.getWriter();
    await writer.write({ value: "one" });
    await writer.close();
    await assert.rejects(writer.write({ value: "two" }), TypeError);
    assert.equal((await readBack(topic)).length, 1);
  });

  test("a record for a topic that does not exist fails after maxBlockMs naming it", {
    timeout: 60_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("missing");
    const producer = createProducer({ bootstrap: bootstrapServers, maxBlockMs: 1500 });
    try {
      await assert.rejects(producer.send({ topic, value: "x" }), (error: Error) => {
        assert.equal(error.name, "UNKNOWN_TOPIC_OR_PARTITION");
        assert.match(
          error.message,
          new RegExp(`topic ${topic} not present in metadata after 1500 ms`),
        );
        return true;
      });
    } finally {
      await producer.close();
    }
  });
});
