// The progress figures are the producer's metrics, against the test broker: every
// record acknowledged is counted once, retries are counted, acks=0 counts as written.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { meteredSink } from "../../src/cli/progress.ts";
import { startTestBroker } from "../../src/testing.ts";

function records(n: number): ReadableStream<{ key: string; value: string }> {
  return ReadableStream.from(
    Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  );
}

describe("meteredSink()", () => {
  test("meteredSink() counts every record acknowledged once, and the bytes of their batches", async () => {
    await using broker = await startTestBroker({ brokers: 3, topics: { t: 6 } });
    const sink = meteredSink({ bootstrap: broker.bootstrap, topic: "t", batchBytes: 4096 });
    await records(20_000).pipeTo(sink.writable);
    await sink.close();
    const s = sink.snapshot();
    assert.equal(s["record-ack-total"], 20_000);
    assert.equal(s["record-send-total"], 20_000);
    assert.equal(s["record-retry-total"], 0);
    assert.equal(s["requests-in-flight"], 0);
    assert.ok(s["byte-ack-total"] > 20_000 * 6, String(s["byte-ack-total"]));
    assert.equal(broker.records("t").length, 20_000);
  });

  test("meteredSink() counts records answered with a retriable error as retries", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    broker.faults.failNext("Produce", ["NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT"]);
    const sink = meteredSink({ bootstrap: broker.bootstrap, topic: "t", lingerMs: 50 });
    await records(10).pipeTo(sink.writable);
    await sink.close();
    const s = sink.snapshot();
    assert.equal(s["record-ack-total"], 10);
    assert.equal(s["record-retry-total"], 20, "10 records, answered twice with an error");
    assert.equal(s["record-send-total"], 10, "each record counted once, as Java's metric");
  });

  test("meteredSink() counts records of acks=0 requests once written", async () => {
    await using broker = await startTestBroker({ topics: { t: 2 } });
    const sink = meteredSink({ bootstrap: broker.bootstrap, topic: "t", acks: 0 });
    await records(500).pipeTo(sink.writable);
    await sink.close();
    assert.equal(sink.snapshot()["record-ack-total"], 500);
    assert.equal(sink.snapshot()["requests-in-flight"], 0);
  });
});
