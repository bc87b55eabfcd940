// SASL OAUTHBEARER on the test broker, judged by the package's producer on the real clock:
// unsigned JWTs are taken, refused tokens fail at once naming SASL_AUTHENTICATION_FAILED and
// never the token, and a short session is renewed in place, again and again, on the same
// connections while records stream, with none lost.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createProducer, KafkaError, type OauthBearerToken } from "../../mod.ts";
import { base64url } from "../../src/net/base64url.ts";
import { defaultListen } from "../../src/net/default_listen.ts";
import type { ListenFunction } from "../../src/net/listener.ts";
import { unsecuredJwt } from "../../src/net/unsecured_jwt.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

/** A JWT of any header, claims and signature, for tokens the broker must refuse. */
function jwt(header: unknown, claims: unknown, signature = ""): string {
  const part = (value: unknown): string => base64url(enc.encode(JSON.stringify(value)));
  return `${part(header)}.${part(claims)}.${signature}`;
}

/** A token provider for a fixed token, without expiresAtMs: only the broker judges it. */
function fixed(value: string): () => Promise<OauthBearerToken> {
  return () => Promise.resolve({ value });
}

/** A listen function that counts the connections the broker accepts. */
function countingListen(): { listen: ListenFunction; readonly accepted: number } {
  let accepted = 0;
  return {
    listen: (options, onAccept) =>
      defaultListen(options, (a) => {
        accepted++;
        onAccept(a);
      }),
    get accepted() {
      return accepted;
    },
  };
}

/** Everything an error says, its causes included. */
function said(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, i = 0; e instanceof Error && i < 8; e = e.cause, i++) {
    parts.push(e.name, e.message, e.stack ?? "");
  }
  return parts.join("\n");
}

/** The KafkaError in an error or its causes. */
function kafkaErrorIn(error: unknown): KafkaError {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 8; e = e.cause, i++) {
    if (e instanceof KafkaError) return e;
  }
  assert.fail(`no KafkaError in ${String(error)}`);
}

const nowS = (): number => Math.floor(Date.now() / 1000);

describe("test broker OAUTHBEARER", () => {
  test("the producer authenticates with an unsigned JWT and its records are stored", async () => {
    const lines: string[] = [];
    await using broker = await startTestBroker({
      topics: { t: 2 },
      sasl: { mechanisms: ["OAUTHBEARER"] },
      log: (l) => lines.push(l),
    });
    let tokens = 0;
    await using producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "t",
      sasl: {
        mechanism: "OAUTHBEARER",
        token: () => {
          tokens++;
          const now = nowS();
          return Promise.resolve({
            value: unsecuredJwt({ sub: "alice", iat: now, exp: now + 3600 }),
            expiresAtMs: (now + 3600) * 1000,
          });
        },
      },
    });
    await producer.send([{ key: "a", value: "1" }, { key: "b", value: "2" }, { value: "3" }]);
    await producer.close();
    await broker.close();
    assert.deepEqual(broker.records("t").map((r) => dec.decode(r.value!)).sort(), ["1", "2", "3"]);
    assert.ok(lines.length > 0 && lines.every((l) => l.includes("(user alice)")), lines.join("\n"));
    const handshakes = lines.reduce(
      (n, l) => n + Number(/SaslHandshake v1 x(\d+)/.exec(l)?.[1] ?? 0),
      0,
    );
    assert.equal(tokens, handshakes, "a token per authentication");
  });

  const now = nowS();
  const refused: [string, string][] = [
    ["expired an hour ago", unsecuredJwt({ sub: "alice", iat: now - 7200, exp: now - 3600 })],
    ["without exp", jwt({ alg: "none" }, { sub: "alice", iat: now })],
    ["without sub", jwt({ alg: "none" }, { exp: now + 3600 })],
    [
      "signed (HS256)",
      jwt({ alg: "HS256", typ: "JWT" }, { sub: "alice", exp: now + 3600 }, "c2lnbmF0dXJl"),
    ],
    ["not a JWT", "bm90LWEtand0"],
  ];
  for (const [what, token] of refused) {
    test(`a token ${what} fails at once with SASL_AUTHENTICATION_FAILED, never saying the token`, async () => {
      const lines: string[] = [];
      await using broker = await startTestBroker({
        topics: { t: 1 },
        sasl: { mechanisms: ["OAUTHBEARER"] },
        log: (l) => lines.push(l),
      });
      await using producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "t",
        maxBlockMs: 20_000,
        sasl: { mechanism: "OAUTHBEARER", token: fixed(token) },
      });
      const started = Date.now();
      await assert.rejects(producer.send({ value: "x" }), (error: Error) => {
        const kafka = kafkaErrorIn(error);
        assert.equal(kafka.code, 58);
        assert.equal(kafka.name, "SASL_AUTHENTICATION_FAILED");
        assert.match(kafka.message, /the broker refused the token with invalid_token/);
        for (const part of [token, ...token.split(".").filter((p) => p.length > 4)]) {
          assert.ok(!said(error).includes(part), `the error says ${part}: ${said(error)}`);
        }
        return true;
      });
      assert.ok(Date.now() - started < 10_000, "failed without waiting for maxBlockMs");
      await producer.close();
      await broker.close();
      assert.equal(broker.records("t").length, 0);
      const log = lines.join("\n");
      assert.match(log, /SaslAuthenticate v\d ended it \(/, "the log says why");
      for (const part of [token, ...token.split(".").filter((p) => p.length > 4)]) {
        assert.ok(!log.includes(part), `the log says ${part}: ${log}`);
      }
    });
  }

  const sessions = [
    { bound: "sessionLifetimeMs", sessionLifetimeMs: 2500, tokenSeconds: 3600 },
    { bound: "the token's exp", sessionLifetimeMs: 0, tokenSeconds: 2.5 },
  ];
  for (const { bound, sessionLifetimeMs, tokenSeconds } of sessions) {
    test(
      `a session ended by ${bound} is renewed in place several times while records stream: none lost, no connection reopened`,
      {
        timeout: 60_000,
      },
      async () => {
        const wire = countingListen();
        const lines: string[] = [];
        await using broker = await startTestBroker({
          topics: { t: 3 },
          sasl: { mechanisms: ["OAUTHBEARER"], sessionLifetimeMs },
          listen: wire.listen,
          log: (l) => lines.push(l),
        });
        let tokens = 0;
        await using producer = createProducer({
          bootstrap: broker.bootstrap,
          topic: "t",
          lingerMs: 5,
          sasl: {
            mechanism: "OAUTHBEARER",
            token: () => {
              tokens++;
              // A fractional exp (RFC 7519 NumericDate) makes a session of exactly tokenSeconds.
              const now = Date.now() / 1000;
              return Promise.resolve({
                value: unsecuredJwt({
                  sub: "alice",
                  iat: Math.floor(now),
                  exp: now + tokenSeconds,
                }),
              });
            },
          },
        });
        await producer.send({ key: "k-0", value: "0" });
        const connections = wire.accepted;
        // 5.5 s of records, 10 every 20 ms: past three renewals (1.5 s apart) of a 2.5 s session.
        const until = Date.now() + 5_500;
        let next = 1;
        await new ReadableStream({
          async pull(controller) {
            if (Date.now() >= until) return controller.close();
            await new Promise((resolve) => setTimeout(resolve, 20));
            for (const end = next + 10; next < end; next++) {
              controller.enqueue({ key: `k-${next % 7}`, value: String(next) });
            }
          },
        }).pipeTo(producer.writable);
        assert.equal(wire.accepted, connections, "no connection opened after the first record");
        await producer.close();
        await broker.close();
        const stored = broker.records("t");
        const values = stored.map((r) => Number(dec.decode(r.value!)));
        assert.equal(values.length, next, "every record stored once");
        for (let i = 1; i < stored.length; i++) {
          if (stored[i]!.partition === stored[i - 1]!.partition) {
            assert.ok(values[i]! > values[i - 1]!, "in write order within a partition");
          }
        }
        assert.deepEqual([...new Set(values)].sort((a, b) => a - b), [...Array(next).keys()]);
        const log = lines.join("\n");
        assert.equal(lines.length, connections, log);
        assert.doesNotMatch(
          log,
          /expired|ended it/,
          "no session ran out, no authentication failed",
        );
        const handshakes = lines.map((l) => Number(/SaslHandshake v1 x(\d+)/.exec(l)?.[1] ?? 0));
        assert.equal(tokens, handshakes.reduce((a, b) => a + b, 0), "a token per authentication");
        assert.ok(Math.max(...handshakes) >= 4, `three re-authentications or more: ${log}`);
      },
    );
  }
});
