/**
 * Bad input against the real Kafka: each case fails with a clear typed error and
 * everything else is still delivered (read back with the Java consumer).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapServers, createTopic, readBack, uniqueTopic } from "../kafka/cluster.ts";
import {
  createProducer,
  KafkaDeliveryError,
  KafkaError,
  KafkaSerializationError,
  kafkaSink,
  type ProducerRecord,
} from "../../mod.ts";
import { kafkaReady } from "./kafka_setup.ts";

const dec = new TextDecoder();

function ids(records: readonly { value: Uint8Array | null }[]): number[] {
  return records.map((r) => Number(dec.decode(r.value!.subarray(0, 8)))).sort((a, b) => a - b);
}

/** A value whose first 8 bytes are its id, padded to `size`. */
function valueOf(id: number, size: number): Uint8Array {
  const out = new Uint8Array(Math.max(8, size)).fill(0x61);
  out.set(new TextEncoder().encode(String(id).padStart(8, "0")));
  return out;
}

describe("kafka bad input", () => {
  let available = false;
  before(async () => {
    available = await kafkaReady();
  }, { timeout: 600_000 });

  test("a batch over the topic's max.message.bytes is split; only a record too large alone fails", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("too-large");
    await createTopic(topic, 1, 3, { "max.message.bytes": 100_000 });
    const producer = createProducer({
      bootstrap: bootstrapServers,
      topic,
      batchBytes: 1_000_000,
      maxRequestBytes: 2_000_000,
      lingerMs: 50,
    });
    try {
      // 20 records of 30 kB share batches far over 100 kB; record 10 alone is 150 kB.
      const results = await Promise.allSettled(
        Array.from(
          { length: 21 },
          (_, i) => producer.send({ value: valueOf(i, i === 10 ? 150_000 : 30_000) }),
        ),
      );
      const failed = results.flatMap((r, i) => (r.status === "rejected" ? [[i, r.reason]] : []));
      assert.equal(failed.length, 1, `failed: ${failed.map(([i]) => i).join(",")}`);
      const [index, reason] = failed[0]!;
      assert.equal(index, 10);
      assert.ok(reason instanceof KafkaError);
      assert.ok(reason.code === 10 || reason.code === 18, reason.message);
      assert.deepEqual(ids(await readBack(topic)), [...Array(21).keys()].filter((i) => i !== 10));
    } finally {
      await producer.close();
    }
  });

  test("an invalid topic, a failing serializer and an oversized record fail alone", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("bad-records");
    await createTopic(topic, 3, 3);
    const producer = createProducer<string, unknown>({
      bootstrap: bootstrapServers,
      topic,
      valueSerializer: (value) => {
        if (value === "boom") throw new Error("cannot serialize boom");
        return new TextEncoder().encode(String(value));
      },
    });
    try {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) sends.push(producer.send({ value: String(i).padStart(8, "0") }));
      const badTopic = producer.send({ topic: "not a topic!", value: "x" });
      const badValue = producer.send({ value: "boom" });
      const tooBig = producer.send({ value: "x".repeat(2_000_000) });
      await assert.rejects(
        badTopic,
        (e: KafkaError) => e.name === "INVALID_TOPIC_EXCEPTION" && /not a topic!/.test(e.message),
      );
      await assert.rejects(
        badValue,
        (e: Error) => e instanceof KafkaSerializationError && /boom/.test(e.message),
      );
      await assert.rejects(
        tooBig,
        (e: KafkaError) => e.name === "MESSAGE_TOO_LARGE" && /maxRequestBytes/.test(e.message),
      );
      await Promise.all(sends);
      assert.deepEqual(ids(await readBack(topic)), [...Array(30).keys()]);
    } finally {
      await producer.close();
    }
  });

  test("a sink fails on a bad record naming it, after delivering the records before it", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("sink-bad");
    await createTopic(topic, 3, 3);
    const records: ProducerRecord[] = Array.from(
      { length: 1000 },
      (_, i) => ({ value: valueOf(i, 20) }),
    );
    records.splice(600, 0, { value: 42 as unknown as string });
    await assert.rejects(
      ReadableStream.from(records).pipeTo(kafkaSink({ bootstrap: bootstrapServers, topic })),
      (e: Error) => {
        assert.ok(e instanceof KafkaDeliveryError, String(e));
        assert.match(e.message, /record 600/);
        assert.match(e.message, /got a number/);
        assert.match(e.message, /Of the 600 records written before it, 600 delivered and 0 failed/);
        return true;
      },
    );
    assert.deepEqual(ids(await readBack(topic)), [...Array(600).keys()]);
  });

  test(
    "a pipe aborted mid-stream delivers exactly what the sink accepted",
    { timeout: 120_000 },
    async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic("aborted");
      await createTopic(topic, 6, 3);
      const controller = new AbortController();
      let next = 0;
      const source = new ReadableStream<ProducerRecord>({
        async pull(c) {
          for (const end = next + 100; next < end; next++) {
            c.enqueue({ key: `k${next % 7}`, value: valueOf(next, 16) });
          }
          if (next === 20_000) {
            controller.abort(new Error("stop"));
          }
          await new Promise((resolve) => setTimeout(resolve, 1));
        },
      }, { highWaterMark: 0 });
      await assert.rejects(
        source.pipeTo(kafkaSink({ bootstrap: bootstrapServers, topic }), {
          signal: controller.signal,
        }),
        /stop/,
      );
      const stored = ids(await readBack(topic));
      // What was accepted is all there, once, and nothing after it: a prefix of the stream.
      assert.ok(stored.length >= 19_000 && stored.length <= 20_100, `stored ${stored.length}`);
      assert.deepEqual(stored, [...Array(stored.length).keys()]);
    },
  );
});
