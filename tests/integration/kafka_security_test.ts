/**
 * SASL and TLS against the real cluster's other listeners (tests/kafka/cluster.sh):
 * SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, SSL with a test CA, and
 * SASL_SSL with SCRAM-SHA-512.
 * Records go in through the secured listener and are read back with the Java
 * consumer on the plain one; bad credentials and an untrusted certificate fail fast
 * with an error that says why.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  createTopic,
  readBack,
  saslBootstrapServers,
  saslCredentials,
  saslTlsBootstrapServers,
  tlsBootstrapServers,
  tlsCaFile,
  uniqueTopic,
} from "../kafka/cluster.ts";
import {
  createProducer,
  defaultConnect,
  kafkaSink,
  partitionForKey,
  type PasswordMechanism,
  type ProducerOptions,
  type ProducerRecord,
} from "../../mod.ts";
import { kafkaReady } from "./kafka_setup.ts";

const PARTITIONS = 3;
const COUNT = 2_000;
const dec = new TextDecoder();

function records(): ReadableStream<ProducerRecord> {
  let next = 0;
  return new ReadableStream<ProducerRecord>({
    pull(controller) {
      if (next === COUNT) return controller.close();
      controller.enqueue({ key: `key-${next % 100}`, value: `value-${next}` });
      next++;
    },
  });
}

/** Pipes COUNT keyed records through `options`, then reads them back on the plain listener. */
async function roundTrip(options: Partial<ProducerOptions> & { bootstrap: string[] }) {
  const topic = uniqueTopic("secure");
  await createTopic(topic, PARTITIONS, 3);
  await records().pipeTo(kafkaSink({ topic, lingerMs: 1, ...options }));
  const landed = await readBack(topic, { minOffsets: COUNT });
  assert.equal(landed.length, COUNT);
  const seen = new Set<string>();
  for (const r of landed) {
    const value = dec.decode(r.value!);
    seen.add(value);
    assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS), value);
  }
  assert.equal(seen.size, COUNT, "every record once");
}

describe("kafka security", () => {
  let available = false;
  before(async () => {
    available = await kafkaReady();
  });

  for (const mechanism of ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as PasswordMechanism[]) {
    test(`SASL ${mechanism}: every record lands once, on Java's partition`, {
      timeout: 120_000,
    }, async (t) => {
      if (!available) return t.skip("Kafka is not running");
      await roundTrip({
        bootstrap: saslBootstrapServers,
        sasl: { mechanism, ...saslCredentials },
      });
    });
  }

  for (const mechanism of ["PLAIN", "SCRAM-SHA-512"] as PasswordMechanism[]) {
    test(`SASL ${mechanism} with a wrong password fails at once, saying so`, {
      timeout: 60_000,
    }, async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const started = Date.now();
      await assert.rejects(
        records().pipeTo(kafkaSink({
          bootstrap: saslBootstrapServers,
          topic: "never-created",
          maxBlockMs: 30_000,
          sasl: { mechanism, username: saslCredentials.username, password: "wrong" },
        })),
        (e: Error) => {
          assert.match(String(e), /SASL_AUTHENTICATION_FAILED/);
          assert.match(String(e), new RegExp(`SASL ${mechanism} as alice`));
          return true;
        },
      );
      assert.ok(Date.now() - started < 10_000, "failed without waiting for maxBlockMs");
    });
  }

  test("SASL on a listener without it fails, naming the state", {
    timeout: 60_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    await assert.rejects(
      records().pipeTo(kafkaSink({
        bootstrap: tlsBootstrapServers.map((a) => a.replace(/:193/, ":190")),
        topic: "never-created",
        maxBlockMs: 10_000,
        sasl: { mechanism: "PLAIN", ...saslCredentials },
      })),
      /ILLEGAL_SASL_STATE \(code 34\): SASL PLAIN as alice with broker at 127\.0\.0\.1:1909\d: the listener enables none/,
    );
  });

  test("TLS with the test CA: every record lands once, on Java's partition", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    await roundTrip({
      bootstrap: tlsBootstrapServers,
      tls: { caCerts: [readFileSync(tlsCaFile, "utf8")] },
    });
  });

  test("SASL SCRAM-SHA-512 over TLS (Java's SASL_SSL): every record lands once", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    await roundTrip({
      bootstrap: saslTlsBootstrapServers,
      tls: { caCerts: [readFileSync(tlsCaFile, "utf8")] },
      sasl: { mechanism: "SCRAM-SHA-512", ...saslCredentials },
    });
  });

  test("a SASL session that expires (connections.max.reauth.ms 4 s) is renewed by reconnecting", {
    timeout: 60_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const topic = uniqueTopic("reauth");
    await createTopic(topic, 1, 3);
    let dials = 0;
    const producer = createProducer({
      bootstrap: saslTlsBootstrapServers,
      topic,
      tls: { caCerts: [readFileSync(tlsCaFile, "utf8")] },
      sasl: { mechanism: "SCRAM-SHA-512", ...saslCredentials },
      connect: (options) => {
        dials++;
        return defaultConnect(options);
      },
    });
    try {
      await producer.send({ value: "before" });
      const dialsBefore = dials;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      // The broker closes the expired session's connection on its next request; the
      // producer authenticates a new one and sends again.
      await producer.send({ value: "after" });
      assert.ok(dials > dialsBefore, "a new connection was opened after the session expired");
    } finally {
      await producer.close();
    }
    const landed = await readBack(topic, { minOffsets: 2 });
    assert.deepEqual(landed.map((r) => dec.decode(r.value!)), ["before", "after"]);
  });

  test("TLS to a broker whose certificate is not trusted fails in bounded time", {
    timeout: 60_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const started = Date.now();
    await assert.rejects(
      records().pipeTo(kafkaSink({
        bootstrap: tlsBootstrapServers,
        topic: "never-created",
        maxBlockMs: 5_000,
        tls: true,
      })),
      (e: Error) => {
        assert.match(String(e), /127\.0\.0\.1:1939/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 20_000);
  });
});
