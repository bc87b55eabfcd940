/**
 * Bounded memory: with slow brokers, a stream's source is not drained ahead of what
 * `bufferBytes` allows (write() waits: Web Streams backpressure), and a send() that
 * finds the budget spent fails after `maxBlockMs` with a timeout error naming it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { startMockCluster } from "../mock/mock_cluster.ts";
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
