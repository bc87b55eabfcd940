import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeOauthBearerClientFirst,
  decodeOauthBearerServerError,
  encodeOauthBearerClientFirst,
  encodeOauthBearerServerError,
  oauthBearerErrorReply,
} from "../../src/protocol/sasl_oauthbearer.ts";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test("encodeOauthBearerClientFirst() writes RFC 7628's GS2 header, auth and extensions", () => {
  assert.equal(
    text(encodeOauthBearerClientFirst({ token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0." })),
    "n,,\x01auth=Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.\x01\x01",
  );
  assert.equal(
    text(encodeOauthBearerClientFirst({
      token: "abc",
      authzid: "user=a,b",
      extensions: { logicalCluster: "lkc-1", identityPoolId: "pool-2" },
    })),
    "n,a=user=3Da=2Cb,\x01auth=Bearer abc\x01logicalCluster=lkc-1\x01identityPoolId=pool-2\x01\x01",
  );
  // RFC 7628 section 4.1's example, without its host and port pairs.
  assert.equal(
    text(
      encodeOauthBearerClientFirst({
        token: "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
        authzid: "user@example.com",
      }),
    ),
    "n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01",
  );
});

test("encodeOauthBearerClientFirst() refuses bad tokens and extensions without quoting the token", () => {
  const secret = "not a token";
  assert.throws(() => encodeOauthBearerClientFirst({ token: secret }), (e: Error) => {
    assert.ok(e instanceof TypeError);
    assert.ok(!e.message.includes(secret));
    assert.match(e.message, /its length is 11/);
    return true;
  });
  assert.throws(() => encodeOauthBearerClientFirst({ token: "" }), TypeError);
  assert.throws(
    () => encodeOauthBearerClientFirst({ token: "t", extensions: { auth: "x" } }),
    /extension keys must be letters and not "auth"/,
  );
  assert.throws(
    () => encodeOauthBearerClientFirst({ token: "t", extensions: { "bad-key": "x" } }),
    /current value is "bad-key"/,
  );
  assert.throws(
    () => encodeOauthBearerClientFirst({ token: "t", extensions: { k: "\x01" } }),
    /value of extension k must be printable ASCII/,
  );
});

test("decodeOauthBearerClientFirst() reads back what the encoder writes", () => {
  const message = { token: "a.b.c", authzid: "u,=v", extensions: { traceId: "1 2\t3" } };
  assert.deepEqual(decodeOauthBearerClientFirst(encodeOauthBearerClientFirst(message)), message);
  assert.deepEqual(decodeOauthBearerClientFirst(encodeOauthBearerClientFirst({ token: "t" })), {
    token: "t",
  });
});

test("decodeOauthBearerClientFirst() refuses malformed messages with a protocol error", () => {
  for (
    const bad of [
      "",
      "n,,\x01auth=Bearer t\x01",
      "y,,\x01auth=Bearer t\x01\x01",
      "n,,\x01\x01",
      "n,,\x01auth=Basic t\x01\x01",
      "n,,\x01auth=Bearer t\x01auth=Bearer u\x01\x01",
      "n,,\x01auth=Bearer t\x011=2\x01\x01",
      "n,,\x01auth=Bearer t\x01k=1\x01k=2\x01\x01",
      "n,,\x01noequals\x01\x01",
    ]
  ) {
    assert.throws(() => decodeOauthBearerClientFirst(bytes(bad)), (e: Error) => {
      assert.equal(e.name, "KafkaProtocolError", JSON.stringify(bad));
      return true;
    });
  }
  assert.throws(() => decodeOauthBearerClientFirst(Uint8Array.of(0xff, 0xfe)), /not UTF-8/);
});

test("the server error challenge round-trips, and the client's reply is a lone 0x01", () => {
  const error = {
    status: "invalid_token",
    scope: "kafka",
    openidConfiguration: "https://idp/.well-known",
  };
  assert.equal(
    text(encodeOauthBearerServerError(error)),
    '{"status":"invalid_token","scope":"kafka","openid-configuration":"https://idp/.well-known"}',
  );
  assert.deepEqual(decodeOauthBearerServerError(encodeOauthBearerServerError(error)), error);
  assert.deepEqual(decodeOauthBearerServerError(bytes('{"status":"invalid_token"}')), {
    status: "invalid_token",
  });
  assert.throws(() => decodeOauthBearerServerError(bytes("nope")), /not JSON with a status/);
  assert.throws(
    () => decodeOauthBearerServerError(bytes('{"scope":"x"}')),
    /not JSON with a status/,
  );
  assert.deepEqual([...oauthBearerErrorReply()], [1]);
});
