// The faults API: injected error codes (per API, broker, partition), dropped
// connections at three points, latency, and brokers stopped and started on their port.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { initProducerIdApi } from "../../src/protocol/init_producer_id.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { produceApi, type ProduceRequest } from "../../src/protocol/produce.ts";
import { KafkaConnectionError } from "../../src/errors.ts";
import { Faults } from "../../src/testing/faults.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import { batch, sequenced } from "./_batches.ts";
import { connectTo, hostPort } from "./_client.ts";

function twoPartitions(records: () => Uint8Array): ProduceRequest {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{
      name: "t",
      partitionData: [{ index: 0, records: records() }, { index: 1, records: records() }],
    }],
  };
}

describe("Faults", () => {
  test("Faults resolves API and error names and refuses unknown ones", () => {
    const faults = new Faults();
    faults.failNext("Produce", "NOT_LEADER_OR_FOLLOWER", { count: 2 });
    faults.failNext(3, [5, "REQUEST_TIMED_OUT"]);
    assert.equal(faults.pending, 2);
    assert.equal(faults.takeError(3, 1), 5);
    assert.equal(faults.takeError(3, 1), ErrorCode.REQUEST_TIMED_OUT);
    assert.equal(faults.takeError(3, 1), undefined);
    assert.throws(() => faults.failNext("Nope" as "Produce", 6), /must be one of/);
    assert.throws(() => faults.failNext("Produce", "NOT_AN_ERROR"), /no error named/);
    assert.throws(() => faults.failNext("Produce", 6, { partition: 1 }), /without its topic/);
    assert.throws(() => faults.dropNext("Produce", { when: "later" as "after" }), /when must be/);
    faults.clear();
    assert.equal(faults.pending, 0);
  });
});

describe("test broker faults", () => {
  test("failNext() answers the next requests with the codes, on the partitions in scope only", async () => {
    await using broker = await startTestBroker({ topics: { t: 2 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      broker.faults.failNext("Produce", ["NOT_ENOUGH_REPLICAS", "KAFKA_STORAGE_ERROR"], {
        topic: "t",
        partition: 1,
      });
      const codes = async () =>
        (await conn.request(produceApi, 9, twoPartitions(() => batch(1)))).responses[0]!
          .partitionResponses
          .map((p) => p.errorCode);
      assert.deepEqual(await codes(), [0, ErrorCode.NOT_ENOUGH_REPLICAS]);
      assert.deepEqual(await codes(), [0, ErrorCode.KAFKA_STORAGE_ERROR]);
      assert.deepEqual(await codes(), [0, 0]);
      broker.faults.failNext("Produce", "LEADER_NOT_AVAILABLE");
      assert.deepEqual(await codes(), [
        ErrorCode.LEADER_NOT_AVAILABLE,
        ErrorCode.LEADER_NOT_AVAILABLE,
      ]);
      assert.deepEqual(
        [broker.offsets("t", 0).highWatermark, broker.offsets("t", 1).highWatermark],
        [3n, 1n],
      );

      broker.faults.failNext("InitProducerId", "COORDINATOR_LOAD_IN_PROGRESS");
      const init = await conn.request(initProducerIdApi, 4, {
        transactionalId: null,
        transactionTimeoutMs: 1000,
      });
      assert.equal(init.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      broker.faults.failNext("Metadata", "UNKNOWN_SERVER_ERROR", { broker: 2 });
      const m = await conn.request(metadataApi, 12, { topics: [{ name: "t" }] });
      assert.equal(m.topics[0]!.errorCode, 0, "a fault for broker 2 leaves broker 1 alone");
    } finally {
      conn.close();
    }
  });

  for (const when of ["before", "after", "mid-response"] as const) {
    test(`dropNext({ when: "${when}" }) closes the connection ${when === "before" ? "before the request takes effect" : when === "after" ? "after it took effect" : "halfway through the answer"}`, async () => {
      await using broker = await startTestBroker({ topics: { t: 1 } });
      const conn = await connectTo(broker.bootstrap[0]!);
      broker.faults.dropNext("Produce", { when });
      const request: ProduceRequest = {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: "t", partitionData: [{ index: 0, records: sequenced(1, 0) }] }],
      };
      await assert.rejects(conn.request(produceApi, 9, request), KafkaConnectionError);
      await conn.closed;
      assert.equal(broker.offsets("t", 0).highWatermark, when === "before" ? 0n : 1n);
      // The retry on a new connection is answered; a duplicate keeps its offset.
      const again = await connectTo(broker.bootstrap[0]!);
      const r = await again.request(produceApi, 9, request);
      again.close();
      assert.deepEqual([
        r.responses[0]!.partitionResponses[0]!.errorCode,
        r.responses[0]!.partitionResponses[0]!.baseOffset,
      ], [0, 0n]);
      assert.equal(broker.records("t").length, 1);
    });
  }

  test("delay() holds the answers back, for the requests it matches", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      broker.faults.delay(300, { api: "Metadata", count: 1 });
      let started = Date.now();
      await conn.request(metadataApi, 12, { topics: [] });
      assert.ok(Date.now() - started >= 280, "delayed");
      started = Date.now();
      await conn.request(metadataApi, 12, { topics: [] });
      assert.ok(Date.now() - started < 250, "only once");
    } finally {
      conn.close();
    }
  });

  test("stopBroker() closes its port and connections and moves its leadership; startBroker() reopens the same port", async () => {
    await using broker = await startTestBroker({ brokers: 3, topics: { t: 3 } });
    const before = broker.bootstrap;
    const conn = await connectTo(before[1]!);
    await broker.stopBroker(2);
    await conn.closed;
    assert.equal(broker.brokers[1]!.running, false);
    assert.notEqual(broker.offsets("t", 1).leader, 2);
    assert.equal(broker.offsets("t", 1).leaderEpoch, 1);
    await assert.rejects(connectTo(before[1]!), "nothing listens on the stopped broker's port");
    const other = await connectTo(before[0]!);
    const m = await other.request(metadataApi, 12, { topics: [{ name: "t" }] });
    other.close();
    assert.deepEqual(m.brokers.map((b) => b.nodeId), [1, 3]);
    assert.deepEqual(m.topics[0]!.partitions[1]!.isrNodes, [3, 1]);
    assert.deepEqual(m.topics[0]!.partitions[1]!.offlineReplicas, [2]);

    await broker.stopBroker(1, { keepLeadership: true });
    assert.equal(broker.offsets("t", 0).leader, 1, "kept: clients must wait for broker 1");
    await broker.startBroker(2);
    await broker.startBroker(1);
    assert.deepEqual(broker.bootstrap, before);
    const back = await connectTo(before[1]!);
    const m2 = await back.request(metadataApi, 12, { topics: [{ name: "t" }] });
    back.close();
    assert.deepEqual(m2.brokers.map((b) => b.nodeId), [1, 2, 3]);
    assert.equal(hostPort(before[1]!).port, broker.brokers[1]!.port);
  });

  test("a single-replica partition has no leader while its broker is down (LEADER_NOT_AVAILABLE)", async () => {
    await using broker = await startTestBroker({
      brokers: 2,
      replicationFactor: 1,
      topics: { t: 2 },
    });
    await broker.stopBroker(2);
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      const m = await conn.request(metadataApi, 12, { topics: [{ name: "t" }] });
      assert.equal(m.topics[0]!.partitions[1]!.leaderId, -1);
      assert.equal(m.topics[0]!.partitions[1]!.errorCode, ErrorCode.LEADER_NOT_AVAILABLE);
      await broker.startBroker(2);
      assert.equal(broker.offsets("t", 1).leader, 2);
    } finally {
      conn.close();
    }
  });
});
