// Reading from the test broker with raw requests: Fetch (byte-exact batches, long
// polls, read_committed), ListOffsets, OffsetForLeaderEpoch, and retention.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import {
  fetchApi,
  type FetchRequest,
  type FetchResponsePartition,
} from "../../src/protocol/fetch.ts";
import { listOffsetsApi, OffsetSpec } from "../../src/protocol/list_offsets.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { offsetForLeaderEpochApi } from "../../src/protocol/offset_for_leader_epoch.ts";
import { produceApi } from "../../src/protocol/produce.ts";
import { decodeRecordBatch } from "../../src/record/record_batch.ts";
import type { Connection } from "../../src/net/connection.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import { batch } from "./_batches.ts";
import { connectTo } from "./_client.ts";

function fetchRequest(
  topic: string,
  fetchOffset: bigint,
  options: Partial<FetchRequest> = {},
  epoch = -1,
): FetchRequest {
  return {
    maxWaitMs: 0,
    minBytes: 0,
    topics: [{
      topic,
      partitions: [{
        partition: 0,
        fetchOffset,
        partitionMaxBytes: 1 << 20,
        currentLeaderEpoch: epoch,
      }],
    }],
    ...options,
  };
}

async function produce(
  conn: Connection,
  topic: string,
  records: Uint8Array,
  transactionalId: string | null = null,
): Promise<number> {
  const r = await conn.request(produceApi, 9, {
    transactionalId,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

function batchesOf(p: FetchResponsePartition): Uint8Array[] {
  const bytes = p.records as Uint8Array;
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 8, 4).getInt32(0) + 12;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe("test broker: Fetch", () => {
  for (const version of [4, 11, 12, 13, 17]) {
    test(`Fetch v${version} returns the produced batches, only base offset and leader epoch rewritten`, async () => {
      await using broker = await startTestBroker({ topics: { t: 1 } });
      const conn = await connectTo(broker.bootstrap[0]!);
      try {
        const sent = [batch(3), batch(2)];
        for (const b of sent) assert.equal(await produce(conn, "t", b), 0);
        const topicId =
          (await conn.request(metadataApi, 12, { topics: [{ name: "t" }] })).topics[0]!.topicId;
        const request = fetchRequest("t", 1n);
        request.topics[0]!.topicId = topicId;
        const r = await conn.request(fetchApi, version, request);
        const p = r.responses[0]!.partitions[0]!;
        assert.equal(p.errorCode, 0);
        assert.equal(p.highWatermark, 5n);
        assert.equal(p.lastStableOffset, 5n);
        if (version >= 5) assert.equal(p.logStartOffset, 0n);
        const got = batchesOf(p);
        assert.equal(got.length, 2, "from the batch holding offset 1");
        for (let i = 0; i < 2; i++) {
          assert.deepEqual(
            got[i]!.subarray(16),
            sent[i]!.subarray(16),
            "bytes from magic on are as sent",
          );
          assert.deepEqual(got[i]!.subarray(8, 12), sent[i]!.subarray(8, 12));
        }
        const second = await decodeRecordBatch(got[1]!);
        assert.equal(second.baseOffset, 3n);
        assert.equal(second.partitionLeaderEpoch, 0);
      } finally {
        conn.close();
      }
    });
  }

  test("Fetch waits for data up to maxWaitMs and answers as soon as a produce arrives", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const reader = await connectTo(broker.bootstrap[0]!);
    const writer = await connectTo(broker.bootstrap[0]!);
    try {
      const started = Date.now();
      const empty = await reader.request(
        fetchApi,
        12,
        fetchRequest("t", 0n, { maxWaitMs: 300, minBytes: 1 }),
      );
      assert.ok(Date.now() - started >= 250, "an empty fetch waited");
      assert.equal((empty.responses[0]!.partitions[0]!.records as Uint8Array).length, 0);
      const waiting = reader.request(
        fetchApi,
        12,
        fetchRequest("t", 0n, { maxWaitMs: 10_000, minBytes: 1 }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = Date.now();
      assert.equal(await produce(writer, "t", batch(1)), 0);
      const r = await waiting;
      assert.ok(Date.now() - before < 2000, "woken by the produce");
      assert.equal(batchesOf(r.responses[0]!.partitions[0]!).length, 1);
    } finally {
      reader.close();
      writer.close();
    }
  });

  test("Fetch refuses an offset out of range, an old leader epoch and the wrong broker", async () => {
    await using broker = await startTestBroker({ brokers: 2, topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    const other = await connectTo(broker.bootstrap[1]!);
    try {
      await produce(conn, "t", batch(2));
      const code = async (c: Connection, offset: bigint, epoch = -1) =>
        (await c.request(fetchApi, 12, fetchRequest("t", offset, {}, epoch))).responses[0]!
          .partitions[0]!;
      assert.equal((await code(conn, 3n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
      assert.equal((await code(conn, 2n)).errorCode, 0, "the log end is in range");
      const notLeader = await code(other, 0n);
      assert.equal(notLeader.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.deepEqual(notLeader.currentLeader, { leaderId: 1, leaderEpoch: 0 });
      assert.equal((await code(conn, 0n, 1)).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
      broker.moveLeader("t", 0, 2);
      broker.moveLeader("t", 0, 1);
      assert.equal((await code(conn, 0n, 0)).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
      assert.equal((await code(conn, 0n, 2)).errorCode, 0);
    } finally {
      conn.close();
      other.close();
    }
  });

  test("Fetch reports a diverging epoch when the fetcher's last epoch ended before its offset", async () => {
    await using broker = await startTestBroker({ brokers: 2, topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      await produce(conn, "t", batch(4)); // epoch 0: offsets 0-3
      broker.moveLeader("t", 0, 2);
      broker.moveLeader("t", 0, 1); // epoch 2 from offset 4
      await produce(conn, "t", batch(2));
      const request = fetchRequest("t", 5n);
      request.topics[0]!.partitions = [{
        partition: 0,
        fetchOffset: 5n,
        lastFetchedEpoch: 0,
        partitionMaxBytes: 1 << 20,
      }];
      const p = (await conn.request(fetchApi, 12, request)).responses[0]!.partitions[0]!;
      assert.deepEqual(p.divergingEpoch, { epoch: 0, endOffset: 4n });
      assert.equal((p.records as Uint8Array).length, 0);
    } finally {
      conn.close();
    }
  });

  test("Fetch stops at maxBytes but always returns the first batch (KIP-74)", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      for (let i = 0; i < 4; i++) await produce(conn, "t", batch(10));
      const r = await conn.request(fetchApi, 12, fetchRequest("t", 0n, { maxBytes: 10 }));
      assert.equal(batchesOf(r.responses[0]!.partitions[0]!).length, 1);
      const request = fetchRequest("t", 0n);
      request.topics[0]!.partitions = [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 }];
      const one = await conn.request(fetchApi, 12, request);
      assert.equal(batchesOf(one.responses[0]!.partitions[0]!).length, 1);
    } finally {
      conn.close();
    }
  });

  test("Fetch answers a fetch session id it never gave with FETCH_SESSION_ID_NOT_FOUND", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      const r = await conn.request(
        fetchApi,
        12,
        fetchRequest("t", 0n, { sessionId: 42, sessionEpoch: 1 }),
      );
      assert.equal(r.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      const open = await conn.request(
        fetchApi,
        12,
        fetchRequest("t", 0n, { sessionId: 0, sessionEpoch: 0 }),
      );
      assert.equal(open.sessionId, 0, "no session is opened");
    } finally {
      conn.close();
    }
  });
});

describe("test broker: ListOffsets, OffsetForLeaderEpoch and retention", () => {
  test("ListOffsets answers earliest, latest, max timestamp and by timestamp, with leader epochs", async () => {
    await using broker = await startTestBroker({ brokers: 2, topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      await produce(conn, "t", batch(3, { baseTimestamp: 1000n }));
      broker.moveLeader("t", 0, 2);
      broker.moveLeader("t", 0, 1);
      await produce(conn, "t", batch(2, { baseTimestamp: 5000n }));
      const look = async (timestamp: bigint) => {
        const r = await conn.request(listOffsetsApi, 7, {
          topics: [{ name: "t", partitions: [{ partitionIndex: 0, timestamp }] }],
        });
        const p = r.topics[0]!.partitions[0]!;
        return [p.errorCode, p.offset, p.timestamp, p.leaderEpoch];
      };
      assert.deepEqual(await look(OffsetSpec.Earliest), [0, 0n, -1n, 0]);
      assert.deepEqual(await look(OffsetSpec.Latest), [0, 5n, -1n, 2]);
      assert.deepEqual(await look(OffsetSpec.MaxTimestamp), [0, 3n, 5000n, 2]);
      assert.deepEqual(await look(2000n), [0, 3n, 5000n, 2]);
      assert.deepEqual(await look(1000n), [0, 0n, 1000n, 0]);
      assert.deepEqual(await look(9000n), [0, -1n, -1n, -1]);
      const old = await conn.request(listOffsetsApi, 6, {
        topics: [{
          name: "t",
          partitions: [{ partitionIndex: 0, timestamp: OffsetSpec.MaxTimestamp }],
        }],
      });
      assert.equal(old.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    } finally {
      conn.close();
    }
  });

  test("OffsetForLeaderEpoch answers where each epoch ended", async () => {
    await using broker = await startTestBroker({ brokers: 2, topics: { t: 1 } });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      await produce(conn, "t", batch(3));
      broker.moveLeader("t", 0, 2);
      broker.moveLeader("t", 0, 1);
      await produce(conn, "t", batch(1));
      const ask = async (leaderEpoch: number, currentLeaderEpoch = -1) => {
        const r = await conn.request(offsetForLeaderEpochApi, 4, {
          topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch, leaderEpoch }] }],
        });
        const p = r.topics[0]!.partitions[0]!;
        return [p.errorCode, p.leaderEpoch, p.endOffset];
      };
      assert.deepEqual(await ask(0), [0, 0, 3n]);
      assert.deepEqual(await ask(1), [0, 0, 3n], "epoch 1 had no records: the answer is epoch 0");
      assert.deepEqual(await ask(2), [0, 2, 4n]);
      assert.deepEqual(await ask(0, 1), [ErrorCode.FENCED_LEADER_EPOCH, -1, -1n]);
    } finally {
      conn.close();
    }
  });

  test("retention drops old batches: the log start moves and old offsets are out of range", async () => {
    const size = batch(10).length;
    await using broker = await startTestBroker({
      topics: { t: { partitions: 1, retentionBytes: size * 2 } },
    });
    const conn = await connectTo(broker.bootstrap[0]!);
    try {
      for (let i = 0; i < 5; i++) assert.equal(await produce(conn, "t", batch(10)), 0);
      assert.deepEqual(broker.offsets("t", 0), {
        logStartOffset: 30n,
        highWatermark: 50n,
        lastStableOffset: 50n,
        leader: 1,
        leaderEpoch: 0,
      });
      assert.equal(broker.records("t").length, 20);
      const r = await conn.request(fetchApi, 12, fetchRequest("t", 0n));
      assert.equal(r.responses[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
      const earliest = await conn.request(listOffsetsApi, 7, {
        topics: [{
          name: "t",
          partitions: [{ partitionIndex: 0, timestamp: OffsetSpec.Earliest }],
        }],
      });
      assert.equal(earliest.topics[0]!.partitions[0]!.offset, 30n);
    } finally {
      conn.close();
    }
  });
});
