// Fuzzing the test broker's request decoders: every served API at every served
// version, truncated at every byte, bit-flipped and overwritten at random, random
// bodies and huge lengths, first through the decoders (a typed KafkaProtocolError or
// a decoded request, nothing else), then over sockets against a running broker (the
// connection is closed or answered, never a hang, and the broker serves on).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaProtocolError } from "../../src/errors.ts";
import { ApiKey } from "../../src/protocol/api.ts";
import { writeRequestHeader } from "../../src/protocol/headers.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { handlers } from "../../src/testing/handlers.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import { prng } from "../fixtures/protocol_helpers.ts";
import { assertRequestRobust } from "../protocol/_server_helpers.ts";
import { batch } from "./_batches.ts";
import { connectTo, drain, frame, rawSocket } from "./_client.ts";

const TOPIC_ID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const records = batch(3, { producerId: 4n, producerEpoch: 0, baseSequence: 0 });

/** A valid request body for each served API (the client's encoders write them). */
const samples: Record<number, (v: number) => unknown> = {
  [ApiKey.Produce]: () => ({
    transactionalId: "tx",
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: "t", topicId: TOPIC_ID, partitionData: [{ index: 0, records }] }],
  }),
  [ApiKey.Fetch]: () => ({
    maxWaitMs: 10,
    minBytes: 1,
    isolationLevel: 1,
    clusterId: "c",
    topics: [{
      topic: "t",
      topicId: TOPIC_ID,
      partitions: [{
        partition: 0,
        fetchOffset: 3n,
        partitionMaxBytes: 1000,
        replicaDirectoryId: TOPIC_ID,
        highWatermark: 9n,
      }],
    }],
    forgottenTopicsData: [{ topic: "u", topicId: TOPIC_ID, partitions: [1] }],
    rackId: "r",
  }),
  [ApiKey.ListOffsets]: () => ({
    isolationLevel: 1,
    topics: [{
      name: "t",
      partitions: [{ partitionIndex: 0, currentLeaderEpoch: 2, timestamp: -1n }],
    }],
  }),
  [ApiKey.Metadata]: (v) => ({
    topics: [{ name: "t" }, ...(v >= 12 ? [{ name: null, topicId: TOPIC_ID }] : [])],
    allowAutoTopicCreation: true,
    includeTopicAuthorizedOperations: true,
  }),
  [ApiKey.FindCoordinator]: (v) => ({
    keyType: v === 0 ? 0 : 1,
    coordinatorKeys: v >= 4 ? ["a", "b"] : ["a"],
  }),
  [ApiKey.SaslHandshake]: () => ({ mechanism: "PLAIN" }),
  [ApiKey.ApiVersions]: () => ({ clientSoftwareName: "fuzz", clientSoftwareVersion: "1" }),
  [ApiKey.InitProducerId]: () => ({
    transactionalId: "tx",
    transactionTimeoutMs: 1000,
    producerId: 3n,
    producerEpoch: 1,
  }),
  [ApiKey.OffsetForLeaderEpoch]: () => ({
    replicaId: -1,
    topics: [{ topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 }] }],
  }),
  [ApiKey.AddPartitionsToTxn]: () => ({
    transactionalId: "tx",
    producerId: 3n,
    producerEpoch: 0,
    topics: [{ name: "t", partitions: [0, 1] }],
  }),
  [ApiKey.EndTxn]: () => ({
    transactionalId: "tx",
    producerId: 3n,
    producerEpoch: 0,
    committed: true,
  }),
  [ApiKey.SaslAuthenticate]: () => ({ authBytes: new Uint8Array([0, 97, 0, 98]) }),
};

function body(apiKey: number, version: number): Uint8Array {
  const handler = handlers.get(apiKey)!;
  const w = new Writer();
  handler.api.encode(w, version, samples[apiKey]!(version) as never);
  return w.bytes().slice();
}

function requestFrame(
  apiKey: number,
  version: number,
  payload: Uint8Array,
  correlationId = 1,
): Uint8Array {
  const handler = handlers.get(apiKey);
  const w = new Writer();
  writeRequestHeader(
    w,
    apiKey,
    version,
    correlationId,
    "fuzz",
    handler !== undefined && version >= handler.api.flexibleFrom,
  );
  w.raw(payload);
  return frame(w.bytes());
}

describe("request decoders under fuzzing", () => {
  for (const handler of handlers.values()) {
    test(`${handler.api.name} v${handler.minVersion}-v${handler.maxVersion} decodeRequest(): truncations, bit flips, overwrites give KafkaProtocolError or a request`, () => {
      for (let v = handler.minVersion; v <= handler.maxVersion; v++) {
        const valid = body(handler.api.key, v);
        if (valid.length === 0) continue; // ApiVersions v0-v2
        assertRequestRobust(handler.api, v, valid, 200, 0xf00d + handler.api.key);
      }
    });
  }

  test("decodeRequest() of random bodies throws only KafkaProtocolError", () => {
    const random = prng(42);
    let decoded = 0;
    for (const handler of handlers.values()) {
      for (let v = handler.minVersion; v <= handler.maxVersion; v++) {
        for (let i = 0; i < 200; i++) {
          const bytes = Uint8Array.from(
            { length: Math.floor(random() * 64) },
            () => Math.floor(random() * 256),
          );
          try {
            handler.api.decodeRequest(new Reader(bytes), v);
            decoded++;
          } catch (error) {
            assert.ok(
              error instanceof KafkaProtocolError,
              `${handler.api.name} v${v}: ${String(error)}`,
            );
          }
        }
      }
    }
    assert.ok(decoded > 0, "some random bodies decode (the fuzz reaches past the first field)");
  });

  test("decodeRequest() refuses huge counts and lengths at once, allocating nothing for them", () => {
    const huge = [
      // Metadata v12: a compact array of 2^32 - 2 topics.
      [metadataApi, 12, [0xff, 0xff, 0xff, 0xff, 0x0f]],
      // Metadata v1: an int32 array of 2^31 - 1 topics.
      [metadataApi, 1, [0x7f, 0xff, 0xff, 0xff]],
      // Produce v3: transactional id of 32767 bytes, absent.
      [handlers.get(ApiKey.Produce)!.api, 3, [0x7f, 0xff]],
      // Produce v9: one topic, one partition, records of 2^31 bytes.
      [handlers.get(ApiKey.Produce)!.api, 9, [
        0,
        0xff,
        0xff,
        0,
        0,
        0,
        0,
        0x02,
        0x02,
        0x74,
        0x02,
        0,
        0,
        0,
        0,
        0xff,
        0xff,
        0xff,
        0xff,
        0x07,
      ]],
      // Fetch v12: tagged fields section claiming 2^28 fields.
      [handlers.get(ApiKey.Fetch)!.api, 12, [
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        1,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        1,
        1,
        0xff,
        0xff,
        0xff,
        0x7f,
      ]],
    ] as const;
    for (const [api, version, bytes] of huge) {
      const started = performance.now();
      assert.throws(
        () => api.decodeRequest(new Reader(Uint8Array.from(bytes)), version),
        KafkaProtocolError,
      );
      assert.ok(performance.now() - started < 50, `${api.name} v${version} refused at once`);
    }
  });
});

describe("the running broker under fuzzing", () => {
  test("garbage, truncated and mutated frames close their connection; the broker serves on", {
    timeout: 120_000,
  }, async () => {
    const errors: string[] = [];
    await using broker = await startTestBroker({
      topics: { t: 2 },
      maxRequestBytes: 1 << 20,
      log: (line) => errors.push(line),
    });
    const address = broker.bootstrap[0]!;
    const random = prng(7);
    const valid: Uint8Array[] = [];
    for (const handler of handlers.values()) {
      if (handler.api.key === ApiKey.SaslHandshake || handler.api.key === ApiKey.SaslAuthenticate) {
        continue;
      }
      for (let v = handler.minVersion; v <= handler.maxVersion; v++) {
        valid.push(requestFrame(handler.api.key, v, body(handler.api.key, v)));
      }
    }
    const cases: [string, Uint8Array][] = [
      ["a huge size prefix", new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])],
      ["a negative size prefix", new Uint8Array([0xff, 0xff, 0xff, 0xfe, 1, 2, 3])],
      ["an empty frame", new Uint8Array([0, 0, 0, 0])],
      ["an unknown API key", requestFrame(999, 0, new Uint8Array(8))],
      ["a version not served", requestFrame(ApiKey.Produce, 2, body(ApiKey.Produce, 3))],
      [
        "a request body cut short",
        requestFrame(ApiKey.Metadata, 12, body(ApiKey.Metadata, 12).subarray(0, 5)),
      ],
      [
        "a request body with a byte too many",
        requestFrame(ApiKey.EndTxn, 3, new Uint8Array([...body(ApiKey.EndTxn, 3), 0])),
      ],
      ["a header cut short", frame(new Uint8Array([0, 3, 0]))],
    ];
    for (let i = 0; i < 150; i++) {
      const bytes = valid[Math.floor(random() * valid.length)]!.slice();
      const changes = 1 + Math.floor(random() * 4);
      for (let c = 0; c < changes; c++) {
        const at = 4 + Math.floor(random() * (bytes.length - 4));
        bytes[at] = random() < 0.5
          ? bytes[at]! ^ (1 << Math.floor(random() * 8))
          : Math.floor(random() * 256);
      }
      cases.push([`mutated frame ${i}`, bytes]);
    }
    for (let i = 0; i < 50; i++) {
      const size = Math.floor(random() * 200);
      cases.push([
        `random frame ${i}`,
        frame(Uint8Array.from({ length: size }, () => Math.floor(random() * 256))),
      ]);
    }
    let closedByBroker = 0;
    // Ten sockets at a time: each case gets its own connection.
    for (let i = 0; i < cases.length; i += 10) {
      await Promise.all(
        cases.slice(i, i + 10).map(async ([name, bytes]) => {
          const socket = await rawSocket(address);
          await socket.write(bytes).catch(() => {});
          const { closed } = await drain(socket, 400);
          socket.close();
          // A mutated request may still be valid and be answered (the socket stays open).
          if (closed) closedByBroker++;
          else {assert.ok(
              name.startsWith("mutated") || name.startsWith("random"),
              `${name}: not closed by the broker`,
            );}
        }),
      );
    }
    assert.ok(closedByBroker >= 8, `the broker closed ${closedByBroker} connections`);
    assert.ok(
      errors.some((l) => /KafkaProtocolError/.test(l)),
      "protocol errors are reported, typed",
    );
    assert.ok(
      errors.some((l) => /size 2147483647 is outside/.test(l)),
      "the huge frame was refused by its size",
    );

    // And the broker still serves a well-behaved client.
    const conn = await connectTo(address);
    const m = await conn.request(metadataApi, 12, { topics: [{ name: "t" }] });
    conn.close();
    assert.equal(m.topics[0]!.errorCode, 0);
    assert.equal(m.topics[0]!.partitions.length, 2);
  });

  test("a client that sends a frame's size and then stops is closed only by its own close, not served", async () => {
    await using broker = await startTestBroker();
    const socket = await rawSocket(broker.bootstrap[0]!);
    await socket.write(new Uint8Array([0, 0, 0, 100, 0, 18]));
    const first = await drain(socket, 200);
    assert.equal(first.closed, false, "the broker waits for the rest of the frame");
    assert.equal(first.bytes.length, 0);
    socket.close();
    const conn = await connectTo(broker.bootstrap[0]!);
    await conn.request(metadataApi, 12, { topics: [] });
    conn.close();
  });
});
