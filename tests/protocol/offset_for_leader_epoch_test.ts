import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  offsetForLeaderEpochApi,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from "../../src/protocol/offset_for_leader_epoch.ts";
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

function fixture(name: string, v: number): Uint8Array {
  const hex = kafkaServerFixtures[`OffsetForLeaderEpoch.${name}.v${v}`];
  assert.ok(hex !== undefined, `fixture OffsetForLeaderEpoch.${name}.v${v}`);
  return fromHex(hex);
}

const request: OffsetForLeaderEpochRequest = {
  replicaId: -1,
  topics: [{
    topic: "events",
    partitions: [{ partition: 0, currentLeaderEpoch: 5, leaderEpoch: 3 }],
  }],
};

const response: OffsetForLeaderEpochResponse = {
  throttleTimeMs: 2,
  topics: [{
    topic: "events",
    partitions: [
      { errorCode: 0, partition: 0, leaderEpoch: 3, endOffset: 1234n },
      { errorCode: 74, partition: 1, leaderEpoch: -1, endOffset: -1n },
    ],
  }],
};

describe("offsetForLeaderEpochApi", () => {
  test("offsetForLeaderEpochApi describes OffsetForLeaderEpoch v2-v4, flexible from v4", () => {
    assert.equal(offsetForLeaderEpochApi.key, 23);
    assert.equal(offsetForLeaderEpochApi.minVersion, 2);
    assert.equal(offsetForLeaderEpochApi.maxVersion, 4);
    assert.equal(offsetForLeaderEpochApi.flexibleFrom, 4);
  });

  test("encode() writes v3 field by field", () => {
    assert.deepEqual(
      [...encode(offsetForLeaderEpochApi, 3, request)],
      fields(
        [0xff, 0xff, 0xff, 0xff], //   ReplicaId: -1 (a consumer)
        [0x00, 0x00, 0x00, 0x01], //   Topics: 1
        [0x00, 0x06, ...utf8("events")],
        [0x00, 0x00, 0x00, 0x01], //     Partitions: 1
        [0x00, 0x00, 0x00, 0x00], //       Partition: 0
        [0x00, 0x00, 0x00, 0x05], //       CurrentLeaderEpoch: 5
        [0x00, 0x00, 0x00, 0x03], //       LeaderEpoch: 3
      ),
    );
  });

  for (const v of [2, 3, 4]) {
    test(`encode() and decodeRequest() match Java's v${v} request`, () => {
      assert.equal(
        toHex(encode(offsetForLeaderEpochApi, v, request)),
        toHex(fixture("request", v)),
      );
      assert.deepEqual(decodeRequest(offsetForLeaderEpochApi, v, fixture("request", v)), request);
    });

    test(`encodeResponse() and decode() match Java's v${v} response`, () => {
      assert.equal(
        toHex(encodeResponse(offsetForLeaderEpochApi, v, response)),
        toHex(fixture("response", v)),
      );
      assert.deepEqual(decode(offsetForLeaderEpochApi, v, fixture("response", v)), response);
    });

    test(`v${v} decoders survive truncation and mutation with KafkaProtocolError only`, () => {
      assertRequestRobust(offsetForLeaderEpochApi, v, fixture("request", v));
      assertRobust(offsetForLeaderEpochApi, v, fixture("response", v));
    });
  }
});
