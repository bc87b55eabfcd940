/**
 * Bounded memory: with slow brokers, a stream's source is not drained ahead of what
 * `bufferBytes` allows (write() waits: Web Streams backpressure), and a send() that
 * finds the budget spent fails after `maxBlockMs` with a timeout error naming it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { endOffsets, startMockCluster } from "../mock/mock_cluster.ts";
import { createProducer, kafkaSink, KafkaTimeoutError, type ProducerRecord } from "../../mod.ts";

const VALUE = "x".repeat(1000);
const BUFFER = 64 * 1024;

test("kafkaSink() write() waits while bufferBytes are in flight", { timeout: 60_000 }, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("slow", 1, 1);
    await mock.setRtt(1, 200);
    let pulled = 0;
    const started = Date.now();
    const source = new ReadableStream<ProducerRecord>({
      pull(controller) {
        if (pulled === 300) return controller.close();
        pulled++;
        controller.enqueue({ value: VALUE });
      },
    }, { highWaterMark: 0 });
    const piping = source.pipeTo(
      kafkaSink({ bootstrap: mock.bootstrap, topic: "slow", bufferBytes: BUFFER }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Within the first round trip only about bufferBytes worth of records were taken.
    assert.ok(pulled <= 100, `pulled ${pulled} records before the first acknowledgement`);
    await piping;
    assert.equal(pulled, 300);
    assert.ok(Date.now() - started >= 400, "the slow broker paced the stream");
  } finally {
    await mock.close();
  }
});

test("kafkaSink() does not run ahead of a sender that cannot send, and fails after maxBlockMs", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 2 });
  try {
    await mock.createTopic("unreachable", 1, 1);
    await mock.setLeader("unreachable", 0, 2);
    await mock.brokerDown(2);
    const bufferBytes = 4 * 1024 * 1024;
    let pulled = 0;
    const source = new ReadableStream<ProducerRecord>({
      pull(controller) {
        pulled++;
        controller.enqueue({ value: VALUE });
      },
    }, { highWaterMark: 0 });
    const started = Date.now();
    await assert.rejects(
      source.pipeTo(kafkaSink({
        bootstrap: [mock.bootstrap[0]!],
        topic: "unreachable",
        bufferBytes,
        batchBytes: 16 * 1024,
        maxBlockMs: 1000,
        requestTimeoutMs: 1000,
        deliveryTimeoutMs: 5000,
      })),
      (e: Error) => {
        assert.ok(e instanceof KafkaTimeoutError, String(e));
        assert.match(e.message, /waited to be sent for 1000 ms \(maxBlockMs\)/);
        return true;
      },
    );
    // A quarter of the buffer may wait unsent, checked every eighth: with batches of
    // 16 KiB being filled, the sink took well under the whole buffer.
    assert.ok(
      pulled * VALUE.length < bufferBytes / 2,
      `took ${pulled} records of ${VALUE.length} bytes into a ${bufferBytes}-byte buffer`,
    );
    assert.ok(Date.now() - started >= 1000, "waited maxBlockMs");
  } finally {
    await mock.close();
  }
});

test("send() fails after maxBlockMs when the buffer stays full", { timeout: 60_000 }, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("stuck", 1, 1);
    const producer = createProducer({
      bootstrap: mock.bootstrap,
      topic: "stuck",
      bufferBytes: 8 * 1024,
      maxBlockMs: 300,
    });
    await producer.send({ value: "warm-up: metadata and connection" });
    await mock.setRtt(1, 3000);
    const first = Array.from({ length: 7 }, () => producer.send({ value: VALUE }));
    const started = Date.now();
    await assert.rejects(producer.send({ value: VALUE }), (e: Error) => {
      assert.ok(e instanceof KafkaTimeoutError, String(e));
      assert.match(e.message, /bufferBytes.*maxBlockMs/);
      return true;
    });
    assert.ok(Date.now() - started < 2000);
    await Promise.all(first);
    await producer.close();
  } finally {
    await mock.close();
  }
});

test("a batch still in flight when deliveryTimeoutMs passes fails then, naming its partition", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("late", 1, 1);
    const producer = createProducer({
      bootstrap: mock.bootstrap,
      topic: "late",
      requestTimeoutMs: 4000,
      deliveryTimeoutMs: 4005,
      lingerMs: 5,
    });
    await producer.send({ value: "warm-up" });
    // The broker goes down: the next batch waits queued, then is sent when it comes back
    // slow, with less delivery time left than the request timeout.
    await mock.brokerDown(1);
    const started = Date.now();
    const late = producer.send({ value: "late" });
    late.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await mock.setRtt(1, 10_000);
    await mock.brokerUp(1);
    await assert.rejects(late, (e: Error) => {
      assert.ok(e instanceof KafkaTimeoutError, String(e));
      assert.match(e.message, /late-0/);
      return true;
    });
    const elapsed = Date.now() - started;
    // Failed at the delivery deadline, not after the in-flight request's own 4 s timeout.
    assert.ok(elapsed >= 3900 && elapsed < 5500, `failed after ${elapsed} ms`);
    await mock.setRtt(1, 0);
    await producer.close();
  } finally {
    await mock.close();
  }
});

test("a long pipe into a sink lets the event loop run: timers fire while records flow", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("flowing", 1, 1);
    // A budget that never fills, so write() never has to wait: without the sink giving
    // the event loop a turn now and then, the whole pipe would run as one chain of
    // microtasks and no timer (linger, request timeout, this interval) could fire.
    // 200,000 records of ~130 bytes make ~26 turns at one per MiB (measured: 26-29
    // ticks; 3 when the sink never yields).
    const total = 200_000;
    const value = "y".repeat(100);
    let pulled = 0;
    let ticksWhileFlowing = 0;
    const interval = setInterval(() => {
      if (pulled > 0 && pulled < total) ticksWhileFlowing++;
    }, 1);
    try {
      const source = new ReadableStream<ProducerRecord>({
        pull(controller) {
          const end = Math.min(total, pulled + 256);
          for (; pulled < end; pulled++) controller.enqueue({ value });
          if (pulled === total) controller.close();
        },
      }, { highWaterMark: 0 });
      await source.pipeTo(
        kafkaSink({ bootstrap: mock.bootstrap, topic: "flowing", bufferBytes: 256 * 1024 * 1024 }),
      );
    } finally {
      clearInterval(interval);
    }
    assert.ok(
      ticksWhileFlowing >= 12,
      `the interval fired ${ticksWhileFlowing} times during the pipe`,
    );
    assert.equal((await endOffsets(mock.bootstrap, "flowing")).get(0), total);
  } finally {
    await mock.close();
  }
});
