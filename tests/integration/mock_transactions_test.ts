/**
 * Transactions when the sequence numbers can no longer be trusted (KIP-360), on
 * librdkafka's mock cluster, which can make a Produce fail on demand. As in Java, the
 * transaction becomes abort-only, what was not sent yet fails at once, and the epoch
 * is bumped when the application aborts; the next transaction then works.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startMockCluster } from "../mock/mock_cluster.ts";
import { createProducer, KafkaError, KafkaTransactionError } from "../../mod.ts";

const UNKNOWN_PRODUCER_ID = 59;
const PRODUCE = 0;

test(
  "a transaction whose sequence numbers broke becomes abort-only; after the abort the next one commits",
  {
    timeout: 60_000,
  },
  async () => {
    const mock = await startMockCluster({ brokers: 1 });
    try {
      await mock.createTopic("txn", 1, 1);
      const producer = createProducer({
        bootstrap: mock.bootstrap,
        topic: "txn",
        transactionalId: "txn-id",
        deliveryTimeoutMs: 20_000,
        requestTimeoutMs: 5_000,
      });
      try {
        await producer.beginTransaction();
        const first = await producer.send({ value: "first" });
        assert.equal(first.offset >= 0n, true);

        await mock.pushErrors(PRODUCE, [UNKNOWN_PRODUCER_ID]);
        await assert.rejects(producer.send({ value: "second" }), (e: Error) => {
          assert.ok(e instanceof KafkaTransactionError, String(e));
          assert.match(e.message, /can only be aborted/);
          assert.ok(e.cause instanceof KafkaError);
          assert.equal(e.cause.code, UNKNOWN_PRODUCER_ID);
          return true;
        });
        // Nothing more is sent in this transaction, and it cannot be committed.
        await assert.rejects(producer.send({ value: "third" }), KafkaTransactionError);
        await assert.rejects(producer.commitTransaction(), /abort it/);
        await producer.abortTransaction();

        // A new epoch: the next transaction sends and commits.
        await producer.beginTransaction();
        const after = await producer.send([{ value: "after-1" }, { value: "after-2" }]);
        assert.equal(after[1]!.offset, after[0]!.offset + 1n);
        await producer.commitTransaction();
      } finally {
        await producer.close();
      }
    } finally {
      await mock.close();
    }
  },
);
