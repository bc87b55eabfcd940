import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  produceApi,
  type ProduceRequest,
  type ProduceResponse,
} from "../../src/protocol/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { type TaggedField, Writer } from "../../src/protocol/writer.ts";
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

const BATCH_0 = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9];
const BATCH_1 = [0xb0, 0xb1, 0xb2];

const request: ProduceRequest = {
  transactionalId: "tx",
  acks: -1,
  timeoutMs: 30000,
  topicData: [{
    name: "events",
    topicId: TOPIC_ID,
    partitionData: [
      { index: 0, records: new Uint8Array(BATCH_0) },
      { index: 1, records: new Uint8Array(BATCH_1) },
    ],
  }],
};

/** The fields every non-flexible version (v3-v8) writes, identically. */
const NON_FLEXIBLE = fields(
  [0x00, 0x02, ...utf8("tx")], //     TransactionalId: "tx"
  [0xff, 0xff], //                    Acks: -1
  [0x00, 0x00, 0x75, 0x30], //        TimeoutMs: 30000
  [0x00, 0x00, 0x00, 0x01], //        TopicData: 1
  [0x00, 0x06, ...utf8("events")], //   Name
  [0x00, 0x00, 0x00, 0x02], //          PartitionData: 2
  [0x00, 0x00, 0x00, 0x00], //            Index: 0
  [0x00, 0x00, 0x00, 0x0a], //            Records: int32 size 10
  BATCH_0, //                             the record batch, as is
  [0x00, 0x00, 0x00, 0x01], //            Index: 1
  [0x00, 0x00, 0x00, 0x03], //            Records: int32 size 3
  BATCH_1,
);

/** v9-v13 differ only in how the topic is named. */
function flexible(topic: readonly number[]): number[] {
  return fields(
    [0x03, ...utf8("tx")], //     TransactionalId: compact string, length 2 + 1
    [0xff, 0xff], //              Acks: -1
    [0x00, 0x00, 0x75, 0x30], //  TimeoutMs: 30000
    [0x02], //                    TopicData: compact count 1 + 1
    topic, //                       Name (v9-v12) or TopicId (v13+)
    [0x03], //                      PartitionData: compact count 2 + 1
    [0x00, 0x00, 0x00, 0x00], //      Index: 0
    [0x0b], //                        Records: compact size 10 + 1
    BATCH_0,
    [0x00], //                        tagged fields
    [0x00, 0x00, 0x00, 0x01], //      Index: 1
    [0x04], //                        Records: compact size 3 + 1
    BATCH_1,
    [0x00], //                        tagged fields
    [0x00], //                      tagged fields (topic)
    [0x00], //                    tagged fields (request)
  );
}

describe("produceApi.encode()", () => {
  test("produceApi describes Produce v3-v13, flexible from v9", () => {
    assert.equal(produceApi.key, 0);
    assert.equal(produceApi.minVersion, 3);
    assert.equal(produceApi.maxVersion, 13);
    assert.equal(produceApi.flexibleFrom, 9);
  });

  test("encode() writes v3 (oldest) and v8 (last non-flexible) field by field", () => {
    assert.deepEqual([...encode(produceApi, 3, request)], NON_FLEXIBLE);
    assert.deepEqual([...encode(produceApi, 8, request)], NON_FLEXIBLE);
  });

  test("encode() writes v9 (first flexible) and v12 by topic name", () => {
    const expected = flexible([0x07, ...utf8("events")]); // Name: compact string, 6 + 1
    assert.deepEqual([...encode(produceApi, 9, request)], expected);
    assert.deepEqual([...encode(produceApi, 12, request)], expected);
  });

  test("encode() writes v13 (newest) by topic id", () => {
    assert.deepEqual([...encode(produceApi, 13, request)], flexible(TOPIC_ID_BYTES));
  });

  test("encode() refuses v13 for a topic without an id", () => {
    const { topicId: _, ...noId } = request.topicData[0]!;
    assert.throws(() => encode(produceApi, 13, { ...request, topicData: [noId] }), TypeError);
    encode(produceApi, 12, { ...request, topicData: [noId] });
  });

  test("encode() writes null records and a null transactional id", () => {
    const req = {
      transactionalId: null,
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "t", partitionData: [{ index: 7, records: null }] }],
    };
    assert.deepEqual(
      [...encode(produceApi, 3, req)],
      fields(
        [0xff, 0xff], //               TransactionalId: null
        [0x00, 0x01], //               Acks: 1
        [0x00, 0x00, 0x03, 0xe8], //   TimeoutMs: 1000
        [0x00, 0x00, 0x00, 0x01], //   TopicData: 1
        [0x00, 0x01, ...utf8("t")], //   Name
        [0x00, 0x00, 0x00, 0x01], //     PartitionData: 1
        [0x00, 0x00, 0x00, 0x07], //       Index: 7
        [0xff, 0xff, 0xff, 0xff], //       Records: null
      ),
    );
    assert.deepEqual(
      [...encode(produceApi, 9, req)],
      fields(
        [0x00], //                     TransactionalId: null
        [0x00, 0x01], //               Acks: 1
        [0x00, 0x00, 0x03, 0xe8], //   TimeoutMs: 1000
        [0x02], //                     TopicData: 1
        [0x02, ...utf8("t")], //         Name
        [0x02], //                       PartitionData: 1
        [0x00, 0x00, 0x00, 0x07], //       Index: 7
        [0x00], //                         Records: null
        [0x00], //                         tagged fields
        [0x00], //                       tagged fields
        [0x00], //                     tagged fields
      ),
    );
  });

  test("encode() matches Kafka's own ProduceRequestData at every version", () => {
    const empty = { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [] };
    for (let v = 3; v <= 13; v++) {
      assert.equal(toHex(encode(produceApi, v, request)), kafkaFixtures[`Produce.request.v${v}`]);
      assert.equal(
        toHex(encode(produceApi, v, empty)),
        kafkaFixtures[`Produce.request.empty.v${v}`],
      );
    }
  });

  test("encode() copies a large record batch once, after what the writer already holds", () => {
    const batch = new Uint8Array(1 << 20).map((_, i) => i * 7);
    const w = new Writer(16);
    w.int32(0x01020304); // e.g. a request header already written
    produceApi.encode(w, 9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1,
      topicData: [{ name: "big", partitionData: [{ index: 0, records: batch }] }],
    });
    const r = new Reader(w.bytes());
    assert.equal(r.int32(), 0x01020304);
    assert.equal(r.compactString(), null);
    r.skip(2 + 4 + 1);
    assert.equal(r.compactString(), "big");
    r.skip(1 + 4);
    assert.deepEqual(r.compactBytes(), batch);
  });

  test("encode() refuses v2 and v14", () => {
    assert.throws(() => encode(produceApi, 2, request), RangeError);
    assert.throws(() => encode(produceApi, 14, request), RangeError);
  });
});

function expectedResponse(v: number): ProduceResponse {
  return {
    responses: [{
      name: v >= 13 ? "" : "events",
      topicId: v >= 13 ? TOPIC_ID : new Uint8Array(16),
      partitionResponses: [
        {
          index: 0,
          errorCode: 0,
          baseOffset: 1234567890123n,
          logAppendTimeMs: 1700000000000n,
          logStartOffset: v >= 5 ? 10n : -1n,
          recordErrors: [],
          errorMessage: null,
          currentLeader: null,
        },
        {
          index: 1,
          errorCode: 6,
          baseOffset: -1n,
          logAppendTimeMs: -1n,
          logStartOffset: -1n,
          recordErrors: v >= 8
            ? [{ batchIndex: 3, batchIndexErrorMessage: "bad" }, {
              batchIndex: 4,
              batchIndexErrorMessage: null,
            }]
            : [],
          errorMessage: v >= 8 ? "boom" : null,
          currentLeader: v >= 10 ? { leaderId: 2, leaderEpoch: 9 } : null,
        },
      ],
    }],
    throttleTimeMs: 11,
    nodeEndpoints: v >= 10 ? [{ nodeId: 2, host: "b2", port: 9093, rack: "r2" }] : [],
  };
}

/** The test's own writer for a Produce response, from the JSON field list. */
function writeResponse(w: Writer, v: number, res: ProduceResponse, extra: boolean): void {
  const flexible = v >= 9;
  const str = (w: Writer, s: string | null): void => {
    flexible ? w.compactString(s) : w.string(s);
  };
  const arr = <T>(w: Writer, items: readonly T[], fn: (w: Writer, item: T) => void): void => {
    flexible ? w.compactArray(items, fn) : w.array(items, fn);
  };
  const extraFields: TaggedField[] = extra ? [{ tag: 77, data: new Uint8Array([0xde, 0xad]) }] : [];
  arr(w, res.responses, (w, t) => {
    if (v >= 13) w.uuid(t.topicId);
    else str(w, t.name);
    arr(w, t.partitionResponses, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset).int64(p.logAppendTimeMs);
      if (v >= 5) w.int64(p.logStartOffset);
      if (v >= 8) {
        arr(w, p.recordErrors, (w, e) => {
          w.int32(e.batchIndex);
          str(w, e.batchIndexErrorMessage);
          if (flexible) extra ? unknownTags(w) : w.tags();
        });
        str(w, p.errorMessage);
      }
      if (flexible) {
        const leader = p.currentLeader;
        const fields: TaggedField[] = leader === null ? [...extraFields] : [...extraFields, {
          tag: 0,
          data: write((w) => {
            w.int32(leader.leaderId).int32(leader.leaderEpoch);
            extra ? unknownTags(w) : w.tags();
          }),
        }];
        w.tags(fields);
      }
    });
    if (flexible) extra ? unknownTags(w) : w.tags();
  });
  w.int32(res.throttleTimeMs);
  if (flexible) {
    const fields = [...extraFields];
    if (res.nodeEndpoints.length > 0) {
      fields.push({
        tag: 0,
        data: write((w) =>
          w.compactArray(res.nodeEndpoints, (w, e) => {
            w.int32(e.nodeId).compactString(e.host).int32(e.port).compactString(e.rack);
            extra ? unknownTags(w) : w.tags();
          })
        ),
      });
    }
    w.tags(fields);
  }
}

describe("produceApi.decode()", () => {
  test("decode() reads Kafka's own ProduceResponseData at every version", () => {
    for (let v = 3; v <= 13; v++) {
      const bytes = fromHex(kafkaFixtures[`Produce.response.v${v}`]!);
      assert.deepEqual(decode(produceApi, v, bytes), expectedResponse(v), `v${v}`);
    }
  });

  test("decode() reads a v3 body field by field", () => {
    const bytes = new Uint8Array(fields(
      [0x00, 0x00, 0x00, 0x01], //                         Responses: 1
      [0x00, 0x01, ...utf8("t")], //                         Name: "t"
      [0x00, 0x00, 0x00, 0x01], //                           PartitionResponses: 1
      [0x00, 0x00, 0x00, 0x02], //                             Index: 2
      [0x00, 0x00], //                                         ErrorCode: 0
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00], //     BaseOffset: 256
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], //     LogAppendTimeMs: -1
      [0x00, 0x00, 0x00, 0x00], //                         ThrottleTimeMs: 0
    ));
    const res = decode(produceApi, 3, bytes);
    assert.equal(res.responses[0]!.name, "t");
    assert.deepEqual(res.responses[0]!.partitionResponses[0], {
      index: 2,
      errorCode: 0,
      baseOffset: 256n,
      logAppendTimeMs: -1n,
      logStartOffset: -1n,
      recordErrors: [],
      errorMessage: null,
      currentLeader: null,
    });
  });

  test("decode() round-trips every version, skipping unknown tagged fields", () => {
    for (let v = 3; v <= 13; v++) {
      const res = expectedResponse(v);
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, res, extra));
        assert.deepEqual(decode(produceApi, v, bytes), res, `v${v} extra=${extra}`);
      }
    }
  });

  test("decode() ignores tag 0 before v10, where it is not defined", () => {
    const res = expectedResponse(9);
    const withLeader = structuredClone(res);
    withLeader.responses[0]!.partitionResponses[1]!.currentLeader = { leaderId: 1, leaderEpoch: 1 };
    withLeader.nodeEndpoints = [{ nodeId: 1, host: "h", port: 1, rack: null }];
    const bytes = write((w) => writeResponse(w, 9, withLeader, false));
    assert.deepEqual(decode(produceApi, 9, bytes), res);
  });

  test("decode() survives truncation and bit flips at every version", () => {
    for (let v = 3; v <= 13; v++) {
      assertRobust(produceApi, v, fromHex(kafkaFixtures[`Produce.response.v${v}`]!));
      assertRobust(produceApi, v, write((w) => writeResponse(w, v, expectedResponse(v), true)));
    }
  });
});
