import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { produceApi } from "../../src/protocol/produce.ts";
import { KafkaUnsupportedVersionError } from "../../src/errors.ts";
import {
  assertVersion,
  brokerRange,
  negotiateVersion,
  requireVersion,
} from "../../src/protocol/versions.ts";

const broker = { nodeId: 1, host: "kafka-1.internal", port: 9092 };

describe("negotiateVersion()", () => {
  test("negotiateVersion() picks the highest version both sides speak", () => {
    // Kafka 4.x lists Produce from v0 (KAFKA-18659) though it rejects v0-v2.
    assert.equal(negotiateVersion(produceApi, [{ apiKey: 0, minVersion: 0, maxVersion: 13 }]), 13);
    // Kafka 3.9: Produce v0-v11, Metadata v0-v12.
    const kafka39 = [
      { apiKey: 0, minVersion: 0, maxVersion: 11 },
      { apiKey: 3, minVersion: 0, maxVersion: 12 },
    ];
    assert.equal(negotiateVersion(produceApi, kafka39), 11);
    assert.equal(negotiateVersion(metadataApi, kafka39), 12);
    // A future broker beyond this client.
    assert.equal(negotiateVersion(produceApi, [{ apiKey: 0, minVersion: 3, maxVersion: 99 }]), 13);
    // Exactly one common version.
    assert.equal(negotiateVersion(produceApi, [{ apiKey: 0, minVersion: 0, maxVersion: 3 }]), 3);
  });

  test("negotiateVersion() returns null without overlap or when the API is not listed", () => {
    assert.equal(negotiateVersion(produceApi, [{ apiKey: 0, minVersion: 0, maxVersion: 2 }]), null);
    assert.equal(
      negotiateVersion(produceApi, [{ apiKey: 0, minVersion: 14, maxVersion: 20 }]),
      null,
    );
    assert.equal(
      negotiateVersion(produceApi, [{ apiKey: 3, minVersion: 0, maxVersion: 13 }]),
      null,
    );
    assert.equal(negotiateVersion(produceApi, []), null);
  });

  test("brokerRange() finds an API's range", () => {
    const ranges = [{ apiKey: 3, minVersion: 0, maxVersion: 13 }];
    assert.deepEqual(brokerRange(3, ranges), ranges[0]);
    assert.equal(brokerRange(0, ranges), undefined);
  });
});

describe("requireVersion()", () => {
  test("requireVersion() returns the negotiated version", () => {
    assert.equal(
      requireVersion(produceApi, [{ apiKey: 0, minVersion: 3, maxVersion: 9 }], broker),
      9,
    );
  });

  test("requireVersion() refuses a broker without Produce v3 (record batch v2)", () => {
    assert.throws(
      () => requireVersion(produceApi, [{ apiKey: 0, minVersion: 0, maxVersion: 2 }], broker),
      (error: unknown) => {
        assert.ok(error instanceof KafkaUnsupportedVersionError);
        assert.equal(
          error.message,
          "Cannot produce to broker 1 at kafka-1.internal:9092 as it does not support Produce v3 or later (record batch v2): it supports v0-v2",
        );
        assert.equal(error.name, "KafkaUnsupportedVersionError");
        assert.equal(error.apiKey, 0);
        assert.equal(error.apiName, "Produce");
        assert.equal(error.brokerMinVersion, 0);
        assert.equal(error.brokerMaxVersion, 2);
        assert.equal(error.clientMinVersion, 3);
        assert.equal(error.clientMaxVersion, 13);
        assert.equal(error.nodeId, 1);
        assert.equal(error.host, "kafka-1.internal");
        assert.equal(error.port, 9092);
        return true;
      },
    );
  });

  test("requireVersion() names a broker that does not list the API, and bootstrap addresses", () => {
    assert.throws(
      () => requireVersion(produceApi, [], { host: "::1", port: 9092 }),
      {
        name: "KafkaUnsupportedVersionError",
        message:
          "Cannot produce to broker at [::1]:9092 as it does not support Produce v3 or later (record batch v2): it does not list Produce at all",
      },
    );
  });

  test("requireVersion() words other APIs with both ranges", () => {
    assert.throws(
      () => requireVersion(metadataApi, [{ apiKey: 3, minVersion: 0, maxVersion: 0 }], broker),
      {
        message:
          "Cannot send Metadata to broker 1 at kafka-1.internal:9092 as it supports none of v1-v13: it supports v0-v0",
      },
    );
  });
});

describe("assertVersion()", () => {
  test("assertVersion() accepts the descriptor's range and nothing else", () => {
    for (let v = 3; v <= 13; v++) assertVersion(produceApi, v, "encode");
    for (const v of [2, 14, 3.5, Number.NaN, -1]) {
      assert.throws(() => assertVersion(produceApi, v, "encode"), RangeError, String(v));
    }
    assert.throws(() => assertVersion(produceApi, 2, "encode"), {
      message: "Cannot encode Produce v2 as this client speaks v3-v13",
    });
  });
});
