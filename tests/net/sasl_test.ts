import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaError } from "../../src/errors.ts";
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

  test("a broker without SaslHandshake v1 fails with ILLEGAL_SASL_STATE", async () => {
    const { connection } = scripted([]);
    await assert.rejects(
      authenticate(
        connection,
        new Map(),
        { mechanism: "PLAIN", username: "a", password: "b" },
        "b:1",
      ),
      (e: Error) => e.name === "ILLEGAL_SASL_STATE" && /offers no SaslHandshake v1/.test(e.message),
    );
  });

  test("isAuthenticationError() is true only for the SASL error codes", () => {
    assert.ok(isAuthenticationError(new KafkaError(58)));
    assert.ok(isAuthenticationError(new KafkaError(33)));
    assert.ok(isAuthenticationError(new KafkaError(34)));
    assert.ok(!isAuthenticationError(new KafkaError(6)));
    assert.ok(!isAuthenticationError(new Error("SASL_AUTHENTICATION_FAILED")));
  });
});
