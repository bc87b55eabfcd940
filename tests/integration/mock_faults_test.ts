/**
 * The fault matrix on librdkafka's mock cluster, for what a real broker will not
 * easily do: Produce errors injected (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE,
 * REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, NETWORK_EXCEPTION, a dropped connection),
 * leaders moved between brokers, a broker down and up, and a slow broker hitting the
 * request timeout. Each writes 100,000 keyed records through kafkaSink and reads them
 * back with kcat: nothing lost, keyed records on Java's partition, order per key.
 *
 * The mock does not check CRCs or sequence numbers: it appends a pipelined request
 * that a real broker would refuse as OUT_OF_ORDER_SEQUENCE_NUMBER behind a failed one,
 * and keeps requests whose answers a dropped connection lost, where a real broker
 * would deduplicate them. So here the producer keeps one request in flight per
 * connection (`maxInFlight: 1`), which makes order and "no duplicates" hold without
 * the broker's help; the pipelined, idempotent path is judged by the real-Kafka fault
 * matrix. An injected error is answered instead of appending, so those cases must
 * have no duplicates; a slow broker does append what the producer gave up on, so
 * there duplicates are allowed and counted.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type MockCluster, readBack, startMockCluster } from "../mock/mock_cluster.ts";
import {
  kafkaSink,
  partitionForKey,
  type ProducerOptions,
  type ProducerRecord,
} from "../../mod.ts";

const PARTITIONS = 6;
const COUNT = 100_000;
const TOPIC = "faults";
const dec = new TextDecoder();

function keyOf(i: number): string {
  return `key-${String(i % 1000).padStart(8, "0")}`;
}

/** COUNT paced records; `at[n]` runs (awaited) before record n. */
function source(at: Record<number, () => Promise<void>>): ReadableStream<ProducerRecord> {
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

async function check(mock: MockCluster): Promise<Landed> {
  const partitions = await readBack(mock.bootstrap, TOPIC, { timeoutMs: 60_000 });
  const seen = new Uint8Array(COUNT);
  let duplicates = 0;
  for (const [partition, records] of partitions) {
    const lastByKey = new Map<string, number>();
    for (const r of records) {
      const id = Number(dec.decode(r.value!).slice("value-".length));
      if (seen[id]) duplicates++;
      seen[id] = 1;
      assert.equal(partition, partitionForKey(r.key!, PARTITIONS), `partition of ${id}`);
      const key = keyOf(id);
      const previous = lastByKey.get(key);
      // A duplicate re-appends an earlier batch; anything else out of order is a bug.
      if (previous !== undefined && id <= previous) {
        assert.ok(duplicates > 0 && seen[id], `key ${key}: ${id} stored after ${previous}`);
      } else lastByKey.set(key, id);
    }
  }
  return { lost: COUNT - seen.reduce((a, b) => a + b, 0), duplicates };
}

async function run(
  at: (mock: MockCluster) => Record<number, () => Promise<void>>,
  options: Partial<ProducerOptions> = {},
): Promise<Landed> {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic(TOPIC, PARTITIONS, 3);
    await source(at(mock)).pipeTo(kafkaSink({
      bootstrap: mock.bootstrap,
      topic: TOPIC,
      requestTimeoutMs: 2000,
      retryBackoffMs: 20,
      retryBackoffMaxMs: 200,
      maxInFlight: 1,
      ...options,
    }));
    return await check(mock);
  } finally {
    await mock.close();
  }
}

const PRODUCE = 0;
const injected: [string, number][] = [
  ["NOT_LEADER_OR_FOLLOWER", 6],
  ["LEADER_NOT_AVAILABLE", 5],
  ["REQUEST_TIMED_OUT", 7],
  ["NOT_ENOUGH_REPLICAS", 19],
  ["NETWORK_EXCEPTION", 13],
  ["a dropped connection (TRANSPORT)", -195],
];

describe("mock cluster fault matrix", () => {
  for (const [name, code] of injected) {
    test(`Produce answered with ${name} mid-stream: nothing lost, nothing twice, in order`, {
      timeout: 120_000,
    }, async () => {
      const landed = await run((mock) => ({
        30_000: () => mock.pushErrors(PRODUCE, [code, code, code]),
        60_000: () => mock.pushErrors(PRODUCE, [code]),
      }));
      assert.deepEqual(landed, { lost: 0, duplicates: 0 });
    });
  }

  test("leaders moved between brokers mid-stream: nothing lost, nothing twice, in order", {
    timeout: 120_000,
  }, async () => {
    const landed = await run((mock) => ({
      25_000: async () => {
        for (let p = 0; p < PARTITIONS; p++) await mock.setLeader(TOPIC, p, 1 + ((p + 1) % 3));
      },
      50_000: async () => {
        for (let p = 0; p < PARTITIONS; p++) await mock.setLeader(TOPIC, p, 1 + ((p + 2) % 3));
      },
    }));
    assert.deepEqual(landed, { lost: 0, duplicates: 0 });
  });

  test(
    "a broker down and up again mid-stream: nothing lost, in order",
    { timeout: 120_000 },
    async () => {
      const landed = await run((mock) => ({
        20_000: () => mock.brokerDown(2),
        40_000: () =>
          new Promise((resolve) => setTimeout(resolve, 1500)).then(() => mock.brokerUp(2)),
      }));
      assert.equal(landed.lost, 0);
    },
  );

  test("a slow broker hitting the request timeout: nothing lost, order per key kept", {
    timeout: 120_000,
  }, async () => {
    const landed = await run((mock) => ({
      20_000: () => mock.setRtt(1, 1500),
      50_000: () => mock.setRtt(1, 0),
    }), { requestTimeoutMs: 1000, lingerMs: 5 });
    assert.equal(landed.lost, 0);
  });

  test("without idempotence (acks=1), injected errors are retried and nothing is lost", {
    timeout: 120_000,
  }, async () => {
    const landed = await run((mock) => ({
      30_000: () => mock.pushErrors(PRODUCE, [6, 7, 13, -195]),
    }), { acks: 1, idempotent: false });
    assert.equal(landed.lost, 0);
  });
});
