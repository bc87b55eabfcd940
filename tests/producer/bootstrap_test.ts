import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { createProducer, defaultConnect, KafkaClosedError, kafkaSink } from "../../mod.ts";
import { startMockCluster } from "../mock/mock_cluster.ts";

/** A port that refuses connections: bound then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("kafkaSink() with no answering bootstrap fails in bounded time naming every address", async () => {
  const a = await closedPort();
  const b = await closedPort();
  const started = Date.now();
  const records = ReadableStream.from([{ value: "x" }]);
  await assert.rejects(
    records.pipeTo(
      kafkaSink({ bootstrap: `127.0.0.1:${a},127.0.0.1:${b}`, topic: "t", maxBlockMs: 1500 }),
    ),
    (error: Error) => {
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${a}`));
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${b}`));
      return true;
    },
  );
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 8000, `took ${elapsed} ms`);
});

test("send() after close() fails with KafkaClosedError", async () => {
  const producer = createProducer({ bootstrap: "127.0.0.1:1", topic: "t" });
  await producer.close();
  await assert.rejects(producer.send({ value: "x" }), KafkaClosedError);
});

test("createProducer() rejects bad options with TypeError or RangeError naming them", () => {
  assert.throws(() => createProducer({ bootstrap: [] }), /bootstrap/);
  assert.throws(() => createProducer({ bootstrap: "nohostport" }), TypeError);
  assert.throws(
    // @ts-expect-error: acks 2 is not a valid value
    () => createProducer({ bootstrap: "h:1", acks: 2 }),
    /acks must be -1, 0, 1 or "all": current value is 2/,
  );
  assert.throws(() => createProducer({ bootstrap: "h:1", lingerMs: -1 }), RangeError);
  assert.throws(() => createProducer({ bootstrap: "h:1", batchBytes: 1.5 }), TypeError);
  assert.throws(
    () => createProducer({ bootstrap: "h:1", acks: 1, idempotent: true }),
    /idempotent requires acks/,
  );
  // @ts-expect-error: not a compression type
  assert.throws(() => createProducer({ bootstrap: "h:1", compression: "brotli" }), /compression/);
  assert.throws(
    () =>
      createProducer({
        bootstrap: "h:1",
        sasl: { mechanism: "GSSAPI" as "PLAIN", username: "a", password: "b" },
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /sasl.mechanism must be "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER": current value is "GSSAPI"/
        .test(e.message),
  );
  assert.throws(
    () =>
      createProducer({
        bootstrap: "h:1",
        sasl: { mechanism: "PLAIN", username: "", password: "b" },
      }),
    /sasl.username must be a non-empty string/,
  );
  // @ts-expect-error: tls is a boolean or an object
  assert.throws(() => createProducer({ bootstrap: "h:1", tls: "yes" }), TypeError);
  // @ts-expect-error: caCerts holds PEM strings
  assert.throws(() => createProducer({ bootstrap: "h:1", tls: { caCerts: "pem" } }), /tls.caCerts/);
});

test("a multi-byte string value over maxRequestBytes is refused at once, by its UTF-8 size", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  const producer = createProducer({ bootstrap: mock.bootstrap, topic: "t", maxRequestBytes: 1000 });
  try {
    await mock.createTopic("t", 1, 1);
    // 400 UTF-16 units but 1,200 UTF-8 bytes: over the limit although .length is not.
    await assert.rejects(producer.send({ value: "€".repeat(400) }), (e: Error) => {
      assert.equal(e.name, "MESSAGE_TOO_LARGE");
      assert.match(e.message, /1228 bytes/);
      return true;
    });
    await producer.send({ value: "€".repeat(300) }); // 900 bytes fit
  } finally {
    await producer.close();
    await mock.close();
  }
});

test("the connect option maps addresses: a bootstrap name that does not resolve reaches the broker", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  const [host, port] = mock.bootstrap[0]!.split(":");
  const dialed: string[] = [];
  const producer = createProducer({
    bootstrap: "kafka-1.invalid:9092",
    topic: "mapped",
    connect: (options) => {
      dialed.push(`${options.host}:${options.port}`);
      return options.host === "kafka-1.invalid"
        ? defaultConnect({ ...options, host: host!, port: Number(port) })
        : defaultConnect(options);
    },
  });
  try {
    await mock.createTopic("mapped", 1, 1);
    const metadata = await producer.send({ value: "through the mapped address" });
    assert.equal(metadata.partition, 0);
    assert.equal(dialed[0], "kafka-1.invalid:9092");
  } finally {
    await producer.close();
    await mock.close();
  }
});
