// Transactions on the test broker: the coordinator's answers (fencing, states,
// NOT_COORDINATOR), markers and the last stable offset, read_committed Fetch with
// the aborted transactions, the verification of a partition not added, timeouts, and
// transactions v2 (KIP-890 part 2): the finalized feature, EndTxn v5's epoch bump, its
// retry and the new producer id once the epoch is exhausted.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addPartitionsToTxnApi } from "../../src/protocol/add_partitions_to_txn.ts";
import { endTxnApi } from "../../src/protocol/end_txn.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { fetchApi } from "../../src/protocol/fetch.ts";
import { CoordinatorType, findCoordinatorApi } from "../../src/protocol/find_coordinator.ts";
import { initProducerIdApi } from "../../src/protocol/init_producer_id.ts";
import { produceApi } from "../../src/protocol/produce.ts";
import { apiVersionsApi } from "../../src/protocol/api_versions.ts";
import { ClusterState } from "../../src/testing/cluster_state.ts";
import { TransactionCoordinator } from "../../src/testing/transaction_coordinator.ts";
import type { Connection } from "../../src/net/connection.ts";
import { startTestBroker, type TestBroker } from "../../src/testing.ts";
import { createProducer } from "../../mod.ts";
import { batch } from "./_batches.ts";
import { connectTo } from "./_client.ts";

async function coordinatorOf(broker: TestBroker, id: string): Promise<Connection> {
  const any = await connectTo(broker.bootstrap[0]!);
  const r = await any.request(findCoordinatorApi, 4, {
    keyType: CoordinatorType.Transaction,
    coordinatorKeys: [id],
  });
  any.close();
  const c = r.coordinators[0]!;
  assert.equal(c.errorCode, 0);
  return connectTo(`${c.host}:${c.port}`);
}

function txnBatch(pid: bigint, epoch: number, seq: number, count = 2): Uint8Array {
  return batch(count, {
    producerId: pid,
    producerEpoch: epoch,
    baseSequence: seq,
    attributes: 0x10,
  });
}

async function produce(
  conn: Connection,
  version: number,
  tid: string | null,
  records: Uint8Array,
  partition = 0,
): Promise<number> {
  const r = await conn.request(produceApi, version, {
    transactionalId: tid,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: "t", partitionData: [{ index: partition, records }] }],
  });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

describe("test broker: transactions", () => {
  test("FindCoordinator names one live broker per transactional id; others answer NOT_COORDINATOR", async () => {
    await using broker = await startTestBroker({ brokers: 3, topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      const r = await conn.request(findCoordinatorApi, 4, {
        keyType: CoordinatorType.Transaction,
        coordinatorKeys: ["a", "b", "c"],
      });
      const ids = r.coordinators.map((c) => c.nodeId);
      assert.ok(ids.every((id) => id >= 1 && id <= 3));
      const group = await conn.request(findCoordinatorApi, 3, {
        keyType: CoordinatorType.Group,
        coordinatorKeys: ["g"],
      });
      assert.equal(group.coordinators[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      for (const [i, id] of ids.entries()) {
        const wrong = await connectTo(broker.bootstrap[id % 3]!); // the next broker
        const answer = await wrong.request(initProducerIdApi, 4, {
          transactionalId: ["a", "b", "c"][i]!,
          transactionTimeoutMs: 60000,
        });
        wrong.close();
        assert.equal(answer.errorCode, ErrorCode.NOT_COORDINATOR);
      }
    } finally {
      conn.close();
    }
  });

  test("InitProducerId fences the older producer; EndTxn refuses it with PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v2)", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await coordinatorOf(broker, "tx");
    try {
      const first = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
      });
      assert.deepEqual([first.errorCode, first.producerEpoch], [0, 0]);
      const add = await conn.request(addPartitionsToTxnApi, 3, {
        transactionalId: "tx",
        producerId: first.producerId,
        producerEpoch: 0,
        topics: [{ name: "t", partitions: [0] }],
      });
      assert.equal(add.resultsByTopic[0]!.resultsByPartition[0]!.partitionErrorCode, 0);
      assert.equal(await produce(conn, 9, "tx", txnBatch(first.producerId, 0, 0)), 0);
      assert.equal(
        broker.offsets("t", 0).lastStableOffset,
        0n,
        "the open transaction holds the LSO",
      );

      // A new producer with the same id: the open transaction is aborted, the client told to retry.
      const busy = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
      });
      assert.equal(busy.errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
      const second = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
      });
      assert.deepEqual([second.errorCode, second.producerId, second.producerEpoch], [
        0,
        first.producerId,
        2,
      ]);
      assert.equal(broker.offsets("t", 0).lastStableOffset, 3n, "past the abort marker");
      assert.equal(broker.records("t", { isolation: "read_committed" }).length, 0);

      const end = (version: number, epoch: number) =>
        conn.request(endTxnApi, version, {
          transactionalId: "tx",
          producerId: first.producerId,
          producerEpoch: epoch,
          committed: true,
        });
      assert.equal((await end(3, 0)).errorCode, ErrorCode.PRODUCER_FENCED);
      assert.equal((await end(1, 0)).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
      assert.equal((await end(3, 2)).errorCode, ErrorCode.INVALID_TXN_STATE, "nothing to end");
      assert.equal(
        await produce(conn, 9, "tx", txnBatch(first.producerId, 0, 2)),
        ErrorCode.INVALID_PRODUCER_EPOCH,
      );
      const unknown = await conn.request(endTxnApi, 3, {
        transactionalId: "nope",
        producerId: 1n,
        producerEpoch: 0,
        committed: true,
      });
      assert.notEqual(unknown.errorCode, 0);
    } finally {
      conn.close();
    }
  });

  test("a transactional batch for a partition not added: INVALID_TXN_STATE to v10, TRANSACTION_ABORTABLE at v11, added at v12", async () => {
    await using broker = await startTestBroker({ topics: { t: 3 } });
    const conn = await coordinatorOf(broker, "tx");
    try {
      const init = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
      });
      const pid = init.producerId;
      assert.equal(
        await produce(conn, 10, "tx", txnBatch(pid, 0, 0), 0),
        ErrorCode.INVALID_TXN_STATE,
      );
      assert.equal(
        await produce(conn, 11, "tx", txnBatch(pid, 0, 0), 1),
        ErrorCode.TRANSACTION_ABORTABLE,
      );
      assert.equal(await produce(conn, 12, "tx", txnBatch(pid, 0, 0), 2), 0);
      assert.equal(
        await produce(conn, 12, null, txnBatch(pid, 0, 2), 2),
        ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      );
      const end = await conn.request(endTxnApi, 3, {
        transactionalId: "tx",
        producerId: pid,
        producerEpoch: 0,
        committed: true,
      });
      assert.equal(end.errorCode, 0);
      assert.deepEqual(
        broker.records("t", { isolation: "read_committed" }).map((r) => r.partition),
        [2, 2],
      );
      const again = await conn.request(endTxnApi, 3, {
        transactionalId: "tx",
        producerId: pid,
        producerEpoch: 0,
        committed: true,
      });
      assert.equal(again.errorCode, 0, "a retried commit succeeds");
      const abort = await conn.request(endTxnApi, 3, {
        transactionalId: "tx",
        producerId: pid,
        producerEpoch: 0,
        committed: false,
      });
      assert.equal(abort.errorCode, ErrorCode.INVALID_TXN_STATE);
    } finally {
      conn.close();
    }
  });

  test("read_committed Fetch stops at the LSO and lists aborted transactions; markers are control batches", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "t",
      transactionalId: "tx",
      lingerMs: 0,
    });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      await producer.transaction(async (tx) =>
        void await tx.send([{ value: "a" }, { value: "b" }])
      );
      await producer.beginTransaction();
      await producer.send({ value: "aborted" });
      await producer.abortTransaction();
      await producer.beginTransaction();
      await producer.send({ value: "open" });
      const fetch = (isolationLevel: number) =>
        conn.request(fetchApi, 12, {
          maxWaitMs: 0,
          minBytes: 0,
          isolationLevel,
          topics: [{
            topic: "t",
            partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }],
          }],
        });
      const committed = (await fetch(1)).responses[0]!.partitions[0]!;
      assert.equal(committed.lastStableOffset, 5n);
      assert.equal(committed.highWatermark, 6n);
      const pid = broker.records("t")[0]!.producerId;
      assert.deepEqual(committed.abortedTransactions, [{ producerId: pid, firstOffset: 3n }]);
      const uncommitted = (await fetch(0)).responses[0]!.partitions[0]!;
      assert.equal(uncommitted.abortedTransactions, null);
      assert.ok(
        (uncommitted.records as Uint8Array).length > (committed.records as Uint8Array).length,
      );
      assert.deepEqual(
        broker.records("t", { isolation: "read_committed" }).map((r) =>
          new TextDecoder().decode(r.value!)
        ),
        ["a", "b"],
      );
      assert.deepEqual(
        broker.records("t").map((r) => Number(r.offset)),
        [0, 1, 3, 5],
        "markers at 2 and 4 are left out",
      );
      await producer.commitTransaction();
      assert.equal(broker.offsets("t", 0).lastStableOffset, 7n);
    } finally {
      conn.close();
      await producer.close();
    }
  });

  test("a transaction older than its timeout is aborted and its producer fenced (injected clock)", async () => {
    let now = 1_000_000;
    await using broker = await startTestBroker({ topics: { t: 1 }, now: () => now });
    const conn = await coordinatorOf(broker, "tx");
    try {
      const init = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 10_000,
      });
      await conn.request(addPartitionsToTxnApi, 3, {
        transactionalId: "tx",
        producerId: init.producerId,
        producerEpoch: 0,
        topics: [{ name: "t", partitions: [0] }],
      });
      const stamped = batch(1, {
        producerId: init.producerId,
        producerEpoch: 0,
        baseSequence: 0,
        attributes: 0x10,
        baseTimestamp: BigInt(now),
      });
      assert.equal(await produce(conn, 9, "tx", stamped), 0);
      now += 10_001;
      const end = await conn.request(endTxnApi, 3, {
        transactionalId: "tx",
        producerId: init.producerId,
        producerEpoch: 0,
        committed: true,
      });
      assert.equal(end.errorCode, ErrorCode.PRODUCER_FENCED);
      assert.equal(broker.records("t", { isolation: "read_committed" }).length, 0);
      assert.equal(broker.offsets("t", 0).lastStableOffset, 2n);
      const tooLong = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 900_001,
      });
      assert.equal(tooLong.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    } finally {
      conn.close();
    }
  });

  test("ApiVersions reports transaction.version as configured; Kafka 3.9's versions without it", async () => {
    const levelOf = async (broker: TestBroker, version: number) => {
      const conn = await connectTo(broker.bootstrap[0]!);
      try {
        const r = await conn.request(apiVersionsApi, version, { clientSoftwareVersion: "1.0" });
        const range = (key: number) => r.apiKeys.find((k) => k.apiKey === key)?.maxVersion;
        return {
          level: r.finalizedFeatures.find((f) => f.name === "transaction.version")
            ?.maxVersionLevel,
          supported: r.supportedFeatures.map((f) => f.name),
          epoch: r.finalizedFeaturesEpoch,
          produce: range(0),
          endTxn: range(26),
        };
      } finally {
        conn.close();
      }
    };
    await using v2 = await startTestBroker();
    await using v1 = await startTestBroker({ transactionVersion: 1 });
    await using v0 = await startTestBroker({ transactionVersion: 0 });
    await using old = await startTestBroker({ kafkaVersion: "3.9" });
    assert.deepEqual(await levelOf(v2, 3), {
      level: 2,
      supported: ["metadata.version"], // a minimum of 0 is left out below v4 (KAFKA-17011)
      epoch: 1n,
      produce: 13,
      endTxn: 5,
    });
    assert.deepEqual((await levelOf(v2, 4)).supported, ["metadata.version", "transaction.version"]);
    assert.equal((await levelOf(v1, 4)).level, 1);
    assert.equal((await levelOf(v0, 4)).level, undefined);
    assert.deepEqual(await levelOf(old, 3), {
      level: undefined,
      supported: ["metadata.version"],
      epoch: 1n,
      produce: 11,
      endTxn: 4,
    });
    await assert.rejects(
      startTestBroker({ kafkaVersion: "3.9", transactionVersion: 2 }),
      RangeError,
    );
  });

  test("a Kafka 3.9 broker refuses Produce v12 and EndTxn v5 as any version it does not serve", async () => {
    await using broker = await startTestBroker({ kafkaVersion: "3.9", topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      await assert.rejects(produce(conn, 12, null, batch(1), 0));
    } finally {
      conn.close();
    }
    assert.deepEqual(
      broker.requestCounts().map((c) => [c.api, c.version, c.count]),
      [["Produce", 12, 1]],
    );
  });

  test("with transaction.version 1 a Produce v12 does not add its partition: TRANSACTION_ABORTABLE", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 }, transactionVersion: 1 });
    const conn = await coordinatorOf(broker, "tx");
    try {
      const init = await conn.request(initProducerIdApi, 4, {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
      });
      assert.equal(
        await produce(conn, 12, "tx", txnBatch(init.producerId, 0, 0), 0),
        ErrorCode.TRANSACTION_ABORTABLE,
      );
    } finally {
      conn.close();
    }
  });

  test("EndTxn v5 bumps the epoch, writes the markers under it, and answers a retry again", async () => {
    await using broker = await startTestBroker({ topics: { t: 2 } });
    const conn = await coordinatorOf(broker, "tx");
    const end = (pid: bigint, epoch: number, committed: boolean) =>
      conn.request(endTxnApi, 5, {
        transactionalId: "tx",
        producerId: pid,
        producerEpoch: epoch,
        committed,
      });
    try {
      const init = await conn.request(initProducerIdApi, 5, {
        transactionalId: "tx",
        transactionTimeoutMs: 60000,
      });
      const pid = init.producerId;
      assert.equal(await produce(conn, 12, "tx", txnBatch(pid, 0, 0), 0), 0);
      const committed = await end(pid, 0, true);
      assert.deepEqual(
        [committed.errorCode, committed.producerId, committed.producerEpoch],
        [0, pid, 1],
      );
      const retried = await end(pid, 0, true);
      assert.deepEqual([retried.errorCode, retried.producerEpoch], [0, 1], "a retry: same answer");
      assert.equal((await end(pid, 0, false)).errorCode, ErrorCode.INVALID_TXN_STATE);
      // The old epoch is fenced at the partition: its marker carried the bumped epoch.
      assert.equal(
        await produce(conn, 12, "tx", txnBatch(pid, 0, 2), 0),
        ErrorCode.INVALID_PRODUCER_EPOCH,
      );
      // Epoch 1 starts again from sequence 0, on both partitions, and is aborted.
      assert.equal(await produce(conn, 12, "tx", txnBatch(pid, 1, 0), 0), 0);
      assert.equal(await produce(conn, 12, "tx", txnBatch(pid, 1, 0), 1), 0);
      const aborted = await end(pid, 1, false);
      assert.deepEqual([aborted.errorCode, aborted.producerEpoch], [0, 2]);
      // With v2 the epoch after an end opens the next transaction, never ends the last (Kafka).
      assert.equal((await end(pid, 2, true)).errorCode, ErrorCode.PRODUCER_FENCED);
      assert.equal((await end(pid, 1, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
      assert.equal((await end(pid, 3, true)).errorCode, ErrorCode.PRODUCER_FENCED);
      assert.deepEqual(
        broker.records("t", { isolation: "read_committed" }).map((r) => r.partition),
        [0, 0],
      );
      assert.equal(broker.records("t").length, 6);
    } finally {
      conn.close();
    }
  });

  test("EndTxn v5 with the epoch exhausted ends under epoch 32767 and hands out a new producer id", () => {
    const cluster = new ClusterState(
      { clusterId: "c", sequenceRules: "kafka-4", now: Date.now },
      [{ id: 1, host: "127.0.0.1" }],
    );
    cluster.createTopic("t", {
      partitions: 1,
      replicationFactor: 1,
      retentionBytes: -1,
      maxMessageBytes: 1 << 20,
    });
    const coordinator = new TransactionCoordinator(cluster, 900_000);
    let init = coordinator.initProducerId("tx", 60000, -1n, -1);
    while (init.producerEpoch < 32765) init = coordinator.initProducerId("tx", 60000, -1n, -1);
    const pid = init.producerId;
    const partition = cluster.topics.get("t")!.partitions[0]!;
    const txn = coordinator.check("tx", pid, 32765);
    assert.ok(typeof txn !== "number");
    coordinator.addPartitions(txn, [partition]);
    const first = coordinator.endTransactionV2("tx", pid, 32765, true);
    assert.deepEqual([first.errorCode, first.producerId, first.producerEpoch], [0, pid, 32766]);
    coordinator.addPartitions(txn, [partition]);
    const last = coordinator.endTransactionV2("tx", pid, 32766, true);
    assert.equal(last.errorCode, 0);
    assert.notEqual(last.producerId, pid, "a new producer id");
    assert.equal(last.producerEpoch, 0);
    assert.equal(partition.producers.get(pid)!.epoch, 32767, "the markers' epoch");
    const retried = coordinator.endTransactionV2("tx", pid, 32766, true);
    assert.deepEqual([retried.errorCode, retried.producerId], [0, last.producerId]);
  });
});
