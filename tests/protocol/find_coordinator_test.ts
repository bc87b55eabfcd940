import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CoordinatorType,
  findCoordinatorApi,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from "../../src/protocol/find_coordinator.ts";
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

const group: FindCoordinatorRequest = { keyType: CoordinatorType.Group, coordinatorKeys: ["grp"] };
const txn: FindCoordinatorRequest = {
  keyType: CoordinatorType.Transaction,
  coordinatorKeys: ["my-tx"],
};
const batch: FindCoordinatorRequest = {
  keyType: CoordinatorType.Transaction,
  coordinatorKeys: ["my-tx", "other"],
};

function fixtureRequest(v: number): FindCoordinatorRequest {
  return v === 0 ? group : v < 4 ? txn : batch;
}

describe("findCoordinatorApi.encode()", () => {
  test("findCoordinatorApi describes FindCoordinator v0-v6, flexible from v3", () => {
    assert.equal(findCoordinatorApi.key, 10);
    assert.equal(findCoordinatorApi.minVersion, 0);
    assert.equal(findCoordinatorApi.maxVersion, 6);
    assert.equal(findCoordinatorApi.flexibleFrom, 3);
    assert.deepEqual(CoordinatorType, { Group: 0, Transaction: 1, Share: 2 });
  });

  test("encode() writes v0 (oldest) without a key type", () => {
    assert.deepEqual(
      [...encode(findCoordinatorApi, 0, group)],
      fields(
        [0x00, 0x03, ...utf8("grp")], // Key: "grp"
      ),
    );
  });

  test("encode() writes v2 (last non-flexible) field by field", () => {
    assert.deepEqual(
      [...encode(findCoordinatorApi, 2, txn)],
      fields(
        [0x00, 0x05, ...utf8("my-tx")], // Key: "my-tx"
        [0x01], //                         KeyType: 1 (transaction)
      ),
    );
  });

  test("encode() writes v3 (first flexible) field by field", () => {
    assert.deepEqual(
      [...encode(findCoordinatorApi, 3, txn)],
      fields(
        [0x06, ...utf8("my-tx")], // Key: compact string, length 5 + 1
        [0x01], //                   KeyType: 1
        [0x00], //                   tagged fields
      ),
    );
  });

  test("encode() writes v4 and v6 (newest) with CoordinatorKeys", () => {
    const expected = fields(
      [0x01], //                   KeyType: 1
      [0x03], //                   CoordinatorKeys: compact count 2 + 1
      [0x06, ...utf8("my-tx")], //   compact string
      [0x06, ...utf8("other")], //   compact string
      [0x00], //                   tagged fields
    );
    assert.deepEqual([...encode(findCoordinatorApi, 4, batch)], expected);
    assert.deepEqual([...encode(findCoordinatorApi, 6, batch)], expected);
  });

  test("encode() refuses several keys before v4 and transactions at v0", () => {
    assert.throws(() => encode(findCoordinatorApi, 3, batch), RangeError);
    assert.throws(
      () => encode(findCoordinatorApi, 1, { keyType: 1, coordinatorKeys: [] }),
      RangeError,
    );
    assert.throws(() => encode(findCoordinatorApi, 0, txn), RangeError);
    assert.throws(() => encode(findCoordinatorApi, 7, batch), RangeError);
  });

  test("encode() matches Kafka's own FindCoordinatorRequestData at every version", () => {
    for (let v = 0; v <= 6; v++) {
      assert.equal(
        toHex(encode(findCoordinatorApi, v, fixtureRequest(v))),
        kafkaFixtures[`FindCoordinator.request.v${v}`],
        `v${v}`,
      );
    }
  });
});

function expectedResponse(v: number): FindCoordinatorResponse {
  if (v >= 4) {
    return {
      throttleTimeMs: 4,
      coordinators: [
        { key: "my-tx", nodeId: 2, host: "b2", port: 9093, errorCode: 0, errorMessage: null },
        {
          key: "other",
          nodeId: -1,
          host: "",
          port: -1,
          errorCode: 15,
          errorMessage: "not available",
        },
      ],
    };
  }
  return {
    throttleTimeMs: v >= 1 ? 4 : 0,
    coordinators: [{
      key: null,
      nodeId: 2,
      host: "b2",
      port: 9093,
      errorCode: 0,
      errorMessage: v >= 1 ? "m" : null,
    }],
  };
}

function writeResponse(w: Writer, v: number, res: FindCoordinatorResponse, extra: boolean): void {
  const flexible = v >= 3;
  const str = (s: string | null): void => {
    flexible ? w.compactString(s) : w.string(s);
  };
  if (v >= 1) w.int32(res.throttleTimeMs);
  if (v < 4) {
    const c = res.coordinators[0]!;
    w.int16(c.errorCode);
    if (v >= 1) str(c.errorMessage);
    w.int32(c.nodeId);
    str(c.host);
    w.int32(c.port);
  } else {
    w.compactArray(res.coordinators, (w, c) => {
      w.compactString(c.key).int32(c.nodeId).compactString(c.host).int32(c.port);
      w.int16(c.errorCode).compactString(c.errorMessage);
      extra ? unknownTags(w) : w.tags();
    });
  }
  if (flexible) extra ? unknownTags(w) : w.tags();
}

describe("findCoordinatorApi.decode()", () => {
  test("decode() reads Kafka's own FindCoordinatorResponseData at every version", () => {
    for (let v = 0; v <= 6; v++) {
      const bytes = fromHex(kafkaFixtures[`FindCoordinator.response.v${v}`]!);
      assert.deepEqual(decode(findCoordinatorApi, v, bytes), expectedResponse(v), `v${v}`);
    }
  });

  test("decode() reads a v1 body field by field", () => {
    const bytes = new Uint8Array(fields(
      [0x00, 0x00, 0x00, 0x00], // ThrottleTimeMs: 0
      [0x00, 0x0f], //             ErrorCode: 15 (COORDINATOR_NOT_AVAILABLE)
      [0xff, 0xff], //             ErrorMessage: null
      [0xff, 0xff, 0xff, 0xff], // NodeId: -1
      [0x00, 0x00], //             Host: ""
      [0xff, 0xff, 0xff, 0xff], // Port: -1
    ));
    assert.deepEqual(decode(findCoordinatorApi, 1, bytes), {
      throttleTimeMs: 0,
      coordinators: [{
        key: null,
        nodeId: -1,
        host: "",
        port: -1,
        errorCode: 15,
        errorMessage: null,
      }],
    });
  });

  test("decode() round-trips every version, skipping unknown tagged fields", () => {
    for (let v = 0; v <= 6; v++) {
      for (const extra of [false, true]) {
        const bytes = write((w) => writeResponse(w, v, expectedResponse(v), extra));
        assert.deepEqual(decode(findCoordinatorApi, v, bytes), expectedResponse(v), `v${v}`);
      }
    }
  });

  test("decode() survives truncation and bit flips at every version", () => {
    for (let v = 0; v <= 6; v++) {
      assertRobust(
        findCoordinatorApi,
        v,
        fromHex(kafkaFixtures[`FindCoordinator.response.v${v}`]!),
      );
      assertRobust(
        findCoordinatorApi,
        v,
        write((w) => writeResponse(w, v, expectedResponse(v), true)),
      );
    }
  });
});
