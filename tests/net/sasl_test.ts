import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaAuthenticationError, KafkaError } from "../../src/errors.ts";
import type { Api } from "../../src/protocol/api.ts";
import type { Connection } from "../../src/net/connection.ts";
import { authenticate, isAuthenticationError } from "../../src/net/sasl.ts";

const VERSIONS = new Map([[17, 1], [36, 2]]);
const dec = new TextDecoder();
const enc = new TextEncoder();

interface Sent {
  api: string;
  version: number;
  body: unknown;
}

/** A connection whose broker answers each request with the next scripted response. */
function scripted(responses: unknown[]): { connection: Connection; sent: Sent[] } {
  const sent: Sent[] = [];
  const connection = {
    request(api: Api<unknown, unknown>, version: number, body: unknown) {
      sent.push({ api: api.name, version, body });
      const next = responses.shift();
      return next === undefined
        ? Promise.reject(new Error("no more responses"))
        : Promise.resolve(next);
    },
  } as unknown as Connection;
  return { connection, sent };
}

const handshakeOk = { errorCode: 0, mechanisms: ["PLAIN", "SCRAM-SHA-256"] };
const authOk = (text = "") => ({
  errorCode: 0,
  errorMessage: null,
  authBytes: enc.encode(text),
  sessionLifetimeMs: 0n,
});

describe("authenticate()", () => {
  test("PLAIN: a handshake, then one token of NUL, user, NUL, password", async () => {
    const { connection, sent } = scripted([handshakeOk, authOk()]);
    await authenticate(connection, VERSIONS, {
      mechanism: "PLAIN",
      username: "alice",
      password: "s3cret",
    }, "127.0.0.1:9092");
    assert.deepEqual(sent.map((s) => [s.api, s.version]), [["SaslHandshake", 1], [
      "SaslAuthenticate",
      2,
    ]]);
    assert.deepEqual(sent[0]!.body, { mechanism: "PLAIN" });
    assert.equal(
      dec.decode((sent[1]!.body as { authBytes: Uint8Array }).authBytes),
      "\0alice\0s3cret",
    );
  });

  test("a mechanism the listener does not enable fails naming the ones it does", async () => {
    const { connection } = scripted([{ errorCode: 33, mechanisms: ["PLAIN"] }]);
    await assert.rejects(
      authenticate(connection, VERSIONS, {
        mechanism: "SCRAM-SHA-512",
        username: "alice",
        password: "x",
      }, "b:1"),
      (e: Error) => {
        assert.ok(isAuthenticationError(e));
        assert.equal(e.name, "UNSUPPORTED_SASL_MECHANISM");
        assert.match(
          e.message,
          /SASL SCRAM-SHA-512 as alice with broker at b:1: the listener enables PLAIN/,
        );
        return true;
      },
    );
  });

  test("bad credentials fail with the broker's own message", async () => {
    const { connection } = scripted([handshakeOk, {
      ...authOk(),
      errorCode: 58,
      errorMessage: "Authentication failed: Invalid username or password",
    }]);
    await assert.rejects(
      authenticate(
        connection,
        VERSIONS,
        { mechanism: "PLAIN", username: "alice", password: "x" },
        "b:1",
      ),
      (e: Error) =>
        e instanceof KafkaError && e.name === "SASL_AUTHENTICATION_FAILED" && !e.retriable &&
        /Invalid username or password/.test(e.message),
    );
  });

  test("SCRAM: a broker whose nonce does not extend ours is not trusted", async () => {
    const { connection, sent } = scripted([
      handshakeOk,
      authOk("r=not-our-nonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
    ]);
    await assert.rejects(
      authenticate(connection, VERSIONS, {
        mechanism: "SCRAM-SHA-256",
        username: "alice",
        password: "x",
      }, "b:1"),
      (e: Error) => e.name === "SASL_AUTHENTICATION_FAILED" && /nonce/.test(e.message),
    );
    const first = dec.decode((sent[1]!.body as { authBytes: Uint8Array }).authBytes);
    assert.match(first, /^n,,n=alice,r=[A-Za-z0-9+/]{32}$/);
  });

  test("a broker without SaslHandshake v1 (none, or v0 only) fails with ILLEGAL_SASL_STATE", async () => {
    for (const versions of [new Map<number, number>(), new Map([[17, 0], [36, 0]])]) {
      const { connection, sent } = scripted([]);
      await assert.rejects(
        authenticate(
          connection,
          versions,
          { mechanism: "PLAIN", username: "a", password: "b" },
          "b:1",
        ),
        (e: Error) =>
          e.name === "ILLEGAL_SASL_STATE" && /offers no SaslHandshake v1/.test(e.message),
      );
      assert.equal(sent.length, 0, "nothing sent");
    }
  });

  test("isAuthenticationError() is true only for the SASL error codes", () => {
    assert.ok(isAuthenticationError(new KafkaError(58)));
    assert.ok(isAuthenticationError(new KafkaError(33)));
    assert.ok(isAuthenticationError(new KafkaError(34)));
    assert.ok(!isAuthenticationError(new KafkaError(6)));
    assert.ok(!isAuthenticationError(new Error("SASL_AUTHENTICATION_FAILED")));
    assert.ok(isAuthenticationError(new KafkaAuthenticationError("x", { mechanism: "TLS" })));
  });

  test("authenticate() returns the session lifetime the broker grants (KIP-368)", async () => {
    const { connection } = scripted([handshakeOk, { ...authOk(), sessionLifetimeMs: 3600000n }]);
    const lifetime = await authenticate(connection, VERSIONS, {
      mechanism: "PLAIN",
      username: "a",
      password: "b",
    }, "b:1");
    assert.equal(lifetime, 3_600_000);
  });
});

describe("authenticate() with OAUTHBEARER", () => {
  const NOW = 1_700_000_000_000;
  const oauth = (
    token: () => Promise<
      { value: string; expiresAtMs?: number; extensions?: Record<string, string> }
    >,
  ) => ({
    mechanism: "OAUTHBEARER" as const,
    token,
  });

  test("sends RFC 7628's client first message with the provider's token and extensions", async () => {
    const { connection, sent } = scripted([handshakeOk, {
      ...authOk(),
      sessionLifetimeMs: 60000n,
    }]);
    const lifetime = await authenticate(
      connection,
      VERSIONS,
      oauth(() =>
        Promise.resolve({
          value: "a.b.",
          expiresAtMs: NOW + 1,
          extensions: { logicalCluster: "lkc-9" },
        })
      ),
      "b:1",
      () => NOW,
    );
    assert.equal(lifetime, 60_000);
    assert.deepEqual(sent[0]!.body, { mechanism: "OAUTHBEARER" });
    assert.equal(
      dec.decode((sent[1]!.body as { authBytes: Uint8Array }).authBytes),
      "n,,\x01auth=Bearer a.b.\x01logicalCluster=lkc-9\x01\x01",
    );
  });

  test("a refused token: reads the broker's error challenge, answers 0x01, fails with its status", async () => {
    const { connection, sent } = scripted([
      handshakeOk,
      authOk('{"status":"invalid_token"}'),
      {
        ...authOk(),
        errorCode: 58,
        errorMessage:
          "Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER",
      },
    ]);
    await assert.rejects(
      authenticate(
        connection,
        VERSIONS,
        oauth(() => Promise.resolve({ value: "bad.token." })),
        "b:1",
      ),
      (e: Error) => {
        assert.ok(e instanceof KafkaError && e.code === 58 && !e.retriable);
        assert.match(
          e.message,
          /SASL OAUTHBEARER with broker at b:1: the broker refused the token with invalid_token: Authentication failed/,
        );
        assert.ok(!e.message.includes("bad.token."));
        return true;
      },
    );
    assert.deepEqual([...(sent[2]!.body as { authBytes: Uint8Array }).authBytes], [1]);
  });

  test("a failing, empty or expired provider fails before anything is sent, without the token", async () => {
    const cases: [() => Promise<{ value: string; expiresAtMs?: number }>, RegExp][] = [
      [() => Promise.reject(new Error("idp down")), /as the token provider failed$/],
      [() => Promise.resolve({} as { value: string }), /returned no token value/],
      [
        () => Promise.resolve({ value: "old.secret.", expiresAtMs: NOW - 5000 }),
        /a token that expired 5000 ms ago/,
      ],
      [
        () => Promise.resolve({ value: "has spaces secret" }),
        /not a bearer token .* its length is 17/,
      ],
    ];
    for (const [token, pattern] of cases) {
      const { connection, sent } = scripted([handshakeOk]);
      await assert.rejects(
        authenticate(connection, VERSIONS, oauth(token), "b:1", () => NOW),
        (e: Error) => {
          assert.ok(e instanceof KafkaAuthenticationError, String(e));
          assert.equal(e.mechanism, "OAUTHBEARER");
          assert.equal(e.address, "b:1");
          assert.ok(!e.retriable);
          assert.match(
            e.message,
            /^Cannot authenticate with SASL OAUTHBEARER to broker at b:1 as /,
          );
          assert.match(e.message, pattern);
          assert.ok(!e.message.includes("secret"));
          return true;
        },
      );
      assert.equal(sent.length, 1, "only the handshake was sent");
    }
  });
});
