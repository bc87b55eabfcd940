/**
 * Metrics and events against librdkafka's mock cluster (an independent broker):
 * 20,000 records through `createProducer().writable` while several Produce requests
 * are answered with retriable errors add up in Java's metrics (each record sent once,
 * retries counted, no error), with a retry event per failed request; connections,
 * metadata and a moved leader are events; and close({ timeoutMs }) on a slow broker
 * fails the records in flight at the deadline, naming how many.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { endOffsets, ErrorCode, startMockCluster } from "../mock/mock_cluster.ts";
import {
  type BrokerEventDetail,
  createProducer,
  KafkaClosedError,
  KafkaCloseTimeoutError,
  type LeaderChangeEventDetail,
  type MetadataEventDetail,
  type ProducerRecord,
  type RetryEventDetail,
} from "../../mod.ts";

const PRODUCE = 0;
const PARTITIONS = 6;

/** `count` records, 500 a pull with a 1 ms pause; `at[n]` runs (awaited) before record n. */
function source(count: number, at: Record<number, () => Promise<void>>) {
  let next = 0;
  return new ReadableStream<ProducerRecord>({
    async pull(controller) {
      const end = Math.min(count, next + 500);
      for (; next < end; next++) {
        await at[next]?.();
        controller.enqueue({ key: `key-${next % 997}`, value: `value-${next}`.padEnd(100, ".") });
      }
      if (next >= count) controller.close();
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
  }, { highWaterMark: 0 });
}

test(
  "20,000 records through createProducer().writable with retriable Produce errors: Java's metrics add up",
  {
    timeout: 120_000,
  },
  async () => {
    const mock = await startMockCluster({ brokers: 3 });
    try {
      await mock.createTopic("metrics", PARTITIONS, 3);
      const producer = createProducer({
        bootstrap: mock.bootstrap,
        topic: "metrics",
        retryBackoffMs: 20,
        retryBackoffMaxMs: 200,
      });
      const retries: RetryEventDetail[] = [];
      const errors: unknown[] = [];
      producer.addEventListener("retry", (e) => retries.push(e.detail));
      producer.addEventListener("error", (e) => errors.push(e.detail));
      const injected = [
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        ErrorCode.REQUEST_TIMED_OUT,
        ErrorCode.NOT_ENOUGH_REPLICAS,
        ErrorCode.LEADER_NOT_AVAILABLE,
        ErrorCode.NOT_ENOUGH_REPLICAS,
      ];
      await source(20_000, {
        4_000: () => mock.pushErrors(PRODUCE, injected.slice(0, 3)),
        12_000: () => mock.pushErrors(PRODUCE, injected.slice(3)),
      }).pipeTo(producer.writable);
      const m = producer.metrics();
      await producer.close();

      assert.equal(m["record-send-total"], 20_000, "each record counted once, on its first send");
      assert.equal(m["record-ack-total"], 20_000, "and acknowledged once");
      assert.ok(m["byte-ack-total"] > 20_000 * 100);
      assert.ok(m["record-retry-total"] > 0, "records were retried");
      assert.equal(m["record-error-total"], 0);
      assert.deepEqual(errors, []);
      assert.ok(
        retries.length >= injected.length,
        `a retry event per failed request: ${retries.length} for ${injected.length}`,
      );
      assert.equal(
        retries.reduce((n, r) => n + r.records, 0),
        m["record-retry-total"],
        "the events account for every retried record",
      );
      assert.ok(retries.every((r) => r.topic === "metrics" && r.attempt >= 1));
      assert.ok(
        new Set(retries.map((r) => r.error)).size >= 2,
        `error names: ${[...new Set(retries.map((r) => r.error))]}`,
      );
      for (
        const name of [
          "request-latency-avg",
          "request-latency-max",
          "batch-size-avg",
          "batch-size-max",
          "record-size-avg",
          "records-per-request-avg",
          "record-queue-time-avg",
          "record-send-rate",
          "request-rate",
        ] as const
      ) {
        assert.ok(m[name] > 0, `${name} is ${m[name]}`);
      }
      assert.ok(m["request-latency-max"] >= m["request-latency-avg"]);
      assert.ok(
        m["record-size-avg"] > 100 && m["record-size-avg"] < 150,
        `${m["record-size-avg"]}`,
      );
      assert.ok(m["batch-size-avg"] >= m["record-size-avg"]);
      assert.equal(m["buffer-total-bytes"], 33_554_432);
      assert.ok(m["buffer-available-bytes"] <= m["buffer-total-bytes"]);
      assert.ok(m["request-total"] > m["record-send-total"] / 1000, "Produce and more");
      assert.ok(m["outgoing-byte-total"] > 20_000 * 100, `${m["outgoing-byte-total"]} bytes`);
      assert.equal(m["produce-throttle-time-max"], 0);
      assert.deepEqual(m.topics.metrics, {
        "record-send-total": 20_000,
        "byte-total": m.topics.metrics!["byte-total"],
        "record-retry-total": m["record-retry-total"],
        "record-error-total": 0,
      });
      assert.ok(m.topics.metrics!["byte-total"] > 20_000 * 100);
      // The independent broker stored each record once: the errors were answered instead.
      const ends = await endOffsets(mock.bootstrap, "metrics");
      assert.equal([...ends.values()].reduce((a, b) => a + b, 0), 20_000);
    } finally {
      await mock.close();
    }
  },
);

test("connections, metadata and a moved leader are events; close() disconnects every broker", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("moves", 3, 3);
    const producer = createProducer({
      bootstrap: mock.bootstrap,
      topic: "moves",
      retryBackoffMs: 20,
    });
    const seen: { type: string; detail: unknown }[] = [];
    for (const type of ["connect", "disconnect", "metadata", "leader-change"] as const) {
      producer.addEventListener(type, (e) => seen.push({ type, detail: e.detail }));
    }
    const details = <T>(type: string): T[] =>
      seen.filter((e) => e.type === type).map((e) => e.detail as T);
    // Only partition 0 is written to: the one broker connected by id is its leader
    // (metadata and the producer id go through the bootstrap connection).
    await producer.send({ partition: 0, value: "before" });
    const metadata = details<MetadataEventDetail>("metadata");
    assert.equal(metadata.length, 1, "the first refresh changed everything; later ones nothing");
    assert.deepEqual(metadata[0]!.brokersAdded.toSorted(), [1, 2, 3]);
    assert.deepEqual(metadata[0]!.partitions, [{ topic: "moves", from: 0, to: 3 }]);
    assert.deepEqual(
      metadata[0]!.brokers.map((b) => b.address).toSorted(),
      mock.bootstrap.toSorted(),
    );
    const connects = details<BrokerEventDetail>("connect");
    assert.equal(connects.length, 1, JSON.stringify(connects));
    const leader = connects[0]!.nodeId;
    assert.equal(connects[0]!.address, mock.bootstrap[leader - 1], "broker i at address i");

    // The old leader answers NOT_LEADER_OR_FOLLOWER; the refresh finds the new one.
    const next = leader % 3 + 1;
    await mock.setLeader("moves", 0, next);
    await producer.send({ partition: 0, value: "after" });
    assert.deepEqual(
      details<LeaderChangeEventDetail>("leader-change").map((d) => [
        d.topic,
        d.partition,
        d.previousLeader,
        d.leader,
      ]),
      [["moves", 0, leader, next]],
    );
    assert.equal(details<MetadataEventDetail>("metadata").at(-1)!.leaderChanges, 1);
    assert.deepEqual(details<BrokerEventDetail>("connect").map((d) => d.nodeId), [leader, next]);
    assert.equal(producer.metrics()["connection-count"], 2);

    await producer.close();
    assert.deepEqual(
      details<BrokerEventDetail>("disconnect").map((d) => d.nodeId).toSorted(),
      [leader, next].toSorted(),
      "each connection reported closed before close() resolved",
    );
    const m = producer.metrics();
    assert.equal(m["connection-count"], 0);
    assert.equal(m["connection-creation-total"], 2);
    assert.equal(m["connection-close-total"], 2);
  } finally {
    await mock.close();
  }
});

test("close({ timeoutMs }) on a slow broker fails the records in flight at the deadline", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("slow", PARTITIONS, 3);
    const producer = createProducer({ bootstrap: mock.bootstrap, topic: "slow" });
    const failed: number[] = [];
    producer.addEventListener("error", (e) => failed.push(e.detail.records));
    await producer.send({ value: "first" });
    await mock.setRtt(-1, 5000);
    const sends = Array.from({ length: 600 }, (_, i) => producer.send({ value: `v${i}` }));
    const outcomes = Promise.allSettled(sends);
    while (producer.metrics()["requests-in-flight"] === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const started = Date.now();
    const error = await producer.close({ timeoutMs: 300 }).then(() => null, (e) => e);
    const ms = Date.now() - started;
    assert.ok(error instanceof KafkaCloseTimeoutError, String(error));
    assert.equal(error.records, 600);
    assert.ok(error.inFlight > 0 && error.inFlight <= 600, `in flight: ${error.inFlight}`);
    assert.match(error.message, /were in requests already sent, so they may have been written/);
    assert.ok(ms >= 290 && ms < 3000, `close() took ${ms} ms, not the broker's 5 s`);
    assert.ok((await outcomes).every((o) => o.status === "rejected" && o.reason === error));
    assert.equal(failed.reduce((a, b) => a + b, 0), 600, "error events name every record");
    assert.equal(producer.metrics()["record-error-total"], 600);
    await assert.rejects(producer.send({ value: "late" }), KafkaClosedError);
  } finally {
    await mock.close();
  }
});

test("close({ timeoutMs }) resolves once every record is acknowledged in time", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("quick", PARTITIONS, 3);
    const producer = createProducer({ bootstrap: mock.bootstrap, topic: "quick" });
    const sends = Array.from({ length: 1000 }, (_, i) => producer.send({ value: `v${i}` }));
    const outcomes = Promise.allSettled(sends);
    await producer.close({ timeoutMs: 20_000 });
    assert.ok((await outcomes).every((o) => o.status === "fulfilled"));
    assert.equal(producer.metrics()["record-send-total"], 1000);
  } finally {
    await mock.close();
  }
});
