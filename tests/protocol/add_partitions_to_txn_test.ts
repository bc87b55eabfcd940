import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  addPartitionsToTxnApi,
  type AddPartitionsToTxnResponse,
} from "../../src/protocol/add_partitions_to_txn.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import {
  assertRobust,
  decode,
  encode,
  fields,
  fromHex,
  toHex,
  unknownTags,
  utf8,
  write,
} from "../fixtures/protocol_helpers.ts";

const request = {
  transactionalId: "tx",
  producerId: 42n,
  producerEpoch: 3,
  topics: [{ name: "events", partitions: [0, 1] }, { name: "other", partitions: [5] }],
};

describe("addPartitionsToTxnApi.encode()", () => {
  test("addPartitionsToTxnApi describes the client versions v0-v3, flexible from v3", () => {
    assert.equal(addPartitionsToTxnApi.key, 24);
    assert.equal(addPartitionsToTxnApi.minVersion, 0);
    assert.equal(addPartitionsToTxnApi.maxVersion, 3);
    assert.equal(addPartitionsToTxnApi.flexibleFrom, 3);
  });

  test("encode() writes v0 (oldest) and v2 (last non-flexible) field by field", () => {
    const expected = fields(
      [0x00, 0x02, ...utf8("tx")], //                      V3AndBelowTransactionalId: "tx"
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a], // V3AndBelowProducerId: 42
      [0x00, 0x03], //                                     V3AndBelowProducerEpoch: 3
      [0x00, 0x00, 0x00, 0x02], //                         V3AndBelowTopics: 2
      [0x00, 0x06, ...utf8("events")], //                    Name
      [0x00, 0x00, 0x00, 0x02], //                           Partitions: 2
      [0x00, 0x00, 0x00, 0x00], //                             0
      [0x00, 0x00, 0x00, 0x01], //                             1
      [0x00, 0x05, ...utf8("other")], //                     Name
      [0x00, 0x00, 0x00, 0x01], //                           Partitions: 1
      [0x00, 0x00, 0x00, 0x05], //                             5
    );
    assert.deepEqual([...encode(addPartitionsToTxnApi, 0, request)], expected);
    assert.deepEqual([...encode(addPartitionsToTxnApi, 2, request)], expected);
  });

  test("encode() writes v3 (first flexible, newest for clients) field by field", () => {
    assert.deepEqual(
      [...encode(addPartitionsToTxnApi, 3, request)],
      fields(
        [0x03, ...utf8("tx")], //                            V3AndBelowTransactionalId: compact
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a], // V3AndBelowProducerId: 42
        [0x00, 0x03], //                                     V3AndBelowProducerEpoch: 3
        [0x03], //                                           V3AndBelowTopics: compact count 2 + 1
        [0x07, ...utf8("events")], //                          Name
        [0x03], //                                             Partitions: compact count 2 + 1
        [0x00, 0x00, 0x00, 0x00], //                             0
        [0x00, 0x00, 0x00, 0x01], //                             1
        [0x00], //                                             tagged fields
        [0x06, ...utf8("other")], //                           Name
        [0x02], //                                             Partitions: compact count 1 + 1
        [0x00, 0x00, 0x00, 0x05], //                             5
        [0x00], //                                             tagged fields
        [0x00], //                                           tagged fields
      ),
    );
  });

  test("encode() matches Kafka's own AddPartitionsToTxnRequestData at every client version", () => {
    for (let v = 0; v <= 3; v++) {
      assert.equal(
        toHex(encode(addPartitionsToTxnApi, v, request)),
        kafkaFixtures[`AddPartitionsToTxn.request.v${v}`],
      );
    }
  });

  test("encode() refuses the broker-only versions v4 and v5", () => {
    assert.throws(() => encode(addPartitionsToTxnApi, 4, request), RangeError);
    assert.throws(() => encode(addPartitionsToTxnApi, 5, request), RangeError);
  });
});

const expected: AddPartitionsToTxnResponse = {
  throttleTimeMs: 2,
  resultsByTopic: [{
    name: "events",
    resultsByPartition: [
      { partitionIndex: 0, partitionErrorCode: 0 },
      { partitionIndex: 1, partitionErrorCode: 48 },
    ],
  }],
};

function writeResponse(
  w: Writer,
  v: number,
  res: AddPartitionsToTxnResponse,
  extra: boolean,
): void {
  const flexible = v >= 3;
  const tags = (w: Writer): void => {
    if (flexible) extra ? unknownTags(w) : w.tags();
  };
  w.int32(res.throttleTimeMs);
  if (flexible) {
    w.compactArray(res.resultsByTopic, (w, t) => {
      w.compactString(t.name);
      w.compactArray(t.resultsByPartition, (w, p) => {
        w.int32(p.partitionIndex).int16(p.partitionErrorCode);
        tags(w);
      });
      tags(w);
    });
  } else {
    w.array(res.resultsByTopic, (w, t) => {
      w.string(t.name);
      w.array(
        t.resultsByPartition,
        (w, p) => w.int32(p.partitionIndex).int16(p.partitionErrorCode),
      );
    });
  }
  tags(w);
}

describe("addPartitionsToTxnApi.decode()", () => {
  test("decode() reads Kafka's own AddPartitionsToTxnResponseData at every client version", () => {
    for (let v = 0; v <= 3; v++) {
      const bytes = fromHex(kafkaFixtures[`AddPartitionsToTxn.response.v${v}`]!);
      assert.deepEqual(decode(addPartitionsToTxnApi, v, bytes), expected, `v${v}`);
    }
  });

  test("decode() reads a v0 body field by field", () => {
    const bytes = new Uint8Array(fields(
      [0x00, 0x00, 0x00, 0x00], //   ThrottleTimeMs: 0
      [0x00, 0x00, 0x00, 0x01], //   ResultsByTopicV3AndBelow: 1
      [0x00, 0x01, ...utf8("t")], //   Name: "t"
      [0x00, 0x00, 0x00, 0x01], //     ResultsByPartition: 1
      [0x00, 0x00, 0x00, 0x09], //       PartitionIndex: 9
      [0x00, 0x33], //                   PartitionErrorCode: 51 (CONCURRENT_TRANSACTIONS)
    ));
    assert.deepEqual(decode(addPartitionsToTxnApi, 0, bytes), {
      throttleTimeMs: 0,
      resultsByTopic: [{
        name: "t",
        resultsByPartition: [{ partitionIndex: 9, partitionErrorCode: 51 }],
      }],
    });
  });

  test("decode() round-trips every client version, skipping unknown tagged fields", () => {
    for (let v = 0; v <= 3; v++) {
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, expected, extra));
        assert.deepEqual(decode(addPartitionsToTxnApi, v, bytes), expected, `v${v} ${extra}`);
      }
    }
  });

  test("decode() survives truncation and bit flips at every client version", () => {
    for (let v = 0; v <= 3; v++) {
      assertRobust(
        addPartitionsToTxnApi,
        v,
        fromHex(kafkaFixtures[`AddPartitionsToTxn.response.v${v}`]!),
      );
      assertRobust(addPartitionsToTxnApi, v, write((w) => writeResponse(w, v, expected, true)));
    }
  });
});
