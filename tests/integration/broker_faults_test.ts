/**
 * The producer's fault tests on the test broker, which checks sequences and
 * deduplicates as Kafka does, so the idempotent, pipelined producer (5 requests in
 * flight, the default) is judged exactly: injected Produce errors, connections
 * dropped before a request took effect, after it (the answer lost) and halfway
 * through the answer, leaders moved, a leader's broker stopped and started, the whole
 * cluster stopped and started, and a broker slower than the request timeout. Each
 * writes keyed records through kafkaSink: nothing lost, nothing stored twice, keyed
 * records on Java's partition, order per key. The mock and real-Kafka fault tests
 * stay for what only they prove (librdkafka's peers, real replication and SIGKILL).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  createProducer,
  kafkaSink,
  partitionForKey,
  type ProducerOptions,
  type ProducerRecord,
} from "../../mod.ts";
import { startTestBroker, type StoredRecord, type TestBroker } from "../../src/testing.ts";

const PARTITIONS = 6;
const COUNT = 50_000;
const TOPIC = "faults";
const dec = new TextDecoder();

function keyOf(i: number): string {
  return `key-${String(i % 1000).padStart(8, "0")}`;
}

/** COUNT paced records; `at[n]` runs (awaited) before record n. */
function source(at: Record<number, () => unknown>): ReadableStream<ProducerRecord> {
  let next = 0;
  return new ReadableStream<ProducerRecord>({
    async pull(controller) {
      const end = Math.min(COUNT, next + 500);
      for (; next < end; next++) {
        await at[next]?.();
        controller.enqueue({ key: keyOf(next), value: `value-${next}` });
      }
      if (next >= COUNT) controller.close();
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
  }, { highWaterMark: 0 });
}

interface Landed {
  lost: number;
  duplicates: number;
}

/** Counts lost and duplicated records; keyed partitions and order per key must hold. */
function check(records: readonly StoredRecord[], count = COUNT): Landed {
  const seen = new Uint8Array(count);
  let duplicates = 0;
  const last = new Map<string, number>();
  for (const r of records) {
    const id = Number(dec.decode(r.value!).slice("value-".length));
    if (seen[id]) duplicates++;
    seen[id] = 1;
    assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS), `partition of ${id}`);
    const key = dec.decode(r.key!);
    const previous = last.get(key);
    if (previous !== undefined && id <= previous) {
      assert.ok(duplicates > 0, `key ${key}: ${id} stored after ${previous}`);
    } else last.set(key, id);
  }
  return { lost: count - seen.reduce((a, b) => a + b, 0), duplicates };
}

async function run(
  at: (broker: TestBroker) => Record<number, () => unknown>,
  options: Partial<ProducerOptions> = {},
  brokerOptions: Parameters<typeof startTestBroker>[0] = {},
): Promise<Landed> {
  await using broker = await startTestBroker({
    brokers: 3,
    topics: { [TOPIC]: PARTITIONS },
    ...brokerOptions,
  });
  await source(at(broker)).pipeTo(kafkaSink({
    bootstrap: broker.bootstrap,
    topic: TOPIC,
    requestTimeoutMs: 2000,
    retryBackoffMs: 20,
    retryBackoffMaxMs: 200,
    ...options,
  }));
  assert.equal(broker.faults.pending, 0, "every injected error and drop was hit");
  broker.faults.clear();
  return check(broker.records(TOPIC));
}

const EXACTLY_ONCE: Landed = { lost: 0, duplicates: 0 };

describe("producer fault tests on the test broker", () => {
  for (
    const code of [
      "NOT_LEADER_OR_FOLLOWER",
      "LEADER_NOT_AVAILABLE",
      "REQUEST_TIMED_OUT",
      "NOT_ENOUGH_REPLICAS",
      "NETWORK_EXCEPTION",
      "KAFKA_STORAGE_ERROR",
    ]
  ) {
    test(`Produce answered with ${code} mid-stream, 5 requests in flight: exactly once, in order`, {
      timeout: 120_000,
    }, async () => {
      const landed = await run((broker) => ({
        15_000: () => broker.faults.failNext("Produce", [code, code, code]),
        30_000: () =>
          broker.faults.failNext("Produce", code, { topic: TOPIC, partition: 2, count: 3 }),
      }));
      assert.deepEqual(landed, EXACTLY_ONCE);
    });
  }

  for (const when of ["before", "after", "mid-response"] as const) {
    test(
      `connections dropped ${
        when === "before"
          ? "as a Produce arrives"
          : when === "after"
          ? "after a Produce took effect (answers lost)"
          : "halfway through a Produce answer"
      }: exactly once, in order`,
      {
        timeout: 120_000,
      },
      async () => {
        const landed = await run((broker) => ({
          10_000: () => broker.faults.dropNext("Produce", { when, count: 2 }),
          30_000: () => broker.faults.dropNext("Produce", { when, broker: 2 }),
        }));
        assert.deepEqual(landed, EXACTLY_ONCE);
      },
    );
  }

  test(
    "leaders moved between brokers mid-stream: exactly once, in order",
    { timeout: 120_000 },
    async () => {
      const landed = await run((broker) => ({
        12_000: () => {
          for (let p = 0; p < PARTITIONS; p++) broker.moveLeader(TOPIC, p, 1 + ((p + 1) % 3));
        },
        30_000: () => {
          for (let p = 0; p < PARTITIONS; p++) broker.moveLeader(TOPIC, p, 1 + ((p + 2) % 3));
        },
      }));
      assert.deepEqual(landed, EXACTLY_ONCE);
    },
  );

  test(
    "a leader's broker stopped mid-stream (leadership fails over) and started again: exactly once",
    {
      timeout: 120_000,
    },
    async () => {
      const landed = await run((broker) => ({
        10_000: () => broker.stopBroker(broker.offsets(TOPIC, 0).leader),
        35_000: () =>
          broker.startBroker(1).then(() => broker.startBroker(2)).then(() => broker.startBroker(3)),
      }));
      assert.deepEqual(landed, EXACTLY_ONCE);
    },
  );

  test("a broker down with its leadership kept, up again 1.5 s later: exactly once", {
    timeout: 120_000,
  }, async () => {
    const landed = await run((broker) => ({
      10_000: () => {
        void broker.stopBroker(2, { keepLeadership: true }).then(() =>
          new Promise((resolve) => setTimeout(resolve, 1500))
        ).then(() => broker.startBroker(2));
      },
    }));
    assert.deepEqual(landed, EXACTLY_ONCE);
  });

  test(
    "the whole cluster stopped for 2 s and started again: exactly once",
    { timeout: 120_000 },
    async () => {
      let restarted: Promise<void> = Promise.resolve();
      const landed = await run((broker) => ({
        15_000: async () => {
          for (const id of [1, 2, 3]) await broker.stopBroker(id, { keepLeadership: true });
          restarted = new Promise((resolve) => setTimeout(resolve, 2000)).then(async () => {
            for (const id of [1, 2, 3]) await broker.startBroker(id);
          });
        },
        30_000: () => restarted,
      }));
      assert.deepEqual(landed, EXACTLY_ONCE);
    },
  );

  test(
    "a broker slower than the request timeout, which still appends what it answers late: exactly once",
    {
      timeout: 120_000,
    },
    async () => {
      const landed = await run((broker) => ({
        10_000: () => broker.faults.delay(1500, { api: "Produce", broker: 1, count: 4 }),
      }), { requestTimeoutMs: 1000 });
      assert.deepEqual(landed, EXACTLY_ONCE, "the late appends are deduplicated by sequence");
    },
  );

  test(
    "concurrent sinks and send() callers on one producer, a leader's broker stopped: exactly once",
    {
      timeout: 120_000,
    },
    async () => {
      await using broker = await startTestBroker({ brokers: 3, topics: { [TOPIC]: PARTITIONS } });
      const producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: TOPIC,
        requestTimeoutMs: 2000,
        lingerMs: 2,
        retryBackoffMs: 20,
      });
      const WRITERS = 4;
      const PER_WRITER = 10_000;
      const SENDS = 2000;
      try {
        const pipes = Array.from({ length: WRITERS }, (_, w) => {
          let i = 0;
          return new ReadableStream<ProducerRecord>({
            async pull(controller) {
              for (const end = i + 250; i < end && i < PER_WRITER; i++) {
                controller.enqueue({ key: `w${w}-k${i % 50}`, value: `w${w}-${i}` });
              }
              if (i >= PER_WRITER) controller.close();
              await new Promise((resolve) => setTimeout(resolve, 1));
            },
          }, { highWaterMark: 0 }).pipeTo(producer.writable);
        });
        const sends = Array.from(
          { length: SENDS },
          (_, i) => producer.send({ key: `s-k${i % 50}`, value: `s-${i}` }),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        await broker.stopBroker(broker.offsets(TOPIC, 2).leader);
        await Promise.all([...pipes, ...sends]);
      } finally {
        await producer.close();
      }
      const read = broker.records(TOPIC);
      assert.equal(read.length, WRITERS * PER_WRITER + SENDS, "every record stored once");
      const seen = new Set<string>();
      const last = new Map<string, number>();
      for (const r of read) {
        const value = dec.decode(r.value!);
        assert.ok(!seen.has(value), `${value} stored twice`);
        seen.add(value);
        const key = dec.decode(r.key!);
        assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS));
        if (key.startsWith("w")) {
          const n = Number(value.split("-")[1]);
          assert.ok((last.get(key) ?? -1) < n, `${key}: ${n} after ${last.get(key)}`);
          last.set(key, n);
        }
      }
    },
  );

  test(
    "without idempotence (acks=1, one request in flight), injected errors are retried and nothing is lost",
    {
      timeout: 120_000,
    },
    async () => {
      const landed = await run((broker) => ({
        15_000: () =>
          broker.faults.failNext("Produce", [
            "NOT_LEADER_OR_FOLLOWER",
            "REQUEST_TIMED_OUT",
            "NETWORK_EXCEPTION",
          ]),
        25_000: () => broker.faults.dropNext("Produce", { when: "after" }),
      }), { acks: 1, idempotent: false });
      assert.equal(landed.lost, 0);
      assert.ok(
        landed.duplicates <= 1000,
        "an answer lost after the append may store a batch twice",
      );
    },
  );
});
