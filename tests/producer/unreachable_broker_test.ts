/**
 * A record that cannot reach any broker fails with the error that says why (the
 * README's KafkaConnectionError or KafkaTimeoutError, naming the addresses tried),
 * never with "topic not found", which only a broker's answer may say.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import {
  createProducer,
  KafkaConnectionError,
  KafkaError,
  KafkaTimeoutError,
  type ProducerOptions,
  TopicNotFoundError,
} from "../../mod.ts";
import { ErrorCode, startMockCluster } from "../mock/mock_cluster.ts";
import { silentBroker } from "./_silent_broker.ts";

/** A port that refuses connections: bound then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function sendFails(options: ProducerOptions): Promise<{
  error: Error;
  ms: number;
}> {
  const producer = createProducer(options);
  const started = Date.now();
  try {
    await producer.send({ value: "x" });
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  } finally {
    await producer.close();
  }
  throw new Error("the send did not fail");
}

test("send() with a dead bootstrap list fails with KafkaConnectionError naming every address", async () => {
  const a = await closedPort();
  const b = await closedPort();
  const { error, ms } = await sendFails({
    bootstrap: [`127.0.0.1:${a}`, `127.0.0.1:${b}`],
    topic: "t1",
    maxBlockMs: 1000,
  });
  assert.ok(error instanceof KafkaConnectionError, `${error.name}: ${error.message}`);
  assert.ok(!(error instanceof TopicNotFoundError));
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${a} \\(.*connection refused`));
  assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${b}`));
  assert.match(error.message, /topic t1 within 1000 ms \(maxBlockMs\)/);
  assert.ok(ms >= 950 && ms < 4000, `failed after ${ms} ms`);
});

test("send() to a host that does not resolve fails with KafkaConnectionError", async () => {
  const { error } = await sendFails({
    bootstrap: "no-such-host.invalid:9092",
    topic: "t1",
    maxBlockMs: 1000,
  });
  assert.ok(error instanceof KafkaConnectionError, `${error.name}: ${error.message}`);
  assert.match(error.message, /no-such-host\.invalid:9092/);
});

test("send() to a broker that never answers fails with KafkaTimeoutError after maxBlockMs", async () => {
  const broker = await silentBroker();
  try {
    const { error, ms } = await sendFails({
      bootstrap: `127.0.0.1:${broker.port}`,
      topic: "t1",
      maxBlockMs: 1000,
    });
    assert.ok(error instanceof KafkaTimeoutError, `${error.name}: ${error.message}`);
    assert.match(error.message, new RegExp(`waiting for 127\\.0\\.0\\.1:${broker.port}`));
    assert.ok(ms >= 950 && ms < 2500, `failed after ${ms} ms`);
  } finally {
    await broker.close();
  }
});

test("TLS to a plaintext listener fails with a connection or timeout error, not topic not found", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("t1", 1, 1);
    const { error } = await sendFails({
      bootstrap: mock.bootstrap,
      topic: "t1",
      tls: true,
      maxBlockMs: 1500,
      connectTimeoutMs: 1000,
    });
    assert.ok(
      error instanceof KafkaConnectionError || error instanceof KafkaTimeoutError,
      `${error.name}: ${error.message}`,
    );
    assert.match(error.message, new RegExp(mock.bootstrap[0]!.replace(/\./g, "\\.")));
  } finally {
    await mock.close();
  }
});

test("SASL against a listener without it fails with a typed error, not topic not found", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("t1", 1, 1);
    const { error } = await sendFails({
      bootstrap: mock.bootstrap,
      topic: "t1",
      sasl: { mechanism: "PLAIN", username: "u", password: "p" },
      maxBlockMs: 1500,
    });
    assert.ok(!(error instanceof TopicNotFoundError), `${error.name}: ${error.message}`);
    assert.ok(
      error instanceof KafkaError || error instanceof KafkaConnectionError ||
        error instanceof KafkaTimeoutError,
      `${error.name}: ${error.message}`,
    );
    assert.match(error.message, /SASL|sasl/);
  } finally {
    await mock.close();
  }
});

test("maxBlockMs 0: the first send fails with KafkaTimeoutError, a later one finds the topic", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  const producer = createProducer({ bootstrap: mock.bootstrap, topic: "t1", maxBlockMs: 0 });
  try {
    await mock.createTopic("t1", 1, 1);
    await assert.rejects(producer.send({ value: "first" }), (e: Error) => {
      assert.ok(e instanceof KafkaTimeoutError, `${e.name}: ${e.message}`);
      assert.match(e.message, /within 0 ms \(maxBlockMs\)/);
      return true;
    });
    // The metadata asked for meanwhile arrives; then a send does not need to block.
    let sent = false;
    for (let i = 0; i < 50 && !sent; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      sent = await producer.send({ value: "later" }).then(() => true, () => false);
    }
    assert.ok(sent, "a later send went through");
  } finally {
    await producer.close();
    await mock.close();
  }
});

test("a topic a broker says does not exist fails with TopicNotFoundError", async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.setTopicError("t1", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const { error } = await sendFails({ bootstrap: mock.bootstrap, topic: "t1", maxBlockMs: 500 });
    assert.ok(error instanceof TopicNotFoundError, `${error.name}: ${error.message}`);
    assert.equal(error.name, "UNKNOWN_TOPIC_OR_PARTITION");
    assert.equal((error as TopicNotFoundError).topic, "t1");
  } finally {
    await mock.close();
  }
});
