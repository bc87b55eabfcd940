// The test broker over real sockets, spoken to with raw protocol requests: ApiVersions,
// Metadata and Produce answer as Kafka does, including each refusal Kafka makes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { apiVersionsApi } from "../../src/protocol/api_versions.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { produceApi, type ProduceRequest } from "../../src/protocol/produce.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import { batch, sequenced } from "./_batches.ts";
import { connectTo, drain, frame, rawSocket } from "./_client.ts";

function produceRequest(
  topic: string,
  partition: number,
  records: Uint8Array,
  acks = -1,
): ProduceRequest {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  };
}

describe("test broker: ApiVersions and Metadata", () => {
  test("ApiVersions advertises exactly the APIs and versions served", async () => {
    await using broker = await startTestBroker();
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      const response = await conn.request(apiVersionsApi, 3, { clientSoftwareVersion: "1.0" });
      assert.equal(response.errorCode, 0);
      assert.deepEqual(response.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [
        [0, 3, 13], // Produce
        [1, 4, 18], // Fetch
        [2, 1, 11], // ListOffsets
        [3, 1, 13], // Metadata
        [10, 0, 6], // FindCoordinator
        [17, 0, 1], // SaslHandshake
        [18, 0, 4], // ApiVersions
        [22, 0, 5], // InitProducerId
        [23, 2, 4], // OffsetForLeaderEpoch
        [24, 0, 3], // AddPartitionsToTxn
        [26, 0, 5], // EndTxn
        [36, 0, 2], // SaslAuthenticate
      ]);
      const bad = await conn.request(apiVersionsApi, 3, {
        clientSoftwareName: "-bad-",
        clientSoftwareVersion: "1.0",
      });
      assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
    } finally {
      conn.close();
    }
  });

  test("ApiVersions at a version past v4 gets a v0 body with UNSUPPORTED_VERSION (KIP-511)", async () => {
    await using broker = await startTestBroker();
    const socket = await rawSocket(broker.bootstrap[0]!);
    // Header v2 (flexible), ApiVersions v9, correlation id 5, client id "c", no tags; body empty.
    await socket.write(frame(new Uint8Array([0, 18, 0, 9, 0, 0, 0, 5, 0, 1, 0x63, 0])));
    const reply = await Promise.race([
      drain(socket, 300),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no reply")), 3000)),
    ]);
    socket.close();
    assert.deepEqual(
      [...reply.bytes],
      [0, 0, 0, 16, 0, 0, 0, 5, 0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 4],
    );
  });

  test("Metadata lists live brokers, topics with ids, leaders, epochs and replicas", async () => {
    await using broker = await startTestBroker({
      brokers: 3,
      topics: { events: 4, logs: { partitions: 1, replicationFactor: 1 } },
    });
    const conn = await connectTo(broker.bootstrap[1]!);
    try {
      const m = await conn.request(metadataApi, 12, {
        topics: [{ name: "events" }, { name: "nope" }],
      });
      assert.deepEqual(m.brokers.map((b) => `${b.host}:${b.port}`), broker.bootstrap);
      assert.equal(m.clusterId, broker.clusterId);
      const [events, nope] = m.topics;
      assert.equal(events!.errorCode, 0);
      assert.equal(events!.partitions.length, 4);
      assert.deepEqual(events!.partitions.map((p) => p.leaderId), [1, 2, 3, 1]);
      assert.deepEqual(events!.partitions[1]!.replicaNodes, [2, 3, 1]);
      assert.equal(events!.partitions[0]!.leaderEpoch, 0);
      assert.ok(events!.topicId.some((b) => b !== 0));
      assert.equal(nope!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);

      const byId = await conn.request(metadataApi, 12, {
        topics: [{ name: null, topicId: events!.topicId }],
      });
      assert.equal(byId.topics[0]!.name, "events");
      const all = await conn.request(metadataApi, 1, { topics: null });
      assert.deepEqual(all.topics.map((t) => t.name).sort(), ["events", "logs"]);
      assert.deepEqual(all.topics.find((t) => t.name === "logs")!.partitions[0]!.replicaNodes, [1]);
    } finally {
      conn.close();
    }
  });

  test("Metadata auto-creates a topic only when the broker and the client both allow it", async () => {
    await using off = await startTestBroker();
    await using on = await startTestBroker({ autoCreateTopics: true, defaultPartitions: 3 });
    for (
      const [broker, allow, expected] of [[off, true, 3], [on, false, 3], [on, true, 0]] as const
    ) {
      const conn = await connectTo(broker.bootstrap[0]!);
      try {
        const m = await conn.request(metadataApi, 12, {
          topics: [{ name: "fresh" }],
          allowAutoTopicCreation: allow,
        });
        assert.equal(m.topics[0]!.errorCode, expected);
      } finally {
        conn.close();
      }
    }
    assert.equal(on.offsets("fresh", 2).highWatermark, 0n);
  });
});

describe("test broker: Produce", () => {
  test("Produce appends and answers base offsets; the stored bytes are what was sent", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      for (const expected of [0n, 3n]) {
        const r = await conn.request(produceApi, 9, produceRequest("t", 0, batch(3)));
        assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0);
        assert.equal(r.responses[0]!.partitionResponses[0]!.baseOffset, expected);
      }
      const records = broker.records("t");
      assert.deepEqual(records.map((r) => r.offset), [0n, 1n, 2n, 3n, 4n, 5n]);
      assert.equal(new TextDecoder().decode(records[4]!.value!), "v1");
      assert.equal(new TextDecoder().decode(records[4]!.key!), "k1");
    } finally {
      conn.close();
    }
  });

  test("Produce v13 names the topic by id; an unknown id is UNKNOWN_TOPIC_ID", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      const m = await conn.request(metadataApi, 12, { topics: [{ name: "t" }] });
      const topicId = m.topics[0]!.topicId;
      const request = (id: Uint8Array): ProduceRequest => ({
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [{ name: "", topicId: id, partitionData: [{ index: 0, records: batch(1) }] }],
      });
      const ok = await conn.request(produceApi, 13, request(topicId));
      assert.deepEqual(ok.responses[0]!.topicId, topicId);
      assert.equal(ok.responses[0]!.partitionResponses[0]!.errorCode, 0);
      const bad = await conn.request(produceApi, 13, request(new Uint8Array(16).fill(9)));
      assert.equal(bad.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    } finally {
      conn.close();
    }
  });

  test("Produce to a broker that does not lead the partition is NOT_LEADER_OR_FOLLOWER with the leader (KIP-951)", async () => {
    await using broker = await startTestBroker({ brokers: 2, topics: { t: 2 } });
    const conn = await connectTo(broker.bootstrap[0]!); // broker 1 leads partition 0 only
    try {
      const r = await conn.request(produceApi, 10, produceRequest("t", 1, batch(1)));
      const p = r.responses[0]!.partitionResponses[0]!;
      assert.equal(p.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.deepEqual(p.currentLeader, { leaderId: 2, leaderEpoch: 0 });
      assert.deepEqual(r.nodeEndpoints.map((e) => `${e.host}:${e.port}`), [broker.bootstrap[1]]);
      const old = await conn.request(produceApi, 9, produceRequest("t", 1, batch(1)));
      assert.equal(old.responses[0]!.partitionResponses[0]!.currentLeader, null);
      broker.moveLeader("t", 1, 1);
      const moved = await conn.request(produceApi, 10, produceRequest("t", 1, batch(1)));
      assert.equal(moved.responses[0]!.partitionResponses[0]!.errorCode, 0);
      assert.equal(broker.offsets("t", 1).leaderEpoch, 1);
    } finally {
      conn.close();
    }
  });

  test("Produce refuses what Kafka refuses: unknown topic or partition, bad acks, CRC, size", async () => {
    await using broker = await startTestBroker({
      topics: { t: { partitions: 1, maxMessageBytes: 500 } },
    });
    const conn = await connectTo(broker.bootstrap[0]!);
    const code = async (request: ProduceRequest): Promise<number> =>
      (await conn.request(produceApi, 9, request)).responses[0]!.partitionResponses[0]!.errorCode;
    try {
      assert.equal(
        await code(produceRequest("missing", 0, batch(1))),
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      );
      assert.equal(
        await code(produceRequest("t", 5, batch(1))),
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      );
      assert.equal(
        await code(produceRequest("t", 0, batch(1), 2)),
        ErrorCode.INVALID_REQUIRED_ACKS,
      );
      const corrupt = batch(2);
      corrupt[70]! ^= 1;
      assert.equal(await code(produceRequest("t", 0, corrupt)), ErrorCode.CORRUPT_MESSAGE);
      assert.equal(
        await code(produceRequest("t", 0, batch(1, {}, () => "x".repeat(600)))),
        ErrorCode.MESSAGE_TOO_LARGE,
      );
      assert.equal(broker.offsets("t", 0).highWatermark, 0n, "nothing was appended");
    } finally {
      conn.close();
    }
  });

  test("Produce with acks 0 appends and answers nothing", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      await conn.request(produceApi, 9, produceRequest("t", 0, batch(2), 0), {
        expectResponse: false,
      });
      // The next request's answer comes back as the first one: nothing came before it.
      const m = await conn.request(metadataApi, 12, { topics: [] });
      assert.equal(m.topics.length, 0);
      assert.equal(broker.offsets("t", 0).highWatermark, 2n);
    } finally {
      conn.close();
    }
  });

  test("Produce deduplicates a retried batch and refuses a sequence gap and an old epoch", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    const send = async (records: Uint8Array) =>
      (await conn.request(produceApi, 9, produceRequest("t", 0, records))).responses[0]!
        .partitionResponses[0]!;
    try {
      assert.equal((await send(sequenced(5, 0))).baseOffset, 0n);
      assert.equal((await send(sequenced(5, 5))).baseOffset, 5n);
      const retry = await send(sequenced(5, 0));
      assert.deepEqual(
        [retry.errorCode, retry.baseOffset],
        [0, 0n],
        "a duplicate gets its first offset",
      );
      assert.equal(
        (await send(sequenced(5, 20))).errorCode,
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      );
      assert.equal((await send(sequenced(3, 0, 1))).errorCode, 0, "a new epoch from sequence 0");
      assert.equal((await send(sequenced(3, 3, 0))).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
      assert.equal(broker.records("t").length, 13, "no record stored twice");
    } finally {
      conn.close();
    }
  });
});
