/**
 * Secrets never appear in what a producer says while it works: SASL runs against the
 * real cluster's secured listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, SCRAM over
 * TLS, OAUTHBEARER and PLAIN with sessions re-authenticated every 2.5 s), with wrong
 * passwords and an expired token too, log every line at debug and listen to every
 * event; every line, every event detail (errors included, with their causes) and
 * every error the calls reject with is searched for the passwords, the token and the
 * SASL bytes that carry them.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  createTopic,
  reauthBootstrapServers,
  reauthSessionMs,
  saslBootstrapServers,
  saslCredentials,
  saslTlsBootstrapServers,
  tlsCaFile,
  uniqueTopic,
} from "../kafka/cluster.ts";
import { createProducer, type ProducerOptions, type ProducerRecord } from "../../mod.ts";
import { base64url } from "../../src/net/base64url.ts";
import { unsecuredJwt } from "../../src/net/unsecured_jwt.ts";
import { Observed } from "../producer/_observed.ts";
import { kafkaReady } from "./kafka_setup.ts";

const WRONG_PASSWORD = "wrong-Zq8!pw-7731";
const now = Math.floor(Date.now() / 1000);
const TOKEN = unsecuredJwt({ sub: "alice", iat: now, exp: now + 3600 });
const EXPIRED_TOKEN = unsecuredJwt({ sub: "alice", iat: now - 7200, exp: now - 3600 });
const enc = new TextEncoder();
const SECRETS = [saslCredentials.password, WRONG_PASSWORD, TOKEN, EXPIRED_TOKEN];
// The SASL messages that carry them (PLAIN's and OAUTHBEARER's), as text and base64.
const SASL_BYTES = [
  `\0${saslCredentials.username}\0${saslCredentials.password}`,
  `\0${saslCredentials.username}\0${WRONG_PASSWORD}`,
  `auth=Bearer ${TOKEN}`,
  `auth=Bearer ${EXPIRED_TOKEN}`,
];
const FORBIDDEN = [
  ...SECRETS,
  ...SASL_BYTES,
  ...SASL_BYTES.map((s) => btoa(s)),
  ...SECRETS.map((s) => btoa(s)),
  ...SECRETS.map((s) => base64url(enc.encode(s))),
  TOKEN.split(".")[1]!, // the claims part on its own
];

/** Runs a producer over `options`, writing `count` records paced over `ms`. */
async function observe(
  options: Partial<ProducerOptions>,
  { count = 500, ms = 0, timeoutMs = 10_000 }: { count?: number; ms?: number; timeoutMs?: number } =
    {},
): Promise<Observed> {
  const observed = new Observed();
  const topic = uniqueTopic("secrets");
  await createTopic(topic, 3, 3);
  const producer = createProducer({
    topic,
    maxBlockMs: 2_000,
    logger: observed.logger,
    ...options,
  } as ProducerOptions);
  observed.listen(producer);
  let next = 0;
  const source = new ReadableStream<ProducerRecord>({
    async pull(controller) {
      if (next === count) return controller.close();
      controller.enqueue({ key: `k${next % 10}`, value: `v${next}` });
      next++;
      if (ms > 0 && next % 50 === 0) {
        await new Promise((resolve) => setTimeout(resolve, (ms * 50) / count));
      }
    },
  });
  await source.pipeTo(producer.writable).catch((error) => observed.add("pipe", error));
  // A record for a topic the cluster does not have fails after maxBlockMs: an error event.
  await producer.send({ topic: `${topic}-missing`, value: "x" }).catch((error) =>
    observed.add("send", error)
  );
  observed.add("metrics", producer.metrics());
  await producer.close({ timeoutMs }).catch((error) => observed.add("close", error));
  return observed;
}

function assertClean(observed: Observed, where: string): void {
  assert.ok(observed.texts.length > 0, `${where}: something was said`);
  const leak = observed.leak(FORBIDDEN);
  assert.equal(
    leak,
    undefined,
    `${where}: a secret (${JSON.stringify(leak?.secret.slice(0, 8))}...) in: ${
      leak?.text.slice(0, 300)
    }`,
  );
}

describe("no secret in logs, events or errors of SASL runs", () => {
  let available = false;
  before(async () => {
    available = await kafkaReady();
  });

  for (const mechanism of ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
    test(`${mechanism}: a run that delivers, and one with a wrong password`, {
      timeout: 120_000,
    }, async (t) => {
      if (!available) return t.skip("no Kafka cluster");
      const ok = await observe({
        bootstrap: saslBootstrapServers,
        sasl: { mechanism, ...saslCredentials },
      });
      assertClean(ok, `${mechanism}`);
      assert.ok((ok.count("connect")) >= 1, "connected");
      assert.ok((ok.count("metadata")) >= 1);
      assert.ok((ok.count("error")) >= 1, "the missing topic's record failed");
      assert.ok(ok.levels.has("info") && ok.levels.has("debug") && ok.levels.has("error"));
      const wrong = await observe({
        bootstrap: saslBootstrapServers,
        sasl: { mechanism, username: saslCredentials.username, password: WRONG_PASSWORD },
      });
      assertClean(wrong, `${mechanism} with a wrong password`);
      assert.ok(
        wrong.texts.some((t) => /SASL_AUTHENTICATION_FAILED|authentication/i.test(t)),
        "the failure says why",
      );
    });
  }

  test("SCRAM-SHA-512 over TLS", { timeout: 120_000 }, async (t) => {
    if (!available) return t.skip("no Kafka cluster");
    const observed = await observe({
      bootstrap: saslTlsBootstrapServers,
      tls: { caCerts: [readFileSync(tlsCaFile, "utf8")] },
      sasl: { mechanism: "SCRAM-SHA-512", ...saslCredentials },
    });
    assertClean(observed, "SASL_SSL");
    assert.ok((observed.count("connect")) >= 1);
  });

  test("OAUTHBEARER and PLAIN re-authenticated in place, and an expired token", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("no Kafka cluster");
    // Long enough for sessions of reauthSessionMs to be renewed a few times.
    const pace = { count: 2_000, ms: 3 * reauthSessionMs };
    const oauth = await observe({
      bootstrap: reauthBootstrapServers,
      sasl: { mechanism: "OAUTHBEARER", token: () => Promise.resolve({ value: TOKEN }) },
    }, pace);
    assertClean(oauth, "OAUTHBEARER");
    assert.ok((oauth.count("connect")) >= 1);
    const plain = await observe({
      bootstrap: reauthBootstrapServers,
      sasl: { mechanism: "PLAIN", ...saslCredentials },
    }, pace);
    assertClean(plain, "PLAIN, re-authenticated");
    const expired = await observe({
      bootstrap: reauthBootstrapServers,
      sasl: { mechanism: "OAUTHBEARER", token: () => Promise.resolve({ value: EXPIRED_TOKEN }) },
    });
    assertClean(expired, "an expired OAUTHBEARER token");
    assert.ok(expired.texts.some((t) => /SASL_AUTHENTICATION_FAILED|invalid_token/i.test(t)));
  });
});
