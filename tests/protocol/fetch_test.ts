import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  fetchApi,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartition,
} from "../../src/protocol/fetch.ts";
import { kafkaServerFixtures } from "../fixtures/kafka_server_fixtures.ts";
import {
  assertRobust,
  decode,
  encode,
  fields,
  fromHex,
  toHex,
  TOPIC_ID,
  utf8,
} from "../fixtures/protocol_helpers.ts";
import { assertRequestRobust, decodeRequest, encodeResponse } from "./_server_helpers.ts";

const OTHER_ID = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
const ZERO_ID = new Uint8Array(16);
const VERSIONS = Array.from({ length: 15 }, (_, i) => i + 4);

function fixture(name: string, v: number): Uint8Array {
  const hex = kafkaServerFixtures[`Fetch.${name}.v${v}`];
  assert.ok(hex !== undefined, `fixture Fetch.${name}.v${v}`);
  return fromHex(hex);
}

/** The consumer's request the Java generator builds, as the decoder returns it. */
function consumerRequest(v: number): FetchRequest {
  const byId = v >= 13;
  return {
    clusterId: v >= 12 ? "cid" : null,
    replicaId: -1,
    replicaEpoch: -1n,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 52428800,
    isolationLevel: 1,
    sessionId: v >= 7 ? 7 : 0,
    sessionEpoch: v >= 7 ? 2 : -1,
    topics: [{
      topic: byId ? "" : "events",
      ...(byId ? { topicId: TOPIC_ID } : {}),
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: v >= 9 ? 4 : -1,
          fetchOffset: 100n,
          lastFetchedEpoch: v >= 12 ? 3 : -1,
          logStartOffset: -1n,
          partitionMaxBytes: 1048576,
        },
        {
          partition: 2,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: 65536,
        },
      ],
    }],
    forgottenTopicsData: v >= 7
      ? [{ topic: byId ? "" : "logs", ...(byId ? { topicId: OTHER_ID } : {}), partitions: [1, 2] }]
      : [],
    rackId: v >= 11 ? "r1" : "",
  };
}

/** A follower's request: replica id and epoch, directory id (v17+), high watermark (v18+). */
function followerRequest(v: number): FetchRequest {
  const byId = v >= 13;
  return {
    clusterId: null,
    replicaId: 3,
    replicaEpoch: v >= 15 ? 99n : -1n,
    maxWaitMs: 10,
    minBytes: 0,
    maxBytes: 1000,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{
      topic: byId ? "" : "events",
      ...(byId ? { topicId: TOPIC_ID } : {}),
      partitions: [{
        partition: 1,
        currentLeaderEpoch: v >= 9 ? 2 : -1,
        fetchOffset: 5n,
        lastFetchedEpoch: v >= 12 ? 1 : -1,
        logStartOffset: v >= 5 ? 3n : -1n,
        partitionMaxBytes: 1024,
        ...(v >= 17 ? { replicaDirectoryId: OTHER_ID } : {}),
        ...(v >= 18 ? { highWatermark: 77n } : {}),
      }],
    }],
    forgottenTopicsData: [],
    rackId: "",
  };
}

function response(v: number): FetchResponse {
  const flexible = v >= 12;
  const ok: FetchResponsePartition = {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 200n,
    lastStableOffset: 150n,
    logStartOffset: v >= 5 ? 10n : -1n,
    abortedTransactions: [{ producerId: 42n, firstOffset: 120n }],
    preferredReadReplica: -1,
    records: Uint8Array.from({ length: 10 }, (_, i) => 0xa0 + i),
    divergingEpoch: null,
    currentLeader: null,
    snapshotId: null,
  };
  const failed: FetchResponsePartition = {
    partitionIndex: 2,
    errorCode: 6,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
    divergingEpoch: flexible ? { epoch: 3, endOffset: 90n } : null,
    currentLeader: flexible ? { leaderId: 2, leaderEpoch: 9 } : null,
    snapshotId: flexible ? { endOffset: 80n, epoch: 1 } : null,
  };
  return {
    throttleTimeMs: 5,
    errorCode: 0,
    sessionId: v >= 7 ? 7 : 0,
    responses: [{
      topic: v >= 13 ? "" : "events",
      topicId: v >= 13 ? TOPIC_ID : ZERO_ID,
      partitions: [ok, failed],
    }],
    nodeEndpoints: v >= 16 ? [{ nodeId: 2, host: "b2", port: 9093, rack: "r2" }] : [],
  };
}

describe("fetchApi", () => {
  test("fetchApi describes Fetch v4-v18, flexible from v12", () => {
    assert.equal(fetchApi.key, 1);
    assert.equal(fetchApi.minVersion, 4);
    assert.equal(fetchApi.maxVersion, 18);
    assert.equal(fetchApi.flexibleFrom, 12);
  });

  test("encode() writes v4 field by field", () => {
    assert.deepEqual(
      [...encode(fetchApi, 4, consumerRequest(4))],
      fields(
        [0xff, 0xff, 0xff, 0xff], //   ReplicaId: -1
        [0x00, 0x00, 0x01, 0xf4], //   MaxWaitMs: 500
        [0x00, 0x00, 0x00, 0x01], //   MinBytes: 1
        [0x03, 0x20, 0x00, 0x00], //   MaxBytes: 52428800
        [0x01], //                     IsolationLevel: read_committed
        [0x00, 0x00, 0x00, 0x01], //   Topics: 1
        [0x00, 0x06, ...utf8("events")],
        [0x00, 0x00, 0x00, 0x02], //     Partitions: 2
        [0x00, 0x00, 0x00, 0x00], //       Partition 0
        [0, 0, 0, 0, 0, 0, 0, 100], //     FetchOffset: 100
        [0x00, 0x10, 0x00, 0x00], //       PartitionMaxBytes: 1 MiB
        [0x00, 0x00, 0x00, 0x02], //       Partition 2
        [0, 0, 0, 0, 0, 0, 0, 0], //       FetchOffset: 0
        [0x00, 0x01, 0x00, 0x00], //       PartitionMaxBytes: 64 KiB
      ),
    );
  });

  for (const v of VERSIONS) {
    test(`encode() writes Java's v${v} requests byte for byte`, () => {
      assert.equal(toHex(encode(fetchApi, v, consumerRequest(v))), toHex(fixture("request", v)));
      assert.equal(
        toHex(encode(fetchApi, v, followerRequest(v))),
        toHex(fixture("request.follower", v)),
      );
    });

    test(`decodeRequest() reads Java's v${v} requests`, () => {
      assert.deepEqual(decodeRequest(fetchApi, v, fixture("request", v)), consumerRequest(v));
      assert.deepEqual(
        decodeRequest(fetchApi, v, fixture("request.follower", v)),
        followerRequest(v),
      );
    });

    test(`encodeResponse() writes Java's v${v} response byte for byte`, () => {
      assert.equal(toHex(encodeResponse(fetchApi, v, response(v))), toHex(fixture("response", v)));
    });

    test(`decode() reads Java's v${v} response`, () => {
      assert.deepEqual(decode(fetchApi, v, fixture("response", v)), response(v));
    });
  }

  test("encodeResponse() writes a list of batches back to back as one records field", () => {
    const whole = response(12);
    const split = response(12);
    split.responses[0]!.partitions[0]!.records = [
      Uint8Array.from([0xa0, 0xa1, 0xa2]),
      Uint8Array.from([0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9]),
    ];
    assert.deepEqual(encodeResponse(fetchApi, 12, split), encodeResponse(fetchApi, 12, whole));
  });

  test("encode() refuses v13 for a topic without an id", () => {
    const request = consumerRequest(12);
    assert.throws(() => encode(fetchApi, 13, request), /has no topic id/);
  });

  for (const v of [4, 7, 11, 12, 13, 15, 17, 18]) {
    test(`decodeRequest() v${v} survives truncation and mutation with KafkaProtocolError only`, () => {
      assertRequestRobust(fetchApi, v, fixture("request", v));
      assertRequestRobust(fetchApi, v, fixture("request.follower", v));
    });

    test(`decode() v${v} survives truncation and mutation with KafkaProtocolError only`, () => {
      assertRobust(fetchApi, v, fixture("response", v));
    });
  }
});
