import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { saslAuthenticateApi } from "../../src/protocol/sasl_authenticate.ts";
import { saslHandshakeApi } from "../../src/protocol/sasl_handshake.ts";
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

describe("saslHandshakeApi", () => {
  test("saslHandshakeApi describes SaslHandshake v0-v1, never flexible", () => {
    assert.equal(saslHandshakeApi.key, 17);
    assert.equal(saslHandshakeApi.minVersion, 0);
    assert.equal(saslHandshakeApi.maxVersion, 1);
    assert.equal(saslHandshakeApi.flexibleFrom, Infinity);
  });

  test("encode() writes v1 field by field, as Kafka's own SaslHandshakeRequestData", () => {
    const bytes = encode(saslHandshakeApi, 1, { mechanism: "SCRAM-SHA-256" });
    assert.deepEqual([...bytes], fields([0x00, 0x0d, ...utf8("SCRAM-SHA-256")]));
    assert.equal(toHex(bytes), kafkaFixtures["SaslHandshake.request.v1"]);
  });

  test("encode() writes v0 as v1 (only what follows differs) and refuses v2", () => {
    assert.deepEqual(
      encode(saslHandshakeApi, 0, { mechanism: "PLAIN" }),
      encode(saslHandshakeApi, 1, { mechanism: "PLAIN" }),
    );
    assert.throws(() => encode(saslHandshakeApi, 2, { mechanism: "PLAIN" }), RangeError);
  });

  test("decode() reads Kafka's own SaslHandshakeResponseData", () => {
    const bytes = fromHex(kafkaFixtures["SaslHandshake.response.v1"]!);
    assert.deepEqual(decode(saslHandshakeApi, 1, bytes), {
      errorCode: 33,
      mechanisms: ["PLAIN", "SCRAM-SHA-512"],
    });
    assertRobust(saslHandshakeApi, 1, bytes);
  });
});

describe("saslAuthenticateApi", () => {
  const token = Uint8Array.of(1, 2, 3, 4, 5);

  test("saslAuthenticateApi describes SaslAuthenticate v0-v2, flexible from v2", () => {
    assert.equal(saslAuthenticateApi.key, 36);
    assert.equal(saslAuthenticateApi.minVersion, 0);
    assert.equal(saslAuthenticateApi.maxVersion, 2);
    assert.equal(saslAuthenticateApi.flexibleFrom, 2);
  });

  test("encode() writes v0 and v2 field by field", () => {
    assert.deepEqual(
      [...encode(saslAuthenticateApi, 0, { authBytes: token })],
      fields([0x00, 0x00, 0x00, 0x05, 1, 2, 3, 4, 5]), // AuthBytes: int32 length 5
    );
    assert.deepEqual(
      [...encode(saslAuthenticateApi, 2, { authBytes: token })],
      fields([0x06, 1, 2, 3, 4, 5], [0x00]), // AuthBytes: compact, 5 + 1; tagged fields
    );
  });

  test("encode() matches Kafka's own SaslAuthenticateRequestData at every version", () => {
    for (let v = 0; v <= 2; v++) {
      assert.equal(
        toHex(encode(saslAuthenticateApi, v, { authBytes: token })),
        kafkaFixtures[`SaslAuthenticate.request.v${v}`],
      );
    }
  });

  test("decode() reads Kafka's own SaslAuthenticateResponseData at every version", () => {
    for (let v = 0; v <= 2; v++) {
      const bytes = fromHex(kafkaFixtures[`SaslAuthenticate.response.v${v}`]!);
      assert.deepEqual(decode(saslAuthenticateApi, v, bytes), {
        errorCode: 58,
        errorMessage: "bad password",
        authBytes: Uint8Array.of(9, 10, 11),
        sessionLifetimeMs: v >= 1 ? 3600000n : 0n,
      }, `v${v}`);
      assertRobust(saslAuthenticateApi, v, bytes);
    }
  });

  test("decode() reads a null message and skips unknown tagged fields at v2", () => {
    const bytes = write((w) => {
      w.int16(0).compactString(null).compactBytes(Uint8Array.of(7)).int64(0n);
      unknownTags(w);
    });
    assert.deepEqual(decode(saslAuthenticateApi, 2, bytes), {
      errorCode: 0,
      errorMessage: null,
      authBytes: Uint8Array.of(7),
      sessionLifetimeMs: 0n,
    });
  });
});
