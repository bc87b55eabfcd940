// TLS and SASL on the test broker, judged by the package's producer: each mechanism
// authenticates, bad credentials fail at once and name no secret, requests before
// authentication close the connection, and an expired session is renewed by reconnecting.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createProducer, KafkaError } from "../../mod.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { KafkaConnectionError } from "../../src/errors.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import { testCert, testKey } from "../fixtures/test_broker_tls.ts";
import { connectTo } from "./_client.ts";

const users = { alice: "alice-secret", "b,ob=": "pa=ss,word" };

describe("test broker security", () => {
  for (const mechanism of ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
    test(`SASL ${mechanism}: the producer authenticates and its records are stored`, async () => {
      await using broker = await startTestBroker({ topics: { t: 1 }, sasl: { users } });
      for (const [username, password] of Object.entries(users)) {
        await using producer = createProducer({
          bootstrap: broker.bootstrap,
          topic: "t",
          sasl: { mechanism, username, password },
        });
        await producer.send({ value: username });
      }
      assert.equal(broker.records("t").length, 2);
    });

    test(`SASL ${mechanism}: a wrong password fails at once with SASL_AUTHENTICATION_FAILED, no secret in the message`, async () => {
      const lines: string[] = [];
      await using broker = await startTestBroker({
        topics: { t: 1 },
        sasl: { users },
        log: (l) => lines.push(l),
      });
      await using producer = createProducer({
        bootstrap: broker.bootstrap,
        topic: "t",
        maxBlockMs: 20_000,
        sasl: { mechanism, username: "alice", password: "wrong-secret" },
      });
      const started = Date.now();
      await assert.rejects(producer.send({ value: "x" }), (error: Error) => {
        const kafka = error instanceof KafkaError ? error : (error.cause as Error);
        assert.ok(kafka instanceof KafkaError, String(error));
        assert.equal(kafka.code, 58, "SASL_AUTHENTICATION_FAILED");
        assert.doesNotMatch(String(error) + String(error.cause), /wrong-secret|alice-secret/);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, "not after maxBlockMs");
      assert.equal(broker.records("t").length, 0);
      assert.doesNotMatch(lines.join("\n"), /secret/);
    });
  }

  test("a SASL broker closes a connection that sends other requests before authenticating", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 }, sasl: { users } });
    const conn = await connectTo(broker.bootstrap[0]!);
    await assert.rejects(conn.request(metadataApi, 12, { topics: null }), KafkaConnectionError);
    await conn.closed;
  });

  test("a SASL session past its lifetime is closed on its next request; the producer reconnects", async () => {
    await using broker = await startTestBroker({
      topics: { t: 1 },
      sasl: { users, mechanisms: ["SCRAM-SHA-256"], sessionLifetimeMs: 300 },
    });
    await using producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "t",
      retryBackoffMs: 20,
      sasl: { mechanism: "SCRAM-SHA-256", username: "alice", password: "alice-secret" },
    });
    await producer.send({ value: "first" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await producer.send({ value: "second" });
    assert.deepEqual(broker.records("t").map((r) => new TextDecoder().decode(r.value!)), [
      "first",
      "second",
    ]);
  });

  test("TLS: the producer trusts the broker's certificate and produces; SASL over TLS too", async () => {
    await using broker = await startTestBroker({
      brokers: 2,
      topics: { t: 2 },
      tls: { cert: testCert, key: testKey },
      sasl: { users, mechanisms: ["SCRAM-SHA-512"] },
    });
    await using producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "t",
      tls: { caCerts: [testCert] },
      sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: "alice-secret" },
    });
    await producer.send([{ key: "a", value: "1" }, { key: "b", value: "2" }, {
      key: "c",
      value: "3",
    }]);
    assert.equal(broker.records("t").length, 3);
  });
});
