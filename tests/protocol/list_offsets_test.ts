import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  listOffsetsApi,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  OffsetSpec,
} from "../../src/protocol/list_offsets.ts";
import { kafkaServerFixtures } from "../fixtures/kafka_server_fixtures.ts";
import {
  assertRobust,
  decode,
  encode,
  fields,
  fromHex,
  toHex,
  utf8,
} from "../fixtures/protocol_helpers.ts";
import { assertRequestRobust, decodeRequest, encodeResponse } from "./_server_helpers.ts";

const VERSIONS = Array.from({ length: 11 }, (_, i) => i + 1);

function fixture(name: string, v: number): Uint8Array {
  const hex = kafkaServerFixtures[`ListOffsets.${name}.v${v}`];
  assert.ok(hex !== undefined, `fixture ListOffsets.${name}.v${v}`);
  return fromHex(hex);
}

function request(v: number): ListOffsetsRequest {
  return {
    replicaId: -1,
    isolationLevel: v >= 2 ? 1 : 0,
    topics: [{
      name: "events",
      partitions: [
        { partitionIndex: 0, currentLeaderEpoch: v >= 4 ? 4 : -1, timestamp: OffsetSpec.Earliest },
        { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: 1700000000000n },
      ],
    }],
    timeoutMs: v >= 10 ? 1500 : 30000,
  };
}

function response(v: number): ListOffsetsResponse {
  return {
    throttleTimeMs: v >= 2 ? 3 : 0,
    topics: [{
      name: "events",
      partitions: [
        {
          partitionIndex: 0,
          errorCode: 0,
          timestamp: -1n,
          offset: 10n,
          leaderEpoch: v >= 4 ? 4 : -1,
        },
        { partitionIndex: 1, errorCode: 74, timestamp: -1n, offset: -1n, leaderEpoch: -1 },
      ],
    }],
  };
}

describe("listOffsetsApi", () => {
  test("listOffsetsApi describes ListOffsets v1-v11, flexible from v6", () => {
    assert.equal(listOffsetsApi.key, 2);
    assert.equal(listOffsetsApi.minVersion, 1);
    assert.equal(listOffsetsApi.maxVersion, 11);
    assert.equal(listOffsetsApi.flexibleFrom, 6);
  });

  test("encode() writes v1 field by field", () => {
    assert.deepEqual(
      [...encode(listOffsetsApi, 1, request(1))],
      fields(
        [0xff, 0xff, 0xff, 0xff], //          ReplicaId: -1
        [0x00, 0x00, 0x00, 0x01], //          Topics: 1
        [0x00, 0x06, ...utf8("events")],
        [0x00, 0x00, 0x00, 0x02], //            Partitions: 2
        [0x00, 0x00, 0x00, 0x00], //              PartitionIndex: 0
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], // Timestamp: -2 (earliest)
        [0x00, 0x00, 0x00, 0x01], //              PartitionIndex: 1
        [0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00], // Timestamp: 1700000000000
      ),
    );
  });

  for (const v of VERSIONS) {
    test(`encode() and decodeRequest() match Java's v${v} request`, () => {
      assert.equal(toHex(encode(listOffsetsApi, v, request(v))), toHex(fixture("request", v)));
      assert.deepEqual(decodeRequest(listOffsetsApi, v, fixture("request", v)), request(v));
    });

    test(`encodeResponse() and decode() match Java's v${v} response`, () => {
      assert.equal(
        toHex(encodeResponse(listOffsetsApi, v, response(v))),
        toHex(fixture("response", v)),
      );
      assert.deepEqual(decode(listOffsetsApi, v, fixture("response", v)), response(v));
    });

    test(`v${v} decoders survive truncation and mutation with KafkaProtocolError only`, () => {
      assertRequestRobust(listOffsetsApi, v, fixture("request", v));
      assertRobust(listOffsetsApi, v, fixture("response", v));
    });
  }
});
