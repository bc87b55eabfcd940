import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaProtocolError } from "../../src/errors.ts";
import {
  metadataApi,
  type MetadataResponse,
  type MetadataResponsePartition,
  type MetadataResponseTopic,
} from "../../src/protocol/metadata.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import {
  assertRobust,
  decode,
  encode,
  fields,
  fromHex,
  toHex,
  TOPIC_ID,
  TOPIC_ID_BYTES,
  unknownTags,
  utf8,
  write,
} from "../fixtures/protocol_helpers.ts";

const ZERO_ID = new Array<number>(16).fill(0);
const byName = { topics: [{ name: "events" }, { name: "logs" }] };

describe("metadataApi.encode()", () => {
  test("metadataApi describes Metadata v1-v13, flexible from v9", () => {
    assert.equal(metadataApi.key, 3);
    assert.equal(metadataApi.minVersion, 1);
    assert.equal(metadataApi.maxVersion, 13);
    assert.equal(metadataApi.flexibleFrom, 9);
  });

  test("encode() writes v1 (oldest) field by field", () => {
    assert.deepEqual(
      [...encode(metadataApi, 1, byName)],
      fields(
        [0x00, 0x00, 0x00, 0x02], //        Topics: 2
        [0x00, 0x06, ...utf8("events")], //   Name
        [0x00, 0x04, ...utf8("logs")], //     Name
      ),
    );
    assert.deepEqual(
      [...encode(metadataApi, 1, { topics: null })],
      fields(
        [0xff, 0xff, 0xff, 0xff], // Topics: null (all topics)
      ),
    );
  });

  test("encode() writes v4 with AllowAutoTopicCreation false by default", () => {
    assert.deepEqual(
      [...encode(metadataApi, 4, { topics: [{ name: "events" }] })],
      fields(
        [0x00, 0x00, 0x00, 0x01], //        Topics: 1
        [0x00, 0x06, ...utf8("events")], //   Name
        [0x00], //                          AllowAutoTopicCreation: false
      ),
    );
    const allowed = encode(metadataApi, 4, { topics: [], allowAutoTopicCreation: true });
    assert.deepEqual(
      [...allowed],
      fields(
        [0x00, 0x00, 0x00, 0x00], // Topics: 0
        [0x01], //                   AllowAutoTopicCreation: true
      ),
    );
  });

  test("encode() writes v8 (last non-flexible) field by field", () => {
    assert.deepEqual(
      [...encode(metadataApi, 8, byName)],
      fields(
        [0x00, 0x00, 0x00, 0x02], //        Topics: 2
        [0x00, 0x06, ...utf8("events")], //   Name
        [0x00, 0x04, ...utf8("logs")], //     Name
        [0x00], //                          AllowAutoTopicCreation: false
        [0x00], //                          IncludeClusterAuthorizedOperations: false
        [0x00], //                          IncludeTopicAuthorizedOperations: false
      ),
    );
  });

  test("encode() writes v9 (first flexible) field by field", () => {
    assert.deepEqual(
      [...encode(metadataApi, 9, byName)],
      fields(
        [0x03], //                   Topics: compact count 2 + 1
        [0x07, ...utf8("events")], //  Name: compact string, length 6 + 1
        [0x00], //                     tagged fields
        [0x05, ...utf8("logs")], //    Name
        [0x00], //                     tagged fields
        [0x00], //                   AllowAutoTopicCreation
        [0x00], //                   IncludeClusterAuthorizedOperations
        [0x00], //                   IncludeTopicAuthorizedOperations
        [0x00], //                   tagged fields
      ),
    );
  });

  test("encode() writes v10 with zero topic ids and v13 (newest) without cluster operations", () => {
    assert.deepEqual(
      [...encode(metadataApi, 10, { topics: [{ name: "events" }] })],
      fields(
        [0x02], //                   Topics: compact count 1 + 1
        ZERO_ID, //                    TopicId: zero (by name)
        [0x07, ...utf8("events")], //  Name
        [0x00], //                     tagged fields
        [0x00], //                   AllowAutoTopicCreation
        [0x00], //                   IncludeClusterAuthorizedOperations (v8-v10 only)
        [0x00], //                   IncludeTopicAuthorizedOperations
        [0x00], //                   tagged fields
      ),
    );
    assert.deepEqual(
      [...encode(metadataApi, 13, { topics: [{ name: "events" }] })],
      fields(
        [0x02], //                   Topics: compact count 1 + 1
        ZERO_ID, //                    TopicId: zero (by name)
        [0x07, ...utf8("events")], //  Name
        [0x00], //                     tagged fields
        [0x00], //                   AllowAutoTopicCreation
        [0x00], //                   IncludeTopicAuthorizedOperations
        [0x00], //                   tagged fields
      ),
    );
  });

  test("encode() asks by topic id from v12 and refuses it before", () => {
    const request = { topics: [{ name: null, topicId: TOPIC_ID }] };
    assert.deepEqual(
      [...encode(metadataApi, 12, request)],
      fields(
        [0x02], //         Topics: compact count 1 + 1
        TOPIC_ID_BYTES, //   TopicId
        [0x00], //           Name: null
        [0x00], //           tagged fields
        [0x00], //         AllowAutoTopicCreation
        [0x00], //         IncludeTopicAuthorizedOperations
        [0x00], //         tagged fields
      ),
    );
    for (const v of [1, 9, 10, 11]) {
      assert.throws(() => encode(metadataApi, v, request), RangeError, `v${v}`);
      assert.throws(
        () => encode(metadataApi, v, { topics: [{ name: "x", topicId: TOPIC_ID }] }),
        RangeError,
      );
    }
    // A zero id is "by name" at any version.
    encode(metadataApi, 11, { topics: [{ name: "x", topicId: new Uint8Array(16) }] });
  });

  test("encode() matches Kafka's own MetadataRequestData at every version", () => {
    for (let v = 1; v <= 13; v++) {
      assert.equal(toHex(encode(metadataApi, v, byName)), kafkaFixtures[`Metadata.request.v${v}`]);
      assert.equal(
        toHex(encode(metadataApi, v, { topics: null })),
        kafkaFixtures[`Metadata.request.all.v${v}`],
      );
    }
    for (const v of [12, 13]) {
      assert.equal(
        toHex(encode(metadataApi, v, { topics: [{ name: null, topicId: TOPIC_ID }] })),
        kafkaFixtures[`Metadata.request.byId.v${v}`],
      );
    }
  });

  test("encode() refuses v0 and v14", () => {
    assert.throws(() => encode(metadataApi, 0, byName), RangeError);
    assert.throws(() => encode(metadataApi, 14, byName), RangeError);
  });
});

const MIN_INT32 = -2147483648;

function expectedResponse(v: number): MetadataResponse {
  const partitions: MetadataResponsePartition[] = [
    {
      errorCode: 0,
      partitionIndex: 0,
      leaderId: 1,
      leaderEpoch: v >= 7 ? 5 : -1,
      replicaNodes: [1, 2],
      isrNodes: [1, 2],
      offlineReplicas: [],
    },
    {
      errorCode: 5,
      partitionIndex: 1,
      leaderId: -1,
      leaderEpoch: v >= 7 ? 6 : -1,
      replicaNodes: [2, 1],
      isrNodes: [1],
      offlineReplicas: v >= 5 ? [2] : [],
    },
  ];
  const topics: MetadataResponseTopic[] = [
    {
      errorCode: 0,
      name: "events",
      topicId: v >= 10 ? TOPIC_ID : new Uint8Array(16),
      isInternal: false,
      partitions,
      topicAuthorizedOperations: v >= 8 ? 8 : MIN_INT32,
    },
    {
      errorCode: 3,
      name: "missing",
      topicId: new Uint8Array(16),
      isInternal: v >= 1,
      partitions: [],
      topicAuthorizedOperations: MIN_INT32,
    },
  ];
  return {
    throttleTimeMs: v >= 3 ? 7 : 0,
    brokers: [
      { nodeId: 1, host: "b1", port: 9092, rack: "r1" },
      { nodeId: 2, host: "b2", port: 9093, rack: null },
    ],
    clusterId: v >= 2 ? "cid" : null,
    controllerId: 1,
    topics,
    clusterAuthorizedOperations: v >= 8 && v <= 10 ? 16 : MIN_INT32,
    errorCode: 0,
  };
}

/** The test's own writer for a Metadata response, from the JSON field list. */
function writeResponse(w: Writer, v: number, res: MetadataResponse, extra: boolean): void {
  const flexible = v >= 9;
  const tags = (w: Writer): void => {
    if (flexible) extra ? unknownTags(w) : w.tags();
  };
  const str = (w: Writer, s: string | null): void => {
    flexible ? w.compactString(s) : w.string(s);
  };
  const arr = <T>(w: Writer, items: readonly T[], fn: (w: Writer, item: T) => void): void => {
    flexible ? w.compactArray(items, fn) : w.array(items, fn);
  };
  if (v >= 3) w.int32(res.throttleTimeMs);
  arr(w, res.brokers, (w, b) => {
    w.int32(b.nodeId);
    str(w, b.host);
    w.int32(b.port);
    if (v >= 1) str(w, b.rack);
    tags(w);
  });
  if (v >= 2) str(w, res.clusterId);
  if (v >= 1) w.int32(res.controllerId);
  arr(w, res.topics, (w, t) => {
    w.int16(t.errorCode);
    str(w, t.name);
    if (v >= 10) w.uuid(t.topicId);
    if (v >= 1) w.boolean(t.isInternal);
    arr(w, t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.partitionIndex).int32(p.leaderId);
      if (v >= 7) w.int32(p.leaderEpoch);
      arr(w, p.replicaNodes, (w, n) => w.int32(n));
      arr(w, p.isrNodes, (w, n) => w.int32(n));
      if (v >= 5) arr(w, p.offlineReplicas, (w, n) => w.int32(n));
      tags(w);
    });
    if (v >= 8) w.int32(t.topicAuthorizedOperations);
    tags(w);
  });
  if (v >= 8 && v <= 10) w.int32(res.clusterAuthorizedOperations);
  if (v >= 13) w.int16(res.errorCode);
  tags(w);
}

describe("metadataApi.decode()", () => {
  test("decode() reads Kafka's own MetadataResponseData at every version", () => {
    for (let v = 1; v <= 13; v++) {
      const bytes = fromHex(kafkaFixtures[`Metadata.response.v${v}`]!);
      assert.deepEqual(decode(metadataApi, v, bytes), expectedResponse(v), `v${v}`);
    }
  });

  test("decode() round-trips every version, skipping unknown tagged fields", () => {
    for (let v = 1; v <= 13; v++) {
      const res = expectedResponse(v);
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, res, extra));
        assert.deepEqual(decode(metadataApi, v, bytes), res, `v${v} extra=${extra}`);
      }
    }
  });

  test("decode() reads a null topic name from v12 and the v13 top-level error code", () => {
    const res = expectedResponse(13);
    res.topics = [{ ...res.topics[1]!, name: null, errorCode: 100, topicId: TOPIC_ID }];
    res.errorCode = 129;
    const bytes = write((w) => writeResponse(w, 13, res, false));
    assert.deepEqual(decode(metadataApi, 13, bytes), res);
    // Before v12 a null name is malformed.
    const v11 = write((w) => writeResponse(w, 11, res, false));
    assert.throws(() => decode(metadataApi, 11, v11), KafkaProtocolError);
  });

  test("decode() survives truncation and bit flips at every version", () => {
    for (let v = 1; v <= 13; v++) {
      assertRobust(metadataApi, v, fromHex(kafkaFixtures[`Metadata.response.v${v}`]!));
      assertRobust(metadataApi, v, write((w) => writeResponse(w, v, expectedResponse(v), true)));
    }
  });
});
