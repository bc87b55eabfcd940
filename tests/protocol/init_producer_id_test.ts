import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  initProducerIdApi,
  type InitProducerIdResponse,
} from "../../src/protocol/init_producer_id.ts";
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

const transactional = {
  transactionalId: "tx",
  transactionTimeoutMs: 60000,
  producerId: 42n,
  producerEpoch: 3,
};
const idempotent = { transactionalId: null, transactionTimeoutMs: 2147483647 };

describe("initProducerIdApi.encode()", () => {
  test("initProducerIdApi describes InitProducerId v0-v5, flexible from v2", () => {
    assert.equal(initProducerIdApi.key, 22);
    assert.equal(initProducerIdApi.minVersion, 0);
    assert.equal(initProducerIdApi.maxVersion, 5);
    assert.equal(initProducerIdApi.flexibleFrom, 2);
  });

  test("encode() writes v0 (oldest) and v1 (last non-flexible) field by field", () => {
    const expected = fields(
      [0x00, 0x02, ...utf8("tx")], // TransactionalId: "tx"
      [0x00, 0x00, 0xea, 0x60], //   TransactionTimeoutMs: 60000
    );
    assert.deepEqual([...encode(initProducerIdApi, 0, transactional)], expected);
    assert.deepEqual([...encode(initProducerIdApi, 1, transactional)], expected);
    assert.deepEqual(
      [...encode(initProducerIdApi, 0, idempotent)],
      fields(
        [0xff, 0xff], //               TransactionalId: null
        [0x7f, 0xff, 0xff, 0xff], //   TransactionTimeoutMs: 2^31 - 1
      ),
    );
  });

  test("encode() writes v2 (first flexible) field by field", () => {
    assert.deepEqual(
      [...encode(initProducerIdApi, 2, transactional)],
      fields(
        [0x03, ...utf8("tx")], //      TransactionalId: compact string, length 2 + 1
        [0x00, 0x00, 0xea, 0x60], //   TransactionTimeoutMs: 60000
        [0x00], //                     tagged fields
      ),
    );
  });

  test("encode() writes v5 (newest) with ProducerId and ProducerEpoch (v3+)", () => {
    assert.deepEqual(
      [...encode(initProducerIdApi, 5, transactional)],
      fields(
        [0x03, ...utf8("tx")], //                            TransactionalId
        [0x00, 0x00, 0xea, 0x60], //                         TransactionTimeoutMs: 60000
        [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a], // ProducerId: 42
        [0x00, 0x03], //                                     ProducerEpoch: 3
        [0x00], //                                           tagged fields
      ),
    );
    assert.deepEqual(
      [...encode(initProducerIdApi, 3, idempotent)],
      fields(
        [0x00], //                                           TransactionalId: null
        [0x7f, 0xff, 0xff, 0xff], //                         TransactionTimeoutMs
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // ProducerId: -1 (default)
        [0xff, 0xff], //                                     ProducerEpoch: -1 (default)
        [0x00], //                                           tagged fields
      ),
    );
  });

  test("encode() matches Kafka's own InitProducerIdRequestData at every version", () => {
    for (let v = 0; v <= 5; v++) {
      assert.equal(
        toHex(encode(initProducerIdApi, v, transactional)),
        kafkaFixtures[`InitProducerId.request.v${v}`],
      );
      assert.equal(
        toHex(encode(initProducerIdApi, v, idempotent)),
        kafkaFixtures[`InitProducerId.request.idempotent.v${v}`],
      );
    }
  });

  test("encode() refuses v6 (unstable in Kafka 4.x)", () => {
    assert.throws(() => encode(initProducerIdApi, 6, transactional), RangeError);
  });
});

const expected: InitProducerIdResponse = {
  throttleTimeMs: 1,
  errorCode: 0,
  producerId: 42n,
  producerEpoch: 3,
};

function writeResponse(w: Writer, v: number, res: InitProducerIdResponse, extra: boolean): void {
  w.int32(res.throttleTimeMs).int16(res.errorCode).int64(res.producerId).int16(res.producerEpoch);
  if (v >= 2) extra ? unknownTags(w) : w.tags();
}

describe("initProducerIdApi.decode()", () => {
  test("decode() reads Kafka's own InitProducerIdResponseData at every version", () => {
    for (let v = 0; v <= 5; v++) {
      const bytes = fromHex(kafkaFixtures[`InitProducerId.response.v${v}`]!);
      assert.deepEqual(decode(initProducerIdApi, v, bytes), expected, `v${v}`);
    }
  });

  test("decode() reads a v0 body field by field", () => {
    const bytes = new Uint8Array(fields(
      [0x00, 0x00, 0x00, 0x00], //                         ThrottleTimeMs: 0
      [0x00, 0x2f], //                                     ErrorCode: 47 (INVALID_PRODUCER_EPOCH)
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // ProducerId: -1
      [0xff, 0xff], //                                     ProducerEpoch: -1
    ));
    assert.deepEqual(decode(initProducerIdApi, 0, bytes), {
      throttleTimeMs: 0,
      errorCode: 47,
      producerId: -1n,
      producerEpoch: -1,
    });
  });

  test("decode() round-trips every version, skipping unknown tagged fields", () => {
    for (let v = 0; v <= 5; v++) {
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, expected, extra));
        assert.deepEqual(decode(initProducerIdApi, v, bytes), expected, `v${v} extra=${extra}`);
      }
    }
  });

  test("decode() survives truncation and bit flips at every version", () => {
    for (let v = 0; v <= 5; v++) {
      assertRobust(initProducerIdApi, v, fromHex(kafkaFixtures[`InitProducerId.response.v${v}`]!));
      assertRobust(initProducerIdApi, v, write((w) => writeResponse(w, v, expected, true)));
    }
  });
});
