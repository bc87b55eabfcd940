/**
 * What the client refuses by itself says so (never "Kafka broker returned ..." when
 * no broker was asked), names the option, topic or record, and fails nothing else.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createProducer,
  KafkaDeliveryError,
  KafkaError,
  KafkaPartitionerError,
  kafkaSink,
} from "../../mod.ts";
import { ApiKey, ErrorCode, startMockCluster } from "../mock/mock_cluster.ts";

test("createProducer() refuses an invalid default topic with a TypeError naming it", () => {
  assert.throws(
    () => createProducer({ bootstrap: "h:1", topic: "bad topic!" }),
    (e: Error) =>
      e instanceof TypeError && /topic must be a valid topic name/.test(e.message) &&
      /current value is "bad topic!"/.test(e.message),
  );
  assert.throws(() => createProducer({ bootstrap: "h:1", topic: "x".repeat(250) }), TypeError);
});

test("option values that are strings are quoted in errors, so they do not read as numbers", () => {
  assert.throws(
    // @ts-expect-error: acks is a number or "all"
    () => createProducer({ bootstrap: "h:1", acks: "1" }),
    /acks must be -1, 0, 1 or "all": current value is "1"/,
  );
  assert.throws(
    // @ts-expect-error: lingerMs is a number
    () => createProducer({ bootstrap: "h:1", lingerMs: "5" }),
    /lingerMs must be an integer: current value is "5"/,
  );
});

test("an invalid topic name is refused by the client, naming it, with its topic set", async () => {
  const producer = createProducer({ bootstrap: "127.0.0.1:1" });
  try {
    await assert.rejects(producer.send({ topic: "not a topic!", value: "x" }), (e: Error) => {
      assert.ok(e instanceof KafkaError);
      assert.equal(e.name, "INVALID_TOPIC_EXCEPTION");
      assert.equal(e.byClient, true);
      assert.equal(e.topic, "not a topic!");
      assert.doesNotMatch(e.message, /broker/);
      assert.match(e.message, /Cannot use topic name "not a topic!" as it may contain only/);
      return true;
    });
  } finally {
    await producer.close();
  }
});

test("a record over maxRequestBytes is refused by the client; a throwing partitioner fails only its record", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  const producer = createProducer({
    bootstrap: mock.bootstrap,
    topic: "t",
    maxRequestBytes: 1000,
    partitioner: (record) => {
      if (record.value === "no partition") throw new Error("no region for it");
      return 0;
    },
  });
  try {
    await mock.createTopic("t", 2, 1);
    const tooLarge = producer.send({ value: "x".repeat(2000) });
    const unpartitioned = producer.send({ value: "no partition" });
    const fine = producer.send({ value: "fine" });
    await assert.rejects(tooLarge, (e: Error) => {
      assert.ok(e instanceof KafkaError);
      assert.equal(e.name, "MESSAGE_TOO_LARGE");
      assert.equal(e.byClient, true);
      assert.equal(e.topic, "t");
      assert.doesNotMatch(e.message, /Kafka broker returned/);
      assert.match(
        e.message,
        /Cannot send record to t-0 as it is \d+ bytes .*maxRequestBytes \(1000\)/,
      );
      return true;
    });
    await assert.rejects(unpartitioned, (e: Error) => {
      assert.ok(e instanceof KafkaPartitionerError, `${e.name}: ${e.message}`);
      assert.equal(e.topic, "t");
      assert.match(e.message, /partitioner function threw: no region for it/);
      return true;
    });
    assert.equal((await fine).partition, 0);
  } finally {
    await producer.close();
    await mock.close();
  }
});

test("KafkaDeliveryError holds one error per kind, however many records failed with it", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("t", 3, 1);
    await mock.pushErrors(ApiKey.Produce, Array(200).fill(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
    const records = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await assert.rejects(
      ReadableStream.from(records).pipeTo(
        kafkaSink({ bootstrap: mock.bootstrap, topic: "t", lingerMs: 0 }),
      ),
      (e: Error) => {
        assert.ok(e instanceof KafkaDeliveryError, String(e));
        assert.equal(e.failed + e.delivered, 30);
        assert.ok(e.failed > 0);
        // Several partitions failed with messages that differ only by partition.
        assert.deepEqual(e.errors.map((x) => x.name), ["TOPIC_AUTHORIZATION_FAILED"]);
        return true;
      },
    );
  } finally {
    await mock.clearErrors(ApiKey.Produce);
    await mock.close();
  }
});

test("a sink refusing a record says how many records before it were delivered and failed", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("t", 1, 1);
    const records = [{ value: "a" }, { value: "b" }, { value: 42 as unknown as string }];
    await assert.rejects(
      ReadableStream.from(records).pipeTo(kafkaSink({ bootstrap: mock.bootstrap, topic: "t" })),
      (e: Error) => {
        assert.ok(e instanceof KafkaDeliveryError, String(e));
        assert.equal(e.failed, 1);
        assert.equal(e.delivered, 2);
        assert.match(
          e.message,
          /^Cannot write record 2 to Kafka: .*got a number.*\. Of the 2 records written before it, 2 delivered and 0 failed$/,
        );
        return true;
      },
    );
  } finally {
    await mock.close();
  }
});
