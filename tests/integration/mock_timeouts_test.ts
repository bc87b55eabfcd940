/**
 * Every wait and every delivery timeout runs from its own start: concurrent records
 * that wait for metadata or buffer space each fail `maxBlockMs` after their own
 * send, and a record fails `deliveryTimeoutMs` after it was buffered, neither later
 * (one waiter after another) nor earlier (before a retry's backoff would end).
 * Timeouts longer than runtime timers hold are waited out, not cut short.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { ApiKey, ErrorCode, startMockCluster } from "../mock/mock_cluster.ts";
import { createProducer, KafkaTimeoutError, TopicNotFoundError } from "../../mod.ts";

/** Milliseconds from `started` to each promise's rejection, with the reason. */
function rejections(
  sends: Promise<unknown>[],
  started: number,
): Promise<{ ms: number; error: unknown }[]> {
  return Promise.all(sends.map((p) =>
    p.then(
      () => ({ ms: -1, error: null }),
      (error) => ({ ms: Date.now() - started, error }),
    )
  ));
}

test("concurrent sends to a missing topic each fail maxBlockMs after their own send", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  // The mock would create it; told so, it answers that the topic does not exist.
  await mock.setTopicError("nowhere", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const producer = createProducer({ bootstrap: mock.bootstrap, maxBlockMs: 1000 });
  try {
    const started = Date.now();
    const sends = Array.from(
      { length: 10 },
      (_, i) => producer.send({ topic: "nowhere", value: `${i}` }),
    );
    for (const { ms, error } of await rejections(sends, started)) {
      assert.ok(error instanceof TopicNotFoundError, String(error));
      assert.ok(ms >= 950 && ms < 1800, `failed after ${ms} ms`);
    }
  } finally {
    await producer.close();
    await mock.close();
  }
});

test(
  "sends waiting for buffer space fail together after maxBlockMs; buffered ones after deliveryTimeoutMs",
  {
    timeout: 60_000,
  },
  async () => {
    const mock = await startMockCluster({ brokers: 1 });
    await mock.createTopic("refused", 1, 1);
    const producer = createProducer({
      bootstrap: mock.bootstrap,
      topic: "refused",
      bufferBytes: 65536,
      maxBlockMs: 1000,
      lingerMs: 0,
      requestTimeoutMs: 1000,
      deliveryTimeoutMs: 4000,
      retryBackoffMs: 50,
    });
    try {
      await producer.send({ value: "warm-up" }); // metadata and producer id first
      await mock.pushErrors(ApiKey.Produce, Array(1000).fill(ErrorCode.NOT_ENOUGH_REPLICAS));
      const value = "x".repeat(1000);
      const started = Date.now();
      const results = await rejections(
        Array.from({ length: 200 }, () => producer.send({ value })),
        started,
      );
      const blocked = results.filter(({ error }) => /bufferBytes/.test(String(error)));
      const expired = results.filter(({ error }) => /deliveryTimeoutMs/.test(String(error)));
      assert.equal(blocked.length + expired.length, 200);
      assert.ok(
        blocked.length > 100 && expired.length > 20,
        `${blocked.length} / ${expired.length}`,
      );
      for (const { ms, error } of blocked) {
        assert.ok(error instanceof KafkaTimeoutError);
        assert.ok(ms >= 950 && ms < 1800, `a blocked send failed after ${ms} ms`);
      }
      for (const { ms, error } of expired) {
        assert.ok(error instanceof KafkaTimeoutError);
        assert.ok(ms >= 3950 && ms < 5000, `a buffered record expired after ${ms} ms`);
      }
    } finally {
      await mock.clearErrors(ApiKey.Produce);
      await producer.close();
      await mock.close();
    }
  },
);

test("a record fails at its deliveryTimeoutMs, not a backoff earlier", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  await mock.createTopic("refused", 1, 1);
  const producer = createProducer({
    bootstrap: mock.bootstrap,
    topic: "refused",
    lingerMs: 0,
    requestTimeoutMs: 1000,
    deliveryTimeoutMs: 3000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
  });
  try {
    await producer.send({ value: "warm-up" });
    await mock.pushErrors(ApiKey.Produce, Array(1000).fill(ErrorCode.NOT_ENOUGH_REPLICAS));
    const started = Date.now();
    const [{ ms, error }] = await rejections([producer.send({ value: "late" })], started) as [
      { ms: number; error: unknown },
    ];
    assert.ok(error instanceof KafkaTimeoutError, String(error));
    assert.match((error as Error).message, /last error: .*NOT_ENOUGH_REPLICAS/);
    assert.ok(ms >= 2990 && ms < 3700, `failed after ${ms} ms`);
  } finally {
    await mock.clearErrors(ApiKey.Produce);
    await producer.close();
    await mock.close();
  }
});

test("timeouts past 2^31 - 1 ms are waited out, not cut short, and raise no warning", {
  timeout: 60_000,
}, async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on("warning", onWarning);
  const mock = await startMockCluster({ brokers: 1 });
  const producers = [
    createProducer({ bootstrap: mock.bootstrap, topic: "later", maxBlockMs: 2 ** 31 }),
    createProducer({
      bootstrap: mock.bootstrap,
      topic: "t",
      lingerMs: 1e10,
      deliveryTimeoutMs: 2e10,
    }),
    createProducer({
      bootstrap: mock.bootstrap,
      topic: "t",
      requestTimeoutMs: 1e10,
      deliveryTimeoutMs: 2e10,
      maxBlockMs: Infinity,
    }),
  ];
  const [blocking, lingering, patient] = producers as [
    (typeof producers)[0],
    (typeof producers)[0],
    (typeof producers)[0],
  ];
  try {
    await mock.createTopic("t", 2, 1);
    await mock.setTopicError("later", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const settled = (p: Promise<unknown>) =>
      Promise.race([p.then(() => "done", () => "failed"), sleep(400).then(() => "pending")]);
    const waitingForTopic = blocking.send({ value: "a" });
    const waitingForLinger = lingering.send({ value: "b" });
    assert.equal(await settled(waitingForTopic), "pending");
    assert.equal(await settled(waitingForLinger), "pending");
    await mock.setTopicError("later", ErrorCode.NONE);
    assert.equal((await waitingForTopic).topic, "later");
    await lingering.flush();
    assert.equal((await waitingForLinger).topic, "t");
    const sent = await patient.send(Array.from({ length: 20 }, (_, i) => ({ value: `${i}` })));
    assert.equal(sent.length, 20);
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
    await Promise.all(producers.map((p) => p.close()));
    await mock.close();
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
