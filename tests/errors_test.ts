import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as kafka from "../mod.ts";
import * as protocol from "../src/protocol.ts";
import { KafkaError, KafkaUnsupportedVersionError, TopicNotFoundError } from "../src/errors.ts";
import { ErrorCode } from "../src/protocol/error_codes.ts";
import { metadataApi } from "../src/protocol/metadata.ts";
import { produceApi } from "../src/protocol/produce.ts";

describe("public error classes", () => {
  test("KafkaUnsupportedVersionError is one class, exported from mod.ts and ./protocol", () => {
    assert.equal(kafka.KafkaUnsupportedVersionError, KafkaUnsupportedVersionError);
    assert.equal(protocol.KafkaUnsupportedVersionError, KafkaUnsupportedVersionError);
  });

  test("every error class mod.ts exports comes from src/errors.ts", async () => {
    const errors: Record<string, unknown> = await import("../src/errors.ts");
    const fromMod = Object.entries(kafka).filter(([, value]) =>
      typeof value === "function" && value.prototype instanceof Error
    );
    assert.ok(fromMod.length >= 10);
    for (const [name, value] of fromMod) assert.equal(value, errors[name], name);
  });
});

describe("KafkaUnsupportedVersionError", () => {
  test("KafkaUnsupportedVersionError says the broker lacks Produce v3 and keeps both ranges", () => {
    const error = new KafkaUnsupportedVersionError({
      api: produceApi,
      brokerRange: { apiKey: 0, minVersion: 0, maxVersion: 2 },
      broker: { nodeId: 1, host: "localhost", port: 9092 },
    });
    assert.equal(error.name, "KafkaUnsupportedVersionError");
    assert.equal(
      error.message,
      "Cannot produce to broker 1 at localhost:9092 as it does not support Produce v3 or later (record batch v2): it supports v0-v2",
    );
    assert.deepEqual(
      [error.apiKey, error.brokerMinVersion, error.brokerMaxVersion, error.clientMinVersion],
      [0, 0, 2, 3],
    );
    assert.equal(error.nodeId, 1);
  });

  test("KafkaUnsupportedVersionError names an API the broker does not list, and an IPv6 bootstrap address", () => {
    const cause = new Error("inner");
    const error = new KafkaUnsupportedVersionError({
      api: metadataApi,
      brokerRange: undefined,
      broker: { nodeId: -1, host: "::1", port: 9092 },
      cause,
    });
    assert.match(
      error.message,
      /^Cannot send Metadata to broker at \[::1\]:9092 as it supports none of v\d+-v\d+: it does not list Metadata at all$/,
    );
    assert.equal(error.nodeId, undefined);
    assert.equal(error.brokerMinVersion, undefined);
    assert.equal(error.cause, cause);
  });
});

describe("TopicNotFoundError", () => {
  test("TopicNotFoundError carries UNKNOWN_TOPIC_OR_PARTITION unless told the broker's code", () => {
    const missing = new TopicNotFoundError("events", 60000);
    assert.ok(missing instanceof KafkaError);
    assert.equal(missing.code, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(missing.name, "UNKNOWN_TOPIC_OR_PARTITION");
    assert.equal(missing.retriable, true);
    const invalid = new TopicNotFoundError("bad topic", 10, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(invalid.name, "INVALID_TOPIC_EXCEPTION");
    assert.match(invalid.message, /not present in metadata after 10 ms/);
  });
});

describe("KafkaError", () => {
  test("KafkaError knows the codes of the newest Kafka by name", () => {
    const error = new KafkaError(ErrorCode.SHARE_SESSION_LIMIT_REACHED);
    assert.equal(error.name, "SHARE_SESSION_LIMIT_REACHED");
    assert.equal(error.retriable, true);
    assert.equal(error.message, "Kafka broker returned SHARE_SESSION_LIMIT_REACHED (code 133)");
  });
});
