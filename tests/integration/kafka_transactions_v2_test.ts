/**
 * Transactions v2 (KIP-890 part 2) and the classic protocol on real Kafka, judged by
 * Java's read_committed consumer (ReadBack.java): Kafka 4.3.1 with the
 * `transaction.version` feature at 2 (a new cluster's default) and at 1 (downgraded
 * with Kafka's FeatureCommand), and Kafka 3.9. Each time: commit, abort, commit of
 * 1,000 records, exactly the committed ones read back; the requests the producer
 * wrote (seen through its `connect` option) are transactions v2's (no
 * AddPartitionsToTxn, Produce v12+, EndTxn v5) or the classic ones (AddPartitionsToTxn,
 * Produce up to v11, EndTxn up to v4); and a second producer with the same
 * transactional id fences the first, which fails with a typed error.
 *
 * The 4.3.1 cluster is the one `tests/kafka/cluster.ts` points at
 * (KAFKA_TEST_PORT_OFFSET, KAFKA_TEST_HOME; its storage may be formatted with either
 * level, KAFKA_TEST_TRANSACTION_VERSION); the feature is set back to its level at the end.
 * The 3.9 cluster runs beside it, at KAFKA_TEST_39_PORT_OFFSET (default 1050) under
 * KAFKA_TEST_39_HOME (default /tmp/webstream-kafka-39-txv2), and is stopped at the end.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createProducer, KafkaError, type Producer } from "../../mod.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { openBrokerSession } from "../../src/net/broker_pool.ts";
import { defaultConnect } from "../../src/net/default_connect.ts";
import type { ConnectFunction } from "../../src/net/transport.ts";
import {
  bootstrapServers,
  createTopic,
  readBack,
  runCluster,
  uniqueTopic,
  waitUntil,
} from "../kafka/cluster.ts";
import { kafkaReady } from "./kafka_setup.ts";

const dec = new TextDecoder();
const PER = 1000;

const OFFSET_39 = Number(process.env.KAFKA_TEST_39_PORT_OFFSET ?? "1050");
const env39 = {
  KAFKA_TEST_PORT_OFFSET: String(OFFSET_39),
  KAFKA_TEST_HOME: process.env.KAFKA_TEST_39_HOME ?? "/tmp/webstream-kafka-39-txv2",
};
const bootstrap39 = [1, 2, 3].map((n) => `127.0.0.1:${19091 + OFFSET_39 + n}`);

/** The requests a producer wrote, as `apiKey:version` counts (one request per write). */
function recordingConnect(): { connect: ConnectFunction; sent: Map<number, Set<number>> } {
  const sent = new Map<number, Set<number>>();
  const connect: ConnectFunction = async (options) => {
    const inner = await defaultConnect(options);
    return {
      readable: inner.readable,
      write(bytes: Uint8Array): Promise<void> {
        if (bytes.length >= 8) {
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          const apiKey = view.getInt16(4);
          let versions = sent.get(apiKey);
          if (versions === undefined) sent.set(apiKey, versions = new Set());
          versions.add(view.getInt16(6));
        }
        return inner.write(bytes);
      },
      close: () => inner.close(),
      closed: inner.closed,
    };
  };
  return { connect, sent };
}

const PRODUCE = 0;
const ADD_PARTITIONS_TO_TXN = 24;
const END_TXN = 26;

function checkProtocol(sent: Map<number, Set<number>>, v2: boolean): void {
  const produce = [...(sent.get(PRODUCE) ?? [])];
  const endTxn = [...(sent.get(END_TXN) ?? [])];
  const described = JSON.stringify([...sent].map(([k, v]) => [k, [...v]]));
  if (v2) {
    assert.equal(sent.get(ADD_PARTITIONS_TO_TXN), undefined, `no AddPartitionsToTxn: ${described}`);
    assert.ok(produce.length > 0 && produce.every((v) => v >= 12), `Produce v12+: ${described}`);
    assert.deepEqual(endTxn, [5], `EndTxn v5: ${described}`);
  } else {
    assert.ok(sent.has(ADD_PARTITIONS_TO_TXN), `AddPartitionsToTxn: ${described}`);
    assert.ok(produce.length > 0 && produce.every((v) => v <= 11), `Produce <= v11: ${described}`);
    assert.ok(endTxn.length > 0 && endTxn.every((v) => v <= 4), `EndTxn <= v4: ${described}`);
  }
}

function records(label: string): { key: string; value: string }[] {
  return Array.from({ length: PER }, (_, i) => ({ key: `k${i % 23}`, value: `${label}-${i}` }));
}

/** Commit, abort, commit; returns what the producer wrote. */
async function commitAbortCommit(
  bootstrap: string[],
  topic: string,
): Promise<Map<number, Set<number>>> {
  const { connect, sent } = recordingConnect();
  const producer = createProducer({
    bootstrap,
    topic,
    transactionalId: `${topic}-id`,
    connect,
  });
  try {
    await producer.transaction(async (tx) => void await tx.send(records("commit1")));
    await producer.beginTransaction();
    await producer.send(records("abort"));
    await producer.abortTransaction();
    await producer.transaction(async (tx) => void await tx.send(records("commit2")));
  } finally {
    await producer.close();
  }
  return sent;
}

const isFenced = (e: unknown): boolean =>
  e instanceof KafkaError &&
  (e.code === ErrorCode.PRODUCER_FENCED || e.code === ErrorCode.INVALID_PRODUCER_EPOCH);

/** The older producer is fenced by the newer: a typed error, then every call fails. */
async function fence(bootstrap: string[], topic: string): Promise<void> {
  const id = `${topic}-fence`;
  const older: Producer<string, string> = createProducer({ bootstrap, topic, transactionalId: id });
  const newer: Producer<string, string> = createProducer({ bootstrap, topic, transactionalId: id });
  try {
    await older.transaction(async (tx) => void await tx.send({ value: "older-1" }));
    await newer.transaction(async (tx) => void await tx.send({ value: "newer-1" }));
    await assert.rejects(
      older.transaction(async (tx) => void await tx.send({ value: "older-2" })),
      (e: Error) => isFenced(e) || isFenced(e.cause),
    );
    await assert.rejects(older.beginTransaction(), (e: Error) => isFenced(e) || isFenced(e.cause));
    await newer.transaction(async (tx) => void await tx.send({ value: "newer-2" }));
  } finally {
    await older.close().catch(() => {});
    await newer.close();
  }
}

const committedSorted = [...records("commit1"), ...records("commit2")].map((r) => r.value).sort();

async function reportedLevels(): Promise<(number | undefined)[]> {
  const levels = [];
  for (const address of bootstrapServers) {
    const at = address.lastIndexOf(":");
    const session = await openBrokerSession(
      address.slice(0, at),
      Number(address.slice(at + 1)),
      -1,
      {
        bootstrap: [],
        clientId: "feature-check",
        connect: undefined,
        tls: undefined,
        sasl: undefined,
        connectTimeoutMs: 10_000,
        requestTimeoutMs: 10_000,
        maxInFlight: 1,
        reconnectBackoffMs: 50,
        reconnectBackoffMaxMs: 1000,
      },
    );
    session.connection.close();
    levels.push(session.features?.levels.get("transaction.version"));
  }
  return levels;
}

async function setTransactionVersion(level: number): Promise<void> {
  const current = (await reportedLevels())[0] ?? 0;
  if (current === level) return;
  await runCluster([
    "java",
    "org.apache.kafka.tools.FeatureCommand",
    "--bootstrap-server",
    bootstrapServers.join(","),
    current < level ? "upgrade" : "downgrade",
    "--feature",
    `transaction.version=${level}`,
  ]);
  // Every broker reports the new level to new connections once it applied the record.
  await waitUntil(async () => (await reportedLevels()).every((l) => (l ?? 0) === level), 30_000);
}

describe("kafka 4.3 transactions v2 and the classic protocol", () => {
  let available = false;
  let initialLevel = 2;
  before(async () => {
    available = await kafkaReady();
    if (available) initialLevel = (await reportedLevels())[0] ?? 0;
  }, { timeout: 600_000 });
  after(async () => {
    if (available) await setTransactionVersion(initialLevel);
  }, { timeout: 120_000 });

  for (const level of [2, 1] as const) {
    test(
      `transaction.version ${level}: commit, abort, commit of ${PER} records each; read_committed sees exactly the committed ones; ${
        level === 2 ? "transactions v2" : "the classic protocol"
      }`,
      { timeout: 300_000 },
      async (t) => {
        if (!available) return t.skip("Kafka is not running");
        await setTransactionVersion(level);
        const topic = uniqueTopic(`txv${level}`);
        await createTopic(topic, 3, 3);
        const sent = await commitAbortCommit(bootstrapServers, topic);
        checkProtocol(sent, level === 2);
        const committed = await readBack(topic, { isolation: "read_committed" });
        assert.deepEqual(committed.map((r) => dec.decode(r.value!)).sort(), committedSorted);
        const all = await readBack(topic);
        assert.equal(all.length, 3 * PER, "the aborted records are in the log, markers aside");
      },
    );

    test(
      `transaction.version ${level}: a second producer with the same transactional id fences the first`,
      {
        timeout: 300_000,
      },
      async (t) => {
        if (!available) return t.skip("Kafka is not running");
        await setTransactionVersion(level);
        const topic = uniqueTopic(`fence${level}`);
        await createTopic(topic, 1, 3);
        await fence(bootstrapServers, topic);
        const committed = await readBack(topic, { isolation: "read_committed" });
        assert.deepEqual(committed.map((r) => dec.decode(r.value!)), [
          "older-1",
          "newer-1",
          "newer-2",
        ]);
      },
    );
  }
});

async function readBack39(topic: string, isolation: string): Promise<string[]> {
  const lines: string[] = [];
  await runCluster(["readback", topic, "--isolation", isolation, "--timeout-ms", "60000"], {
    env: env39,
    timeoutMs: 120_000,
    onLine: (line) => void (line.length > 0 && lines.push(dec.decode(line))),
  });
  return lines.map((line) => atob((JSON.parse(line) as { value: string }).value));
}

describe("kafka 3.9 transactions: the classic protocol", () => {
  let available = false;
  before(async () => {
    try {
      await runCluster(["ensure", "3.9"], { env: env39, timeoutMs: 600_000 });
      available = true;
    } catch (error) {
      if (process.env.KAFKA_REQUIRED === "1") throw error;
      console.error(
        `!! Kafka 3.9 cluster could not start; skipping: ${String(error).split("\n")[0]}`,
      );
    }
  }, { timeout: 600_000 });
  after(async () => {
    await runCluster(["stop"], { env: env39 }).catch(() => {});
  }, { timeout: 120_000 });

  test(
    `commit, abort, commit of ${PER} records each on Kafka 3.9; read_committed sees exactly the committed ones`,
    {
      timeout: 300_000,
    },
    async (t) => {
      if (!available) return t.skip("Kafka 3.9 is not running");
      const topic = `tx39-${Date.now().toString(36)}`;
      await runCluster(["create-topic", topic, "3", "3"], { env: env39 });
      const sent = await commitAbortCommit(bootstrap39, topic);
      checkProtocol(sent, false);
      assert.deepEqual((await readBack39(topic, "read_committed")).sort(), committedSorted);
      assert.equal((await readBack39(topic, "read_uncommitted")).length, 3 * PER);
    },
  );

  test("a second producer with the same transactional id fences the first on Kafka 3.9", {
    timeout: 300_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka 3.9 is not running");
    const topic = `fence39-${Date.now().toString(36)}`;
    await runCluster(["create-topic", topic, "1", "3"], { env: env39 });
    await fence(bootstrap39, topic);
    assert.deepEqual(await readBack39(topic, "read_committed"), ["older-1", "newer-1", "newer-2"]);
  });
});
