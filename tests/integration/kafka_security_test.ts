/**
 * SASL and TLS against the real cluster's other listeners (tests/kafka/cluster.sh):
 * SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, SSL with a test CA,
 * SASL_SSL with SCRAM-SHA-512, MTLS (a client certificate required), and REAUTH
 * (OAUTHBEARER with Kafka's unsecured validator, PLAIN and SCRAM-SHA-256, with
 * sessions of 2.5 s, so KIP-368 re-authentication happens several times a stream).
 * Records go in through the secured listener and are read back with the Java
 * consumer on the plain one; bad credentials and refused certificates fail fast
 * with an error that says why, and never with a secret in it.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  bootstrapServers,
  createTopic,
  mtlsBootstrapServers,
  readBack,
  reauthBootstrapServers,
  reauthSessionMs,
  saslBootstrapServers,
  saslCredentials,
  saslTlsBootstrapServers,
  tlsBootstrapServers,
  tlsCaFile,
  tlsClientCertFile,
  tlsClientKeyFile,
  tlsRogueCertFile,
  tlsRogueKeyFile,
  uniqueTopic,
} from "../kafka/cluster.ts";
import {
  type ConnectFunction,
  createProducer,
  defaultConnect,
  KafkaAuthenticationError,
  kafkaSink,
  partitionForKey,
  type PasswordMechanism,
  type ProducerOptions,
  type ProducerRecord,
  type SaslOptions,
} from "../../mod.ts";
import { unsecuredJwt } from "../../src/net/unsecured_jwt.ts";
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

/**
 * A connect function that counts connections, the SaslHandshake requests written on
 * them (one per authentication), and the connections closed before the producer is.
 */
function watchWire(): {
  connect: ConnectFunction;
  readonly dials: number;
  readonly handshakes: number;
  readonly lost: number;
  closing(): void;
} {
  let dials = 0;
  let handshakes = 0;
  let lost = 0;
  let closing = false;
  return {
    connect: async (options) => {
      dials++;
      const transport = await defaultConnect(options);
      const write = transport.write.bind(transport);
      transport.write = (bytes) => {
        // One frame per write: size, then the api key (SaslHandshake is 17).
        if (bytes.length >= 6 && ((bytes[4]! << 8) | bytes[5]!) === 17) handshakes++;
        return write(bytes);
      };
      transport.closed.then(() => {
        if (!closing) lost++;
      });
      return transport;
    },
    get dials() {
      return dials;
    },
    get handshakes() {
      return handshakes;
    },
    get lost() {
      return lost;
    },
    closing() {
      closing = true;
    },
  };
}

/** `count` keyed records, pausing `pauseMs` every `every` records (a stream that lasts). */
function pacedRecords(
  count: number,
  every: number,
  pauseMs: number,
  onEnd: () => void,
): ReadableStream<ProducerRecord> {
  let next = 0;
  return new ReadableStream<ProducerRecord>({
    async pull(controller) {
      if (next === count) {
        onEnd();
        return controller.close();
      }
      if (next > 0 && next % every === 0) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      const end = Math.min(count, next + 500);
      for (; next < end; next++) {
        controller.enqueue({ key: `key-${next % 100}`, value: `value-${next}` });
      }
    },
  });
}

/** The error, or the first of its causes, with this name (a sink wraps what failed it). */
function causeNamed(error: unknown, name: string): Error {
  for (let e: unknown = error, i = 0; e instanceof Error && i < 8; e = e.cause, i++) {
    if (e.name === name) return e;
  }
  assert.fail(`no ${name} in ${String(error)}`);
}

/** Everything an error says, its causes included. */
function said(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, i = 0; e instanceof Error && i < 8; e = e.cause, i++) {
    parts.push(e.message, e.stack ?? "");
  }
  return parts.join("\n");
}

/**
 * Streams `count` records through a REAUTH listener session: several KIP-368
 * re-authentications on the same connections, no connection lost or added, every
 * record read back by the Java consumer exactly once.
 */
async function reauthStream(sasl: SaslOptions, count: number, every: number, pauseMs: number) {
  const topic = uniqueTopic("reauth-stream");
  await createTopic(topic, PARTITIONS, 3);
  const wire = watchWire();
  const started = Date.now();
  let dialsAfterStart = -1;
  const sink = kafkaSink({
    bootstrap: reauthBootstrapServers,
    topic,
    lingerMs: 5,
    sasl,
    connect: wire.connect,
  });
  const timer = setTimeout(() => dialsAfterStart = wire.dials, reauthSessionMs / 2);
  try {
    // The source ends before the sink closes the producer (and its connections).
    await pacedRecords(count, every, pauseMs, () => wire.closing()).pipeTo(sink);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = Date.now() - started;
  const landed = await readBack(topic, { minOffsets: count });
  const values = new Set(landed.map((r) => dec.decode(r.value!)));
  assert.equal(landed.length, count, "nothing lost, nothing duplicated");
  assert.equal(values.size, count, "every record once");
  for (const r of landed) assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS));
  // Every connection is opened in the first moments; none is lost or reopened after.
  assert.ok(dialsAfterStart > 0 && wire.dials === dialsAfterStart, `dials ${wire.dials}`);
  assert.equal(wire.lost, 0, "no connection was closed while streaming");
  const reauths = wire.handshakes - wire.dials;
  assert.ok(
    elapsed > 3 * reauthSessionMs && reauths >= 3,
    `${reauths} re-authentications in ${elapsed} ms over ${wire.dials} connections`,
  );
  return { reauths, dials: wire.dials, elapsed };
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
        bootstrap: bootstrapServers,
        topic: "never-created",
        maxBlockMs: 10_000,
        sasl: { mechanism: "PLAIN", ...saslCredentials },
      })),
      /ILLEGAL_SASL_STATE \(code 34\): SASL PLAIN as alice with broker at 127\.0\.0\.1:\d+: the listener enables none/,
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

  test(
    "a SASL_SSL session that expires (connections.max.reauth.ms 4 s) is renewed in place, idle",
    {
      timeout: 60_000,
    },
    async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic("reauth");
      await createTopic(topic, 1, 3);
      const wire = watchWire();
      const producer = createProducer({
        bootstrap: saslTlsBootstrapServers,
        topic,
        tls: { caCerts: [readFileSync(tlsCaFile, "utf8")] },
        sasl: { mechanism: "SCRAM-SHA-512", ...saslCredentials },
        connect: wire.connect,
      });
      try {
        await producer.send({ value: "before" });
        const dialsBefore = wire.dials;
        const handshakesBefore = wire.handshakes;
        await new Promise((resolve) => setTimeout(resolve, 9_000));
        // Twice past the session's end: renewed on the same connections, not reopened.
        await producer.send({ value: "after" });
        assert.equal(wire.dials, dialsBefore, "no new connection");
        assert.equal(wire.lost, 0, "no connection was closed");
        assert.ok(wire.handshakes >= handshakesBefore + 2, `re-authenticated: ${wire.handshakes}`);
      } finally {
        await producer.close();
      }
      const landed = await readBack(topic, { minOffsets: 2 });
      assert.deepEqual(landed.map((r) => dec.decode(r.value!)), ["before", "after"]);
    },
  );

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
        assert.ok(tlsBootstrapServers.some((a) => String(e).includes(a)), String(e));
        return true;
      },
    );
    assert.ok(Date.now() - started < 20_000);
  });

  test("mTLS with the test CA's client certificate: every record lands once, on Java's partition", {
    timeout: 120_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    await roundTrip({
      bootstrap: mtlsBootstrapServers,
      tls: {
        caCerts: [readFileSync(tlsCaFile, "utf8")],
        cert: readFileSync(tlsClientCertFile, "utf8"),
        key: readFileSync(tlsClientKeyFile, "utf8"),
      },
    });
  });

  for (
    const [what, files, reason] of [
      [
        "no client certificate",
        null,
        /refused the TLS handshake .*may require a client certificate|requires a client certificate/,
      ],
      [
        "a client certificate from an untrusted CA",
        [tlsRogueCertFile, tlsRogueKeyFile],
        /refused the client certificate/,
      ],
      ["a key that is not the certificate's", [tlsClientCertFile, tlsRogueKeyFile], /tls\.key/],
    ] as const
  ) {
    test(`mTLS with ${what} fails at once with a KafkaAuthenticationError saying so`, {
      timeout: 60_000,
    }, async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const started = Date.now();
      const key = files === null ? undefined : readFileSync(files[1], "utf8");
      await assert.rejects(
        records().pipeTo(kafkaSink({
          bootstrap: mtlsBootstrapServers,
          topic: "never-created",
          maxBlockMs: 30_000,
          tls: {
            caCerts: [readFileSync(tlsCaFile, "utf8")],
            ...(files === null ? {} : { cert: readFileSync(files[0], "utf8"), key: key! }),
          },
        })),
        (outer: Error) => {
          const e = causeNamed(outer, "KafkaAuthenticationError");
          assert.ok(e instanceof KafkaAuthenticationError, String(e));
          assert.equal(e.mechanism, "TLS");
          assert.equal(e.retriable, false);
          assert.match(
            e.message,
            /^Cannot authenticate with TLS to broker at 127\.0\.0\.1:\d+ as /,
          );
          assert.match(e.message, reason);
          if (key !== undefined) assert.ok(!said(e).includes(key.split("\n")[1]!), "no key");
          return true;
        },
      );
      assert.ok(Date.now() - started < 10_000, "failed without waiting for maxBlockMs");
    });
  }

  test(
    "OAUTHBEARER (unsigned JWTs): 100,000 records, several re-authentications in place, none lost or doubled, no reconnect",
    {
      timeout: 180_000,
    },
    async (t) => {
      if (!available) return t.skip("Kafka is not running");
      let tokens = 0;
      const result = await reauthStream(
        {
          mechanism: "OAUTHBEARER",
          token: () => {
            tokens++;
            const now = Math.floor(Date.now() / 1000);
            return Promise.resolve({
              value: unsecuredJwt({ sub: "alice", iat: now, exp: now + 3600 }),
              expiresAtMs: (now + 3600) * 1000,
            });
          },
        },
        100_000,
        5_000,
        400,
      );
      assert.equal(tokens, result.dials + result.reauths, "a token per authentication");
    },
  );

  for (const mechanism of ["PLAIN", "SCRAM-SHA-256"] as const) {
    test(`${mechanism}: re-authenticated in place several times during a stream, nothing lost`, {
      timeout: 120_000,
    }, async (t) => {
      if (!available) return t.skip("Kafka is not running");
      await reauthStream({ mechanism, ...saslCredentials }, 20_000, 2_000, 1_000);
    });
  }

  test("OAUTHBEARER with a token Kafka refuses fails at once, naming its status, never the token", {
    timeout: 60_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    const now = Math.floor(Date.now() / 1000);
    // Expired an hour ago: the unsecured validator refuses it.
    const token = unsecuredJwt({ sub: "alice", iat: now - 7200, exp: now - 3600 });
    const started = Date.now();
    await assert.rejects(
      records().pipeTo(kafkaSink({
        bootstrap: reauthBootstrapServers,
        topic: "never-created",
        maxBlockMs: 30_000,
        sasl: { mechanism: "OAUTHBEARER", token: () => Promise.resolve({ value: token }) },
      })),
      (outer: Error) => {
        const e = causeNamed(outer, "SASL_AUTHENTICATION_FAILED");
        assert.match(
          e.message,
          /SASL OAUTHBEARER with broker at 127\.0\.0\.1:\d+: the broker refused the token with invalid_token/,
        );
        assert.ok(!said(e).includes(token) && !said(e).includes(token.split(".")[1]!));
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000, "failed without waiting for maxBlockMs");
  });

  test("a wrong password is never in the error the broker's refusal becomes", {
    timeout: 60_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka is not running");
    for (const mechanism of ["PLAIN", "SCRAM-SHA-256"] as const) {
      const password = `wrong-${mechanism}-Zq81x`;
      await assert.rejects(
        records().pipeTo(kafkaSink({
          bootstrap: reauthBootstrapServers,
          topic: "never-created",
          maxBlockMs: 30_000,
          sasl: { mechanism, username: "alice", password },
        })),
        (e: Error) => {
          causeNamed(e, "SASL_AUTHENTICATION_FAILED");
          assert.ok(!said(e).includes(password), said(e));
          assert.ok(!said(e).includes(btoa(`\0alice\0${password}`)));
          return true;
        },
      );
    }
  });
});
