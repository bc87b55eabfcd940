// The test broker's SASL sessions on the wire, on an injected clock: OAUTHBEARER checked as
// Kafka's unsecured validator checks it (the RFC 7628 error challenge, then
// SASL_AUTHENTICATION_FAILED), session lifetimes as Kafka works them out, and KIP-368
// re-authentication in place with Kafka's rules.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaConnectionError } from "../../src/errors.ts";
import { base64url } from "../../src/net/base64url.ts";
import type { Connection } from "../../src/net/connection.ts";
import { unsecuredJwt, type UnsecuredJwtClaims } from "../../src/net/unsecured_jwt.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import {
  saslAuthenticateApi,
  type SaslAuthenticateResponse,
} from "../../src/protocol/sasl_authenticate.ts";
import { saslHandshakeApi } from "../../src/protocol/sasl_handshake.ts";
import {
  decodeOauthBearerServerError,
  encodeOauthBearerClientFirst,
} from "../../src/protocol/sasl_oauthbearer.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import type { TestSaslOptions } from "../../src/testing/test_broker_options.ts";
import { connectTo } from "./_client.ts";

const T = 1_700_000_000_000;
const S = T / 1000;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A broker on a clock the test moves. */
async function brokerAt(sasl: TestSaslOptions) {
  const clock = { now: T };
  const lines: string[] = [];
  const broker = await startTestBroker({
    topics: { t: 1 },
    sasl,
    now: () => clock.now,
    log: (l) => lines.push(l),
  });
  return { broker, clock, lines };
}

function handshake(conn: Connection, mechanism = "OAUTHBEARER"): Promise<number> {
  return conn.request(saslHandshakeApi, 1, { mechanism }).then((r) => r.errorCode);
}

function send(conn: Connection, bytes: Uint8Array, version = 2): Promise<SaslAuthenticateResponse> {
  return conn.request(saslAuthenticateApi, version, { authBytes: bytes });
}

function bearer(token: string, authzid?: string): Uint8Array {
  return encodeOauthBearerClientFirst(authzid === undefined ? { token } : { token, authzid });
}

const token = (claims: Record<string, unknown>): string =>
  unsecuredJwt({ sub: "alice", exp: S + 3600, ...claims } as UnsecuredJwtClaims);

/** Handshake and one token; the session's lifetime. */
async function login(conn: Connection, jwt: string, version = 2): Promise<bigint> {
  assert.equal(await handshake(conn), ErrorCode.NONE);
  const response = await send(conn, bearer(jwt), version);
  assert.equal(response.errorCode, ErrorCode.NONE, String(response.errorMessage));
  assert.equal(response.authBytes.length, 0);
  return response.sessionLifetimeMs;
}

/** Whether the broker still serves the connection. */
async function serves(conn: Connection): Promise<boolean> {
  try {
    await conn.request(metadataApi, 12, { topics: null });
    return true;
  } catch (error) {
    if (error instanceof KafkaConnectionError) return false;
    throw error;
  }
}

/** A JWT of any header, claims and signature. */
function rawJwt(header: unknown, claims: unknown, signature = ""): string {
  const part = (value: unknown): string =>
    base64url(enc.encode(typeof value === "string" ? value : JSON.stringify(value)));
  return `${part(header)}.${part(claims)}.${signature}`;
}

describe("test broker SASL sessions", () => {
  test("OAUTHBEARER takes an unsigned JWT; the session lasts min(token exp, sessionLifetimeMs)", async () => {
    const cases: [TestSaslOptions, string, number, bigint][] = [
      [{ sessionLifetimeMs: 60_000 }, token({ exp: S + 10 }), 2, 10_000n],
      [{ sessionLifetimeMs: 3_000 }, token({ exp: S + 10 }), 2, 3_000n],
      [{}, token({ exp: S + 10 }), 1, 10_000n],
      [{}, token({ iat: S - 5, exp: S + 2.5 }), 2, 2_500n],
      [{ sessionLifetimeMs: 3_000 }, token({ exp: S + 10 }), 0, 0n], // v0 has no field
    ];
    for (const [sasl, jwt, version, lifetime] of cases) {
      const { broker } = await brokerAt({ mechanisms: ["OAUTHBEARER"], ...sasl });
      await using _ = broker;
      const conn = await connectTo(broker.bootstrap[0]!);
      assert.equal(
        await login(conn, jwt, version),
        lifetime,
        `${JSON.stringify(sasl)} v${version}`,
      );
      assert.ok(await serves(conn));
      conn.close();
    }
  });

  test("a session ends on the next request past its lifetime, even for a v0 client; PLAIN without a limit never ends", async () => {
    const { broker, clock, lines } = await brokerAt({
      users: { alice: "secret" },
      sessionLifetimeMs: 3_000,
    });
    await using _ = broker;
    const conn = await connectTo(broker.bootstrap[0]!);
    assert.equal(await login(conn, token({ exp: S + 10 }), 0), 0n);
    clock.now = T + 3_000;
    assert.ok(await serves(conn), "still in its session");
    clock.now = T + 3_001;
    assert.equal(await serves(conn), false);
    await conn.closed;

    const { broker: plain, clock: plainClock } = await brokerAt({ users: { alice: "secret" } });
    await using __ = plain;
    const other = await connectTo(plain.bootstrap[0]!);
    assert.equal(await handshake(other, "PLAIN"), ErrorCode.NONE);
    const response = await send(other, enc.encode("\0alice\0secret"));
    assert.equal(response.errorCode, ErrorCode.NONE);
    assert.equal(response.sessionLifetimeMs, 0n);
    plainClock.now = T + 86_400_000;
    assert.ok(await serves(other));
    other.close();
    await broker.close();
    assert.match(lines.join("\n"), /its SASL session expired \(Metadata v12 came after it\)/);
  });

  const malformed: [string, string][] = [
    ["expired", token({ iat: S - 7200, exp: S - 3600 })],
    ["expiring now", token({ exp: S })],
    ["issued in the future", token({ iat: S + 60, exp: S + 3600 })],
    ["without sub", rawJwt({ alg: "none" }, { exp: S + 3600 })],
    ["with a blank sub", token({ sub: "  " })],
    ["without exp", rawJwt({ alg: "none" }, { sub: "alice" })],
    ["with a string exp", rawJwt({ alg: "none" }, { sub: "alice", exp: String(S + 3600) })],
    ["with a string iat", rawJwt({ alg: "none" }, { sub: "alice", iat: "now", exp: S + 3600 })],
    ["with a numeric scope", rawJwt({ alg: "none" }, { sub: "alice", exp: S + 3600, scope: 7 })],
    ["signed (RS256)", rawJwt({ alg: "RS256" }, { sub: "alice", exp: S + 3600 }, "c2lnbmVk")],
    [
      "unsigned but with a signature",
      rawJwt({ alg: "none" }, { sub: "alice", exp: S + 3600 }, "c2ln"),
    ],
    ["whose claims are not JSON", rawJwt({ alg: "none" }, "not json")],
    ["of one part", "bm90LWEtand0"],
  ];
  test("a refused token gets the invalid_token challenge, then SASL_AUTHENTICATION_FAILED, and the connection closes", async () => {
    const { broker, lines } = await brokerAt({ mechanisms: ["OAUTHBEARER"] });
    await using _ = broker;
    for (const [what, jwt] of malformed) {
      const conn = await connectTo(broker.bootstrap[0]!);
      assert.equal(await handshake(conn), ErrorCode.NONE);
      const challenge = await send(conn, bearer(jwt));
      assert.equal(challenge.errorCode, ErrorCode.NONE, what);
      assert.deepEqual(decodeOauthBearerServerError(challenge.authBytes), {
        status: "invalid_token",
      });
      const last = await send(conn, Uint8Array.of(0x01));
      assert.equal(last.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, what);
      assert.equal(last.errorMessage, '{"status":"invalid_token"}', what);
      await conn.closed;
    }
    await broker.close();
    assert.equal(lines.length, malformed.length);
    const log = lines.join("\n");
    assert.equal(
      lines.filter((l) => /SaslAuthenticate v2 ended it \(/.test(l)).length,
      lines.length,
    );
    assert.match(log, /it expired/);
    for (const [, jwt] of malformed) {
      for (const part of [jwt, ...jwt.split(".").filter((p) => p.length > 4)]) {
        assert.ok(!log.includes(part), `the log says ${part}`);
      }
    }
  });

  test("a client message that is not RFC 7628 fails at once with Kafka's message", async () => {
    const { broker } = await brokerAt({ mechanisms: ["OAUTHBEARER"] });
    await using _ = broker;
    for (
      const bytes of [
        enc.encode("n,,\x01auth=Basic YWxpY2U6c2VjcmV0\x01\x01"),
        enc.encode(token({})),
        Uint8Array.of(0xff, 0x01, 0x01),
        Uint8Array.of(0x01),
      ]
    ) {
      const conn = await connectTo(broker.bootstrap[0]!);
      assert.equal(await handshake(conn), ErrorCode.NONE);
      const response = await send(conn, bytes);
      assert.equal(response.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
      assert.equal(
        response.errorMessage,
        "Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER",
      );
      await conn.closed;
    }
  });

  test("an authorization id must be the token's sub", async () => {
    const { broker } = await brokerAt({ mechanisms: ["OAUTHBEARER"] });
    await using _ = broker;
    const ok = await connectTo(broker.bootstrap[0]!);
    assert.equal(await handshake(ok), ErrorCode.NONE);
    assert.equal((await send(ok, bearer(token({}), "alice"))).errorCode, ErrorCode.NONE);
    assert.ok(await serves(ok));
    ok.close();
    const bad = await connectTo(broker.bootstrap[0]!);
    assert.equal(await handshake(bad), ErrorCode.NONE);
    const response = await send(bad, bearer(token({}), "bob"));
    assert.equal(response.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.match(response.errorMessage!, /authorization id \(bob\) .* principal name \(alice\)/);
    await bad.closed;
  });

  test("requiredScope refuses with insufficient_scope; allowableClockSkewMs takes a token just expired", async () => {
    const { broker } = await brokerAt({
      mechanisms: ["OAUTHBEARER"],
      oauthBearer: { requiredScope: ["kafka", "write"], allowableClockSkewMs: 5_000 },
    });
    await using _ = broker;
    for (
      const claims of [
        { scope: "kafka write" },
        { scope: ["write", "kafka", "read"] },
        { scope: "kafka write", iat: S + 3 }, // issued 3 s ahead of the clock, within the skew
      ]
    ) {
      const conn = await connectTo(broker.bootstrap[0]!);
      await login(conn, token(claims));
      conn.close();
    }
    const conn = await connectTo(broker.bootstrap[0]!);
    assert.equal(await handshake(conn), ErrorCode.NONE);
    const challenge = await send(conn, bearer(token({ scope: "read kafka" })));
    assert.deepEqual(decodeOauthBearerServerError(challenge.authBytes), {
      status: "insufficient_scope",
      scope: "kafka write",
    });
    // After a challenge, a new first message is read as one (Kafka's server does too).
    const retried = await send(conn, bearer(token({ scope: "kafka write", exp: S - 2 })));
    assert.equal(retried.errorCode, ErrorCode.NONE);
    assert.equal(retried.authBytes.length, 0, "taken: 2 s past exp, within the 5 s skew");
    assert.equal(retried.sessionLifetimeMs, 0n, "its session is already over");
    assert.ok(await serves(conn), "at the very end of its session");
    conn.close();
    const inverted = await connectTo(broker.bootstrap[0]!);
    assert.equal(await handshake(inverted), ErrorCode.NONE);
    const late = await send(
      inverted,
      bearer(token({ scope: "kafka write", iat: S + 3, exp: S + 2 })),
    );
    assert.equal(dec.decode(late.authBytes), '{"status":"invalid_token"}', "exp not after iat");
    inverted.close();
  });

  test("a session is renewed in place: SaslHandshake and SaslAuthenticate again on the connection (KIP-368)", async () => {
    const { broker, clock, lines } = await brokerAt({
      mechanisms: ["OAUTHBEARER"],
      sessionLifetimeMs: 5_000,
    });
    await using _ = broker;
    const conn = await connectTo(broker.bootstrap[0]!);
    assert.equal(await login(conn, token({})), 5_000n);
    clock.now = T + 4_000;
    assert.equal(await login(conn, token({ iat: S + 4 })), 5_000n);
    clock.now = T + 9_000;
    assert.ok(await serves(conn), "past the first session, within the second");
    clock.now = T + 9_001;
    assert.equal(await serves(conn), false, "past the second");
    await broker.close();
    assert.match(lines.join("\n"), /SaslHandshake v1 x2, SaslAuthenticate v2 x2/);
  });

  test("re-authentication: once a second at most, after the session too, never for a session without end", async () => {
    const { broker, clock } = await brokerAt({
      users: { alice: "secret" },
      sessionLifetimeMs: 1_000,
    });
    await using _ = broker;
    const conn = await connectTo(broker.bootstrap[0]!);
    await login(conn, token({}));
    clock.now = T + 100; // the first may come at once
    await login(conn, token({}));
    clock.now = T + 600;
    assert.equal(await handshake(conn), ErrorCode.ILLEGAL_SASL_STATE, "500 ms after the last");
    assert.ok(await serves(conn), "the session goes on");
    clock.now = T + 1_300; // past the session (ended at T + 1100), but a second after the last
    await login(conn, token({}));
    assert.ok(await serves(conn));
    conn.close();

    const { broker: endless } = await brokerAt({ users: { alice: "secret" } });
    await using __ = endless;
    const plain = await connectTo(endless.bootstrap[0]!);
    assert.equal(await handshake(plain, "PLAIN"), ErrorCode.NONE);
    assert.equal((await send(plain, enc.encode("\0alice\0secret"))).errorCode, ErrorCode.NONE);
    assert.equal(await handshake(plain, "PLAIN"), ErrorCode.ILLEGAL_SASL_STATE);
    const again = await send(plain, enc.encode("\0alice\0secret"));
    assert.equal(again.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    assert.equal(
      again.errorMessage,
      "SaslAuthenticate request received after successful authentication",
    );
    assert.ok(await serves(plain), "neither closes the connection");
    plain.close();
  });

  test("re-authentication keeps the principal and the mechanism; a refused token ends the connection", async () => {
    const sasl: TestSaslOptions = {
      users: { alice: "secret" },
      mechanisms: ["PLAIN", "OAUTHBEARER"],
      sessionLifetimeMs: 60_000,
    };
    const { broker } = await brokerAt(sasl);
    await using _ = broker;

    const principal = await connectTo(broker.bootstrap[0]!);
    await login(principal, token({}));
    assert.equal(await handshake(principal), ErrorCode.NONE);
    const bob = await send(principal, bearer(token({ sub: "bob" })));
    assert.equal(bob.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(
      bob.errorMessage,
      "Cannot change principals during re-authentication from User.alice: User.bob",
    );
    await principal.closed;

    const mechanism = await connectTo(broker.bootstrap[0]!);
    await login(mechanism, token({}));
    assert.equal(await handshake(mechanism, "PLAIN"), ErrorCode.NONE);
    const plain = await send(mechanism, enc.encode("\0alice\0secret"));
    assert.equal(plain.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(
      plain.errorMessage,
      "SASL mechanism 'PLAIN' requested by client is not supported for re-authentication of mechanism 'OAUTHBEARER'",
    );
    await mechanism.closed;

    const expired = await connectTo(broker.bootstrap[0]!);
    await login(expired, token({}));
    assert.equal(await handshake(expired), ErrorCode.NONE);
    const challenge = await send(expired, bearer(token({ exp: S - 1 })));
    assert.equal(dec.decode(challenge.authBytes), '{"status":"invalid_token"}');
    const last = await send(expired, Uint8Array.of(0x01));
    assert.equal(last.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    await expired.closed;
  });

  test("startTestBroker() checks the SASL options", async () => {
    await assert.rejects(
      startTestBroker({ sasl: { sessionLifetimeMs: -1 } }),
      /RangeError: Cannot start test broker as sasl\.sessionLifetimeMs must be an integer >= 0: current value is -1/,
    );
    await assert.rejects(
      startTestBroker({ sasl: { oauthBearer: { allowableClockSkewMs: 0.5 } } }),
      RangeError,
    );
    await assert.rejects(
      startTestBroker({ sasl: { oauthBearer: { requiredScope: ["kafka write"] } } }),
      /TypeError: .*requiredScope must be scope tokens.*\["kafka write"\]/,
    );
    await assert.rejects(
      startTestBroker({ sasl: { mechanisms: ["GSSAPI" as "PLAIN"] } }),
      /must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER: current value is GSSAPI/,
    );
    await using broker = await startTestBroker({ sasl: {} });
    const conn = await connectTo(broker.bootstrap[0]!);
    const offered = await conn.request(saslHandshakeApi, 1, { mechanism: "OAUTHBEARER" });
    assert.deepEqual(offered.mechanisms, [
      "PLAIN",
      "SCRAM-SHA-256",
      "SCRAM-SHA-512",
      "OAUTHBEARER",
    ]);
    conn.close();
  });
});
