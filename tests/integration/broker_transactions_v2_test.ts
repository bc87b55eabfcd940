/**
 * Transactions v2 (KIP-890 part 2) and the classic fallback, on the test broker: a
 * Kafka 4.3-like cluster with `transaction.version` 2 gets no AddPartitionsToTxn and
 * Produce v12+ / EndTxn v5; the same broker with the feature at 1, or advertising only
 * Kafka 3.9's versions, gets the classic protocol. Each time commit, abort, commit of
 * 1,000 records leaves exactly the committed ones for a read_committed reader.
 * TRANSACTION_ABORTABLE (from Produce and from EndTxn) leaves the transaction
 * abort-only, and after the abort the producer goes on, as Java's. With the epoch
 * exhausted, EndTxn v5 hands out a new producer id, which the producer then uses. A
 * cluster that moves up to transactions v2 (seen on new connections) gets them from
 * the transaction after the next end, after an epoch bump, as Java's producer does.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createProducer, KafkaError } from "../../mod.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { CoordinatorType, findCoordinatorApi } from "../../src/protocol/find_coordinator.ts";
import { initProducerIdApi } from "../../src/protocol/init_producer_id.ts";
import { Connection } from "../../src/net/connection.ts";
import { defaultConnect } from "../../src/net/default_connect.ts";
import { startTestBroker, type TestBroker, type TestBrokerOptions } from "../../src/testing.ts";

const dec = new TextDecoder();
const values = (records: readonly { value: Uint8Array | null }[]): string[] =>
  records.map((r) => dec.decode(r.value!));

const PER = 1000;

function records(label: string): { key: string; value: string }[] {
  return Array.from({ length: PER }, (_, i) => ({ key: `k${i % 17}`, value: `${label}-${i}` }));
}

/** The versions each API was sent at, by API name. */
function versionsUsed(broker: TestBroker): Map<string, number[]> {
  const used = new Map<string, number[]>();
  for (const c of broker.requestCounts()) {
    let list = used.get(c.api);
    if (list === undefined) used.set(c.api, list = []);
    list.push(c.version);
  }
  return used;
}

const CASES: { name: string; options: TestBrokerOptions; v2: boolean }[] = [
  { name: "Kafka 4.3, transaction.version 2", options: {}, v2: true },
  { name: "Kafka 4.3, transaction.version 1", options: { transactionVersion: 1 }, v2: false },
  { name: "Kafka 3.9", options: { kafkaVersion: "3.9" }, v2: false },
];

describe("transactions v2 and the classic protocol on the test broker", () => {
  for (const { name, options, v2 } of CASES) {
    test(
      `commit, abort, commit of ${PER} records each: ${name} gets ${
        v2 ? "transactions v2" : "the classic protocol"
      }`,
      { timeout: 60_000 },
      async () => {
        await using broker = await startTestBroker({ brokers: 3, topics: { tx: 3 }, ...options });
        const producer = createProducer({
          bootstrap: broker.bootstrap,
          topic: "tx",
          transactionalId: "tx-id",
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
        const committed = values(broker.records("tx", { isolation: "read_committed" })).sort();
        const expected = [...records("commit1"), ...records("commit2")].map((r) => r.value).sort();
        assert.deepEqual(committed, expected, "read_committed sees exactly the committed records");
        assert.equal(broker.records("tx").length, 3 * PER, "the aborted ones are in the log");
        const used = versionsUsed(broker);
        const produce = used.get("Produce") ?? [];
        const endTxn = used.get("EndTxn") ?? [];
        if (v2) {
          assert.equal(used.get("AddPartitionsToTxn"), undefined, "no AddPartitionsToTxn");
          assert.ok(produce.length > 0 && produce.every((v) => v >= 12), `Produce ${produce}`);
          assert.deepEqual(endTxn, [5]);
          // The epoch comes from EndTxn: one InitProducerId, at initialization.
          assert.equal(
            broker.requestCounts().find((c) => c.api === "InitProducerId")?.count,
            1,
          );
        } else {
          assert.ok((used.get("AddPartitionsToTxn") ?? []).length > 0, "AddPartitionsToTxn sent");
          assert.ok(produce.length > 0 && produce.every((v) => v <= 11), `Produce ${produce}`);
          assert.ok(endTxn.length > 0 && endTxn.every((v) => v <= 4), `EndTxn ${endTxn}`);
        }
      },
    );
  }

  for (const transactionVersion of [1, 2] as const) {
    test(
      `TRANSACTION_ABORTABLE from Produce leaves the transaction abort-only; after the abort the next commits (transaction.version ${transactionVersion})`,
      {
        timeout: 60_000,
      },
      async () => {
        await using broker = await startTestBroker({ topics: { tx: 1 }, transactionVersion });
        const producer = createProducer({
          bootstrap: broker.bootstrap,
          topic: "tx",
          transactionalId: "abortable",
        });
        try {
          await producer.beginTransaction();
          await producer.send({ value: "before" });
          broker.faults.failNext("Produce", "TRANSACTION_ABORTABLE");
          await assert.rejects(
            producer.send({ value: "refused" }),
            (e: Error) =>
              e instanceof KafkaError && e.code === ErrorCode.TRANSACTION_ABORTABLE ||
              (e.cause instanceof KafkaError && e.cause.code === ErrorCode.TRANSACTION_ABORTABLE),
          );
          await assert.rejects(producer.commitTransaction(), /abort it/);
          await producer.abortTransaction();
          await producer.transaction(async (tx) => void await tx.send({ value: "after" }));
        } finally {
          await producer.close();
        }
        assert.deepEqual(values(broker.records("tx", { isolation: "read_committed" })), ["after"]);
        const inits = broker.requestCounts().find((c) => c.api === "InitProducerId")?.count;
        // Classic: the epoch is bumped by InitProducerId after the abort (KIP-360); v2: by EndTxn.
        assert.equal(inits, transactionVersion === 2 ? 1 : 2);
      },
    );
  }

  test(
    "TRANSACTION_ABORTABLE from AddPartitionsToTxn (classic protocol) fails the records; the abort lets the producer go on",
    {
      timeout: 60_000,
    },
    async () => {
      await using broker = await startTestBroker({ topics: { tx: 1 }, transactionVersion: 1 });
      const producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "tx",
        transactionalId: "add-abortable",
      });
      try {
        await producer.beginTransaction();
        broker.faults.failNext("AddPartitionsToTxn", "TRANSACTION_ABORTABLE");
        await assert.rejects(
          producer.send({ value: "refused" }),
          (e: Error) =>
            e.cause instanceof KafkaError && e.cause.code === ErrorCode.TRANSACTION_ABORTABLE,
        );
        await assert.rejects(producer.commitTransaction(), /abort it/);
        await producer.abortTransaction();
        await producer.transaction(async (tx) => void await tx.send({ value: "kept" }));
      } finally {
        await producer.close();
      }
      assert.deepEqual(values(broker.records("tx", { isolation: "read_committed" })), ["kept"]);
    },
  );

  test(
    "TRANSACTION_ABORTABLE from EndTxn fails the commit; the abort that follows lets the producer go on",
    {
      timeout: 60_000,
    },
    async () => {
      await using broker = await startTestBroker({ topics: { tx: 1 } });
      const producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "tx",
        transactionalId: "end-abortable",
      });
      try {
        await producer.beginTransaction();
        await producer.send({ value: "lost" });
        broker.faults.failNext("EndTxn", "TRANSACTION_ABORTABLE");
        await assert.rejects(
          producer.commitTransaction(),
          (e: Error) => e instanceof KafkaError && e.code === ErrorCode.TRANSACTION_ABORTABLE,
        );
        await assert.rejects(producer.commitTransaction(), /abort it/);
        await producer.abortTransaction();
        await producer.transaction(async (tx) => void await tx.send({ value: "kept" }));
      } finally {
        await producer.close();
      }
      assert.deepEqual(values(broker.records("tx", { isolation: "read_committed" })), ["kept"]);
    },
  );

  test(
    "with the epoch exhausted, EndTxn v5 hands out a new producer id and the next transaction uses it",
    {
      timeout: 120_000,
    },
    async () => {
      await using broker = await startTestBroker({ topics: { tx: 1 } });
      const connect = async (address: string) => {
        const at = address.lastIndexOf(":");
        const transport = await defaultConnect({
          host: address.slice(0, at),
          port: Number(address.slice(at + 1)),
        });
        return new Connection(transport, { address, clientId: "bumper", requestTimeoutMs: 10_000 });
      };
      const any = await connect(broker.bootstrap[0]!);
      const found = await any.request(findCoordinatorApi, 4, {
        keyType: CoordinatorType.Transaction,
        coordinatorKeys: ["worn"],
      });
      any.close();
      const coordinator = await connect(
        `${found.coordinators[0]!.host}:${found.coordinators[0]!.port}`,
      );
      // Each InitProducerId of the id fences the last and bumps the epoch: up to 32765, so
      // the producer's own InitProducerId gets 32766, the last epoch a transaction may use.
      let epoch = -1;
      try {
        while (epoch < 32765) {
          const answers = await Promise.all(
            Array.from(
              { length: Math.min(1000, 32765 - epoch) },
              () =>
                coordinator.request(initProducerIdApi, 4, {
                  transactionalId: "worn",
                  transactionTimeoutMs: 60000,
                }),
            ),
          );
          epoch = Math.max(...answers.map((a) => a.producerEpoch));
        }
      } finally {
        coordinator.close();
      }
      const producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "tx",
        transactionalId: "worn",
      });
      try {
        await producer.transaction(async (tx) => void await tx.send({ value: "last epoch" }));
        await producer.transaction(async (tx) => void await tx.send({ value: "new id" }));
      } finally {
        await producer.close();
      }
      const committed = broker.records("tx", { isolation: "read_committed" });
      assert.deepEqual(values(committed), ["last epoch", "new id"]);
      assert.notEqual(committed[0]!.producerId, committed[1]!.producerId, "a new producer id");
    },
  );

  test(
    "a cluster upgraded to transaction.version 2 gets transactions v2 after the next end and an epoch bump",
    {
      timeout: 60_000,
    },
    async () => {
      await using broker = await startTestBroker({
        brokers: 3,
        topics: { tx: 3 },
        transactionVersion: 1,
      });
      const producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "tx",
        transactionalId: "upgraded",
      });
      const count = (api: string, version?: number) =>
        broker.requestCounts()
          .filter((c) => c.api === api && (version === undefined || c.version === version))
          .reduce((n, c) => n + c.count, 0);
      try {
        await producer.transaction(async (tx) => void await tx.send(records("v1")));
        broker.setTransactionVersion(2);
        // The features are read from ApiVersions: new connections see the upgrade.
        for (const id of [1, 2, 3]) await broker.stopBroker(id, { keepLeadership: true });
        for (const id of [1, 2, 3]) await broker.startBroker(id);
        await producer.transaction(async (tx) => void await tx.send(records("still-v1")));
        const added = count("AddPartitionsToTxn");
        assert.ok(added > 0);
        assert.equal(count("EndTxn", 5), 0, "the protocol changes only once a transaction ended");
        assert.equal(count("InitProducerId"), 2, "the epoch is bumped before the first v2 one");
        await producer.transaction(async (tx) => void await tx.send(records("v2")));
        assert.equal(count("AddPartitionsToTxn"), added, "no AddPartitionsToTxn with v2");
        assert.equal(count("EndTxn", 5), 1);
      } finally {
        await producer.close();
      }
      assert.equal(broker.records("tx", { isolation: "read_committed" }).length, 3 * PER);
    },
  );
});
