import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { endTxnApi, type EndTxnResponse } from "../../src/protocol/end_txn.ts";
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

const request = { transactionalId: "tx", producerId: 42n, producerEpoch: 3, committed: true };

describe("endTxnApi.encode()", () => {
  test("endTxnApi describes EndTxn v0-v5, flexible from v3", () => {
    assert.equal(endTxnApi.key, 26);
    assert.equal(endTxnApi.minVersion, 0);
    assert.equal(endTxnApi.maxVersion, 5);
    assert.equal(endTxnApi.flexibleFrom, 3);
  });

  test("encode() writes v0 (oldest) and v2 (last non-flexible) field by field", () => {
    const expected = fields(
      [0x00, 0x02, ...utf8("tx")], //                      TransactionalId: "tx"
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a], // ProducerId: 42
      [0x00, 0x03], //                                     ProducerEpoch: 3
      [0x01], //                                           Committed: true
    );
    assert.deepEqual([...encode(endTxnApi, 0, request)], expected);
    assert.deepEqual([...encode(endTxnApi, 2, request)], expected);
  });

  test("encode() writes v3 (first flexible) and v5 (newest) field by field", () => {
    const expected = fields(
      [0x03, ...utf8("tx")], //                            TransactionalId: compact, length 2 + 1
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a], // ProducerId: 42
      [0x00, 0x03], //                                     ProducerEpoch: 3
      [0x00], //                                           Committed: false
      [0x00], //                                           tagged fields
    );
    assert.deepEqual([...encode(endTxnApi, 3, { ...request, committed: false })], expected);
    assert.deepEqual([...encode(endTxnApi, 5, { ...request, committed: false })], expected);
  });

  test("encode() matches Kafka's own EndTxnRequestData at every version", () => {
    for (let v = 0; v <= 5; v++) {
      assert.equal(toHex(encode(endTxnApi, v, request)), kafkaFixtures[`EndTxn.request.v${v}`]);
    }
  });

  test("encode() refuses v6", () => {
    assert.throws(() => encode(endTxnApi, 6, request), RangeError);
  });
});

function expectedResponse(v: number): EndTxnResponse {
  return {
    throttleTimeMs: 3,
    errorCode: 0,
    producerId: v >= 5 ? 43n : -1n,
    producerEpoch: v >= 5 ? 4 : -1,
  };
}

function writeResponse(w: Writer, v: number, res: EndTxnResponse, extra: boolean): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode);
  if (v >= 5) w.int64(res.producerId).int16(res.producerEpoch);
  if (v >= 3) extra ? unknownTags(w) : w.tags();
}

describe("endTxnApi.decode()", () => {
  test("decode() reads Kafka's own EndTxnResponseData at every version", () => {
    for (let v = 0; v <= 5; v++) {
      const bytes = fromHex(kafkaFixtures[`EndTxn.response.v${v}`]!);
      assert.deepEqual(decode(endTxnApi, v, bytes), expectedResponse(v), `v${v}`);
    }
  });

  test("decode() reads a v5 body field by field", () => {
    const bytes = new Uint8Array(fields(
      [0x00, 0x00, 0x00, 0x00], //                         ThrottleTimeMs: 0
      [0x00, 0x5a], //                                     ErrorCode: 90 (PRODUCER_FENCED)
      [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07], // ProducerId: 7
      [0x00, 0x08], //                                     ProducerEpoch: 8
      [0x00], //                                           tagged fields
    ));
    assert.deepEqual(decode(endTxnApi, 5, bytes), {
      throttleTimeMs: 0,
      errorCode: 90,
      producerId: 7n,
      producerEpoch: 8,
    });
  });

  test("decode() round-trips every version, skipping unknown tagged fields", () => {
    for (let v = 0; v <= 5; v++) {
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, expectedResponse(v), extra));
        assert.deepEqual(decode(endTxnApi, v, bytes), expectedResponse(v), `v${v} ${extra}`);
      }
    }
  });

  test("decode() survives truncation and bit flips at every version", () => {
    for (let v = 0; v <= 5; v++) {
      assertRobust(endTxnApi, v, fromHex(kafkaFixtures[`EndTxn.response.v${v}`]!));
      assertRobust(endTxnApi, v, write((w) => writeResponse(w, v, expectedResponse(v), true)));
    }
  });
});
