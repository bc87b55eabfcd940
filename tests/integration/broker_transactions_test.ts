/**
 * The producer's transaction tests on the test broker, judged in read_committed mode
 * by the broker itself and by librdkafka (kcat, when present): committed records
 * visible, aborted ones never; a batch too large split inside a transaction; fencing
 * by a newer producer; a transaction made abort-only by broken sequences (KIP-360)
 * and the next one committing; and transactions committed exactly once while Produce
 * errors are injected and connections dropped after their requests took effect.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createProducer, KafkaError, KafkaTransactionError } from "../../mod.ts";
import { startTestBroker } from "../../src/testing.ts";
import { kcatMissing, kcatReadBack } from "./broker_tools.ts";

const dec = new TextDecoder();
const values = (records: readonly { value: Uint8Array | null }[]): string[] =>
  records.map((r) => dec.decode(r.value!));

async function kcatCommitted(bootstrap: string[], topic: string): Promise<string[] | null> {
  if ((await kcatMissing()) !== null) return null;
  const out: string[] = [];
  for (
    const records of (await kcatReadBack(bootstrap, topic, { isolation: "read_committed" }))
      .values()
  ) {
    out.push(...values(records));
  }
  return out;
}

describe("producer transactions on the test broker", () => {
  test("committed transactions are visible to read_committed, aborted ones never", {
    timeout: 120_000,
  }, async () => {
    await using broker = await startTestBroker({ brokers: 3, topics: { txn: 3 } });
    const producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "txn",
      transactionalId: "txn-id",
    });
    const batch = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: `k${i % 5}`, value: `${tag}-${i}` }));
    try {
      await assert.rejects(producer.send({ value: "outside" }), KafkaTransactionError);
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
    const committed = values(broker.records("txn", { isolation: "read_committed" }));
    assert.equal(committed.length, 700);
    assert.ok(committed.every((v) => v.startsWith("commit")));
    assert.equal(values(broker.records("txn")).filter((v) => v.startsWith("abort")).length, 500);
    const viaKcat = await kcatCommitted(broker.bootstrap, "txn");
    if (viaKcat !== null) {
      assert.deepEqual(viaKcat.sort(), [...committed].sort(), "librdkafka agrees");
    }
  });

  test("a batch too large for the topic is split inside a transaction, which still commits", {
    timeout: 120_000,
  }, async () => {
    await using broker = await startTestBroker({
      topics: { split: { partitions: 1, maxMessageBytes: 8192 } },
    });
    const producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "split",
      transactionalId: "split-id",
      batchBytes: 65536,
      lingerMs: 50,
    });
    const sent = Array.from({ length: 120 }, (_, i) => `split-${i}-${"x".repeat(400)}`);
    try {
      await producer.transaction(async (tx) =>
        void await tx.send(sent.map((value) => ({ value })))
      );
      await producer.transaction(async (tx) => void await tx.send({ value: "next" }));
    } finally {
      await producer.close();
    }
    assert.deepEqual(values(broker.records("split", { isolation: "read_committed" })), [
      ...sent,
      "next",
    ]);
  });

  test(
    "a newer producer with the same transactional id fences the older one",
    { timeout: 120_000 },
    async () => {
      await using broker = await startTestBroker({ topics: { fence: 1 } });
      const older = createProducer({
        bootstrap: broker.bootstrap,
        topic: "fence",
        transactionalId: "fence-id",
      });
      const newer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "fence",
        transactionalId: "fence-id",
      });
      try {
        await older.transaction(async (tx) => void await tx.send({ value: "older-1" }));
        await newer.transaction(async (tx) => void await tx.send({ value: "newer-1" }));
        await assert.rejects(
          older.transaction(async (tx) => void await tx.send({ value: "older-2" })),
          (e: Error) =>
            /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(
              `${e.name} ${e.message} ${String(e.cause)}`,
            ),
        );
        await assert.rejects(older.beginTransaction(), /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
      } finally {
        await older.close().catch(() => {});
        await newer.close();
      }
      assert.deepEqual(values(broker.records("fence", { isolation: "read_committed" })), [
        "older-1",
        "newer-1",
      ]);
    },
  );

  test(
    "a transaction whose sequence numbers broke becomes abort-only; after the abort the next one commits",
    {
      timeout: 60_000,
    },
    async () => {
      await using broker = await startTestBroker({ topics: { txn: 1 } });
      const producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "txn",
        transactionalId: "txn-id",
        deliveryTimeoutMs: 20_000,
        requestTimeoutMs: 5_000,
      });
      try {
        await producer.beginTransaction();
        assert.ok((await producer.send({ value: "first" })).offset >= 0n);
        broker.faults.failNext("Produce", "UNKNOWN_PRODUCER_ID");
        await assert.rejects(producer.send({ value: "second" }), (e: Error) => {
          assert.ok(e instanceof KafkaTransactionError, String(e));
          assert.ok(e.cause instanceof KafkaError);
          assert.equal(e.cause.code, 59);
          return true;
        });
        await assert.rejects(producer.send({ value: "third" }), KafkaTransactionError);
        await assert.rejects(producer.commitTransaction(), /abort it/);
        await producer.abortTransaction();
        await producer.beginTransaction();
        const after = await producer.send([{ value: "after-1" }, { value: "after-2" }]);
        assert.equal(after[1]!.offset, after[0]!.offset + 1n);
        await producer.commitTransaction();
      } finally {
        await producer.close();
      }
      assert.deepEqual(values(broker.records("txn", { isolation: "read_committed" })), [
        "after-1",
        "after-2",
      ]);
    },
  );

  for (const transactionVersion of [1, 2] as const) {
    test(
      `transactions commit exactly once while Produce errors are injected and answers are lost (transaction.version ${transactionVersion})`,
      {
        timeout: 120_000,
      },
      async () => {
        await using broker = await startTestBroker({
          brokers: 3,
          topics: { eos: 6 },
          transactionVersion,
        });
        const producer = createProducer({
          bootstrap: broker.bootstrap,
          topic: "eos",
          transactionalId: "eos-id",
          requestTimeoutMs: 2000,
          retryBackoffMs: 20,
        });
        const TRANSACTIONS = 20;
        const PER = 500;
        try {
          for (let t = 0; t < TRANSACTIONS; t++) {
            if (t === 5) {
              broker.faults.failNext("Produce", ["NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT"]);
            }
            if (t === 9) broker.faults.dropNext("Produce", { when: "after" });
            // v2 sends no AddPartitionsToTxn: its EndTxn, which bumps the epoch, is answered
            // again when retried after a lost answer.
            if (t === 13) {
              broker.faults.dropNext(transactionVersion === 1 ? "AddPartitionsToTxn" : "EndTxn", {
                when: "after",
              });
            }
            if (t === 16) broker.faults.failNext("EndTxn", "COORDINATOR_LOAD_IN_PROGRESS");
            await producer.transaction(async (tx) => {
              await tx.send(
                Array.from({ length: PER }, (_, i) => ({ key: `k${i % 31}`, value: `${t}-${i}` })),
              );
            });
          }
        } finally {
          await producer.close();
        }
        assert.equal(broker.faults.pending, 0, "every fault was hit");
        const committed = values(broker.records("eos", { isolation: "read_committed" }));
        assert.equal(committed.length, TRANSACTIONS * PER);
        assert.equal(new Set(committed).size, committed.length, "no record twice");
        const viaKcat = await kcatCommitted(broker.bootstrap, "eos");
        if (viaKcat !== null) assert.equal(viaKcat.length, TRANSACTIONS * PER, "librdkafka agrees");
        const used = broker.requestCounts();
        const sent = (api: string) => used.filter((c) => c.api === api);
        if (transactionVersion === 2) {
          assert.deepEqual(sent("AddPartitionsToTxn"), []);
          assert.ok(sent("EndTxn").every((c) => c.version === 5), JSON.stringify(sent("EndTxn")));
        } else {
          assert.ok(sent("AddPartitionsToTxn").length > 0);
          assert.ok(sent("EndTxn").every((c) => c.version <= 4), JSON.stringify(sent("EndTxn")));
        }
      },
    );
  }
});
