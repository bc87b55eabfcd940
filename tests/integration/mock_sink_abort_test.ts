/**
 * An aborted sink names what it could not deliver: `writer.abort()` (and so an aborted
 * `pipeTo`, which passes the sink's rejection on) rejects with a KafkaDeliveryError
 * counting every accepted record that was not delivered, and delivers the rest.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiKey, ErrorCode, readBack, startMockCluster } from "../mock/mock_cluster.ts";
import { KafkaDeliveryError, kafkaSink, type ProducerRecord } from "../../mod.ts";

const FAILING = {
  lingerMs: 0,
  requestTimeoutMs: 1000,
  deliveryTimeoutMs: 2500,
  retryBackoffMs: 50,
  retryBackoffMaxMs: 200,
};

test("writer.abort() rejects with a KafkaDeliveryError counting every record not delivered", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("refused", 1, 1);
    await mock.pushErrors(ApiKey.Produce, Array(500).fill(ErrorCode.NOT_ENOUGH_REPLICAS));
    const writer = kafkaSink({ bootstrap: mock.bootstrap, topic: "refused", ...FAILING })
      .getWriter();
    for (let i = 0; i < 100; i++) await writer.write({ key: `k${i}`, value: `v${i}` });
    await assert.rejects(writer.abort(new Error("stop")), (e: Error) => {
      assert.ok(e instanceof KafkaDeliveryError, String(e));
      assert.equal(e.failed, 100);
      assert.equal(e.delivered, 0);
      assert.match(e.message, /Cannot deliver 100 of 100 records/);
      assert.match(e.message, /NOT_ENOUGH_REPLICAS/);
      return true;
    });
  } finally {
    await mock.close();
  }
});

test("an aborted pipeTo rejects with the sink's KafkaDeliveryError when records failed", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 1 });
  try {
    await mock.createTopic("refused", 1, 1);
    await mock.pushErrors(ApiKey.Produce, Array(500).fill(ErrorCode.NOT_ENOUGH_REPLICAS));
    const controller = new AbortController();
    let pulled = 0;
    const source = new ReadableStream<ProducerRecord>({
      async pull(c) {
        c.enqueue({ key: `k${pulled}`, value: `v${pulled}` });
        if (++pulled === 50) controller.abort(new Error("stop"));
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    }, { highWaterMark: 0 });
    const sink = kafkaSink({ bootstrap: mock.bootstrap, topic: "refused", ...FAILING });
    await assert.rejects(source.pipeTo(sink, { signal: controller.signal }), (e: Error) => {
      assert.ok(e instanceof KafkaDeliveryError, String(e));
      assert.equal(e.delivered, 0);
      assert.ok(e.failed >= 48 && e.failed <= 50, `failed ${e.failed}`);
      return true;
    });
  } finally {
    await mock.close();
  }
});

test("an aborted pipeTo delivers every record the sink accepted, once and in order", {
  timeout: 60_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("aborted", 3, 3);
    const controller = new AbortController();
    let pulled = 0;
    const source = new ReadableStream<ProducerRecord>({
      async pull(c) {
        for (const end = pulled + 50; pulled < end; pulled++) {
          c.enqueue({ key: `k${pulled % 5}`, value: String(pulled).padStart(6, "0") });
        }
        if (pulled === 5000) controller.abort(new Error("stop"));
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
    }, { highWaterMark: 0 });
    await assert.rejects(
      source.pipeTo(kafkaSink({ bootstrap: mock.bootstrap, topic: "aborted" }), {
        signal: controller.signal,
      }),
      /stop/,
    );
    const stored = [...(await readBack(mock.bootstrap, "aborted")).values()].flat()
      .map((r) => Number(new TextDecoder().decode(r.value!)))
      .sort((a, b) => a - b);
    // Only the records the pipe had read but the sink not yet taken (at most the
    // writable's queue and the chunks of the last pull) may be missing, at the end.
    assert.ok(stored.length >= pulled - 60, `stored ${stored.length} of ${pulled} pulled`);
    assert.deepEqual(stored, [...Array(stored.length).keys()]);
  } finally {
    await mock.close();
  }
});
