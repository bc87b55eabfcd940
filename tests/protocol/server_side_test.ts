// The broker's side of the APIs the client also speaks: each request decoder reads
// the bodies Kafka's own Java classes write (tests/fixtures/kafka_protocol_fixtures.ts)
// into the values the Java generator set, and each response encoder writes, byte for
// byte, what Java writes for the response the client's decoder reads from it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerApi } from "../../src/protocol/api.ts";
import { addPartitionsToTxnApi } from "../../src/protocol/add_partitions_to_txn.ts";
import { apiVersionsApi } from "../../src/protocol/api_versions.ts";
import { endTxnApi } from "../../src/protocol/end_txn.ts";
import { findCoordinatorApi } from "../../src/protocol/find_coordinator.ts";
import { initProducerIdApi } from "../../src/protocol/init_producer_id.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { produceApi } from "../../src/protocol/produce.ts";
import { saslAuthenticateApi } from "../../src/protocol/sasl_authenticate.ts";
import { saslHandshakeApi } from "../../src/protocol/sasl_handshake.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import { decode, encode, fromHex, toHex, TOPIC_ID } from "../fixtures/protocol_helpers.ts";
import { assertRequestRobust, decodeRequest, encodeResponse } from "./_server_helpers.ts";

const ZERO_ID = new Uint8Array(16);
const seq = (from: number, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => from + i);

function fixture(key: string): Uint8Array {
  const hex = kafkaFixtures[key];
  assert.ok(hex !== undefined, `fixture ${key}`);
  return fromHex(hex);
}

// deno-lint-ignore no-explicit-any
type AnyServerApi = ServerApi<any, any>;

/** Each API, and for each request fixture variant, the request the Java generator built. */
const requests: [AnyServerApi, string, (v: number) => unknown][] = [
  [
    apiVersionsApi,
    "request",
    (v) =>
      v < 3 ? { clientSoftwareName: "", clientSoftwareVersion: "" } : {
        clientSoftwareName: "webstream-kafka",
        clientSoftwareVersion: "0.1.0",
        ...(v >= 5 ? { clusterId: "cluster-a", nodeId: 7 } : {}),
      },
  ],
  [metadataApi, "request", (v) => ({
    topics: [
      { name: "events", ...(v >= 10 ? { topicId: ZERO_ID } : {}) },
      { name: "logs", ...(v >= 10 ? { topicId: ZERO_ID } : {}) },
    ],
    allowAutoTopicCreation: v < 4,
    ...(v >= 8 && v <= 10 ? { includeClusterAuthorizedOperations: false } : {}),
    ...(v >= 8 ? { includeTopicAuthorizedOperations: false } : {}),
  })],
  [metadataApi, "request.all", (v) => ({
    topics: null,
    allowAutoTopicCreation: v < 4,
    ...(v >= 8 && v <= 10 ? { includeClusterAuthorizedOperations: false } : {}),
    ...(v >= 8 ? { includeTopicAuthorizedOperations: false } : {}),
  })],
  [metadataApi, "request.byId", () => ({
    topics: [{ name: null, topicId: TOPIC_ID }],
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  })],
  [produceApi, "request", (v) => ({
    transactionalId: "tx",
    acks: -1,
    timeoutMs: 30000,
    topicData: [{
      name: v >= 13 ? "" : "events",
      ...(v >= 13 ? { topicId: TOPIC_ID } : {}),
      partitionData: [{ index: 0, records: seq(0xa0, 10) }, { index: 1, records: seq(0xb0, 3) }],
    }],
  })],
  [produceApi, "request.empty", () => ({
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [],
  })],
  [initProducerIdApi, "request", (v) => ({
    transactionalId: "tx",
    transactionTimeoutMs: 60000,
    ...(v >= 3 ? { producerId: 42n, producerEpoch: 3 } : {}),
  })],
  [initProducerIdApi, "request.idempotent", (v) => ({
    transactionalId: null,
    transactionTimeoutMs: 2147483647,
    ...(v >= 3 ? { producerId: -1n, producerEpoch: -1 } : {}),
  })],
  [
    findCoordinatorApi,
    "request",
    (v) =>
      v === 0
        ? { keyType: 0, coordinatorKeys: ["grp"] }
        : { keyType: 1, coordinatorKeys: v < 4 ? ["my-tx"] : ["my-tx", "other"] },
  ],
  [addPartitionsToTxnApi, "request", () => ({
    transactionalId: "tx",
    producerId: 42n,
    producerEpoch: 3,
    topics: [{ name: "events", partitions: [0, 1] }, { name: "other", partitions: [5] }],
  })],
  [endTxnApi, "request", () => ({
    transactionalId: "tx",
    producerId: 42n,
    producerEpoch: 3,
    committed: true,
  })],
  [saslHandshakeApi, "request", () => ({ mechanism: "SCRAM-SHA-256" })],
  [saslAuthenticateApi, "request", () => ({ authBytes: seq(1, 5) })],
];

const responseApis: AnyServerApi[] = [
  apiVersionsApi,
  metadataApi,
  produceApi,
  initProducerIdApi,
  findCoordinatorApi,
  addPartitionsToTxnApi,
  endTxnApi,
  saslHandshakeApi,
  saslAuthenticateApi,
];

function versionsOf(api: AnyServerApi, kind: string): number[] {
  const versions: number[] = [];
  for (let v = api.minVersion; v <= api.maxVersion; v++) {
    if (kafkaFixtures[`${api.name}.${kind}.v${v}`] !== undefined) versions.push(v);
  }
  return versions;
}

describe("broker side of the client's APIs", () => {
  for (const [api, kind, expected] of requests) {
    const versions = versionsOf(api, kind);
    test(`${api.name}.decodeRequest() reads Java's ${kind} at v${versions.join(", v")}`, () => {
      assert.ok(versions.length > 0);
      for (const v of versions) {
        const bytes = fixture(`${api.name}.${kind}.v${v}`);
        assert.deepEqual(decodeRequest(api, v, bytes), expected(v), `v${v}`);
        // And the client writes those values back to the very same bytes.
        assert.equal(toHex(encode(api, v, expected(v))), toHex(bytes), `v${v} re-encoded`);
      }
    });

    test(`${api.name}.decodeRequest() refuses truncated and mutated ${kind} bodies with KafkaProtocolError only`, () => {
      for (const v of versions) {
        const bytes = fixture(`${api.name}.${kind}.v${v}`);
        if (bytes.length === 0) continue; // ApiVersions v0-v2: an empty body
        assertRequestRobust(api, v, bytes, 150);
      }
    });
  }

  for (const api of responseApis) {
    const versions = versionsOf(api, "response");
    test(`${api.name}.encodeResponse() writes Java's response bytes at v${versions.join(", v")}`, () => {
      assert.ok(versions.length > 0);
      for (const v of versions) {
        const bytes = fixture(`${api.name}.response.v${v}`);
        const response = decode(api, v, bytes);
        assert.equal(toHex(encodeResponse(api, v, response)), toHex(bytes), `v${v}`);
      }
    });
  }

  test("apiVersionsApi.encodeResponse() writes the v0 UNSUPPORTED_VERSION answer as Java does", () => {
    const bytes = fixture("ApiVersions.response.unsupported.v0");
    assert.equal(
      toHex(encodeResponse(apiVersionsApi, 0, decode(apiVersionsApi, 0, bytes))),
      toHex(bytes),
    );
  });

  test("findCoordinatorApi.encodeResponse() refuses several coordinators before v4", () => {
    const response = decode(findCoordinatorApi, 4, fixture("FindCoordinator.response.v4"));
    assert.throws(() => encodeResponse(findCoordinatorApi, 3, response), /exactly one/);
  });

  test("produceApi.encodeResponse() leaves out a CurrentLeader of (-1, -1), as Java does", () => {
    const response = decode(produceApi, 10, fixture("Produce.response.v10"));
    const partition = response.responses[0]!.partitionResponses[1]!;
    const withLeader = encodeResponse(produceApi, 10, response);
    partition.currentLeader = { leaderId: -1, leaderEpoch: -1 };
    const defaulted = encodeResponse(produceApi, 10, response);
    partition.currentLeader = null;
    assert.deepEqual(encodeResponse(produceApi, 10, response), defaulted);
    assert.ok(withLeader.length > defaulted.length);
  });
});
