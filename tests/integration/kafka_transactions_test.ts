/**
 * Transactions against the real Kafka, judged by the Java consumer in read_committed
 * mode: committed records appear, aborted ones never; a newer producer with the same
 * transactional id fences the older one, which then fails with a clear error.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapServers, createTopic, readBack, uniqueTopic } from "../kafka/cluster.ts";
import { createProducer, KafkaTransactionError } from "../../mod.ts";
import { kafkaReady } from "./kafka_setup.ts";

const dec = new TextDecoder();
const values = (records: readonly { value: Uint8Array | null }[]): string[] =>
  records.map((r) => dec.decode(r.value!));

describe("kafka transactions", () => {
  let available = false;
  before(async () => {
    available = await kafkaReady();
  }, { timeout: 600_000 });

  test("committed transactions are visible to read_committed, aborted ones never", {
    timeout: 180_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("txn");
    await createTopic(topic, 3, 3, { "min.insync.replicas": 2 });
    const producer = createProducer({
      bootstrap: bootstrapServers,
      topic,
      transactionalId: `${topic}-id`,
    });
    try {
      await assert.rejects(producer.send({ value: "outside" }), KafkaTransactionError);
      const batch = (tag: string, n: number) =>
        Array.from({ length: n }, (_, i) => ({ key: `k${i % 5}`, value: `${tag}-${i}` }));

      await producer.transaction(async (tx) => void await tx.send(batch("commit1", 500)));

      await producer.beginTransaction();
      await producer.send(batch("abort1", 300));
      await producer.abortTransaction();

      await assert.rejects(
        producer.transaction(async (tx) => {
          await tx.send(batch("abort2", 200));
          throw new Error("work failed");
        }),
        /work failed/,
      );

      await producer.transaction(async (tx) => void await tx.send(batch("commit2", 200)));
    } finally {
      await producer.close();
    }
    const committed = values(await readBack(topic, { isolation: "read_committed" }));
    assert.equal(committed.length, 700);
    assert.ok(committed.every((v) => v.startsWith("commit")), "only committed records");
    for (const tag of ["commit1", "commit2"]) {
      assert.equal(
        committed.filter((v) => v.startsWith(`${tag}-`)).length,
        tag === "commit1" ? 500 : 200,
      );
    }
    // The aborted records are in the log, only hidden: read_uncommitted sees them.
    const all = values(await readBack(topic));
    assert.equal(all.filter((v) => v.startsWith("abort")).length, 500);
  });

  test("a batch too large for the topic is split inside a transaction, which still commits", {
    timeout: 180_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("txn-split");
    await createTopic(topic, 1, 3, { "max.message.bytes": 8192 });
    const producer = createProducer({
      bootstrap: bootstrapServers,
      topic,
      transactionalId: `${topic}-id`,
      batchBytes: 65536,
      lingerMs: 50,
    });
    const sent = Array.from({ length: 120 }, (_, i) => `split-${i}-${"x".repeat(400)}`);
    try {
      // One send of 120 records: ~50 KB batches, refused as too large, then halved
      // (the halves keep the refused batch's sequence numbers: no epoch bump, which
      // would abort the transaction).
      await producer.transaction(async (tx) =>
        void await tx.send(sent.map((value) => ({ value })))
      );
      await producer.transaction(async (tx) => void await tx.send({ value: "next" }));
    } finally {
      await producer.close();
    }
    assert.deepEqual(values(await readBack(topic, { isolation: "read_committed" })), [
      ...sent,
      "next",
    ]);
  });

  test("a newer producer with the same transactional id fences the older one", {
    timeout: 180_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("txn-fence");
    await createTopic(topic, 1, 3);
    const id = `${topic}-id`;
    const older = createProducer({ bootstrap: bootstrapServers, topic, transactionalId: id });
    const newer = createProducer({ bootstrap: bootstrapServers, topic, transactionalId: id });
    try {
      await older.transaction(async (tx) => void await tx.send({ value: "older-1" }));
      await newer.transaction(async (tx) => void await tx.send({ value: "newer-1" }));
      await assert.rejects(
        older.transaction(async (tx) => void await tx.send({ value: "older-2" })),
        (e: Error) => /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(`${e.name} ${e.message}`),
      );
      // Fenced is final: the older producer refuses further work with the same error.
      await assert.rejects(older.beginTransaction(), /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    } finally {
      await older.close().catch(() => {});
      await newer.close();
    }
    assert.deepEqual(values(await readBack(topic, { isolation: "read_committed" })), [
      "older-1",
      "newer-1",
    ]);
  });

  test("close() aborts a transaction left open, so read_committed readers are not held up", {
    timeout: 180_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("txn-close");
    await createTopic(topic, 1, 3);
    const left = createProducer({
      bootstrap: bootstrapServers,
      topic,
      transactionalId: `${topic}-a`,
    });
    await left.beginTransaction();
    await left.send(Array.from({ length: 50 }, (_, i) => ({ value: `open-${i}` })));
    await left.close();
    // Written after the open transaction's records: visible to read_committed only once
    // that transaction ended (else not until the broker's 60 s transaction timeout).
    const next = createProducer({
      bootstrap: bootstrapServers,
      topic,
      transactionalId: `${topic}-b`,
    });
    try {
      await next.transaction(async (tx) => void await tx.send({ value: "committed" }));
    } finally {
      await next.close();
    }
    assert.deepEqual(
      values(await readBack(topic, { isolation: "read_committed", timeoutMs: 20_000 })),
      ["committed"],
    );
  });
});
