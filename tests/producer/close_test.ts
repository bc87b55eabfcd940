/**
 * close({ timeoutMs }) as Java's close(Duration): it waits at most that long, then
 * every record not settled fails with a KafkaCloseTimeoutError naming how many, and
 * close() rejects with the same error once the producer is closed; close() without it
 * waits as long as it takes. Bad options are refused as any other bad argument.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createProducer,
  KafkaClosedError,
  KafkaCloseTimeoutError,
  KafkaTimeoutError,
} from "../../mod.ts";
import { silentBroker } from "./_silent_broker.ts";

test("close({ timeoutMs }) fails records still waiting for metadata at the deadline, naming how many", async () => {
  const broker = await silentBroker();
  try {
    const producer = createProducer({ bootstrap: `127.0.0.1:${broker.port}`, topic: "t" });
    const failures: unknown[] = [];
    producer.addEventListener("error", (e) => failures.push(e.detail));
    const sends = [1, 2, 3].map((i) => producer.send({ value: `v${i}` }));
    const outcomes = Promise.allSettled(sends);
    const started = Date.now();
    const closing = await producer.close({ timeoutMs: 150 }).then(() => null, (e) => e);
    const ms = Date.now() - started;
    assert.ok(closing instanceof KafkaCloseTimeoutError, String(closing));
    assert.ok(closing instanceof KafkaTimeoutError);
    assert.equal(closing.records, 3);
    assert.equal(closing.inFlight, 0);
    assert.equal(closing.timeoutMs, 150);
    assert.equal(
      closing.message,
      "Cannot deliver 3 records as close() reached its timeoutMs (150) before they were acknowledged",
    );
    assert.ok(ms >= 140 && ms < 2000, `close() took ${ms} ms`);
    assert.ok((await outcomes).every((o) => o.status === "rejected" && o.reason === closing));
    assert.equal(producer.metrics()["record-error-total"], 3);
    assert.equal(failures.length, 1, "one error event for the topic's waiting records");
    await assert.rejects(producer.send({ value: "late" }), KafkaClosedError);
    // Later calls return the same outcome.
    await assert.rejects(producer.close(), (e) => e === closing);
  } finally {
    await broker.close();
  }
});

test("a shorter timeoutMs given to a later close() applies to the close under way", async () => {
  const broker = await silentBroker();
  try {
    const producer = createProducer({ bootstrap: `127.0.0.1:${broker.port}`, topic: "t" });
    const send = producer.send({ value: "v" });
    send.catch(() => {}); // awaited below
    const patient = producer.close(); // would wait maxBlockMs (60 s) for metadata
    const started = Date.now();
    const hurried = producer.close({ timeoutMs: 100 });
    assert.equal(patient, hurried, "one close, one promise");
    await assert.rejects(hurried, KafkaCloseTimeoutError);
    await assert.rejects(send, KafkaCloseTimeoutError);
    assert.ok(Date.now() - started < 2000);
    // A longer one later does not extend it (it is over anyway).
    await assert.rejects(producer.close({ timeoutMs: 60_000 }), KafkaCloseTimeoutError);
  } finally {
    await broker.close();
  }
});

test("close({ timeoutMs }) resolves when nothing is left to deliver", async () => {
  const broker = await silentBroker();
  try {
    const producer = createProducer({ bootstrap: `127.0.0.1:${broker.port}`, topic: "t" });
    await producer.close({ timeoutMs: 0 });
    await producer.close({ timeoutMs: 0 });
  } finally {
    await broker.close();
  }
});

test("close() refuses a timeoutMs that is not a number of at least 0", async () => {
  const producer = createProducer({ bootstrap: "127.0.0.1:1", topic: "t" });
  await assert.rejects(producer.close({ timeoutMs: -1 }), {
    name: "RangeError",
    message: "Cannot close producer as timeoutMs must be at least 0: current value is -1",
  });
  await assert.rejects(producer.close({ timeoutMs: "5" as unknown as number }), {
    name: "TypeError",
    message: 'Cannot close producer as timeoutMs must be a number: current value is "5"',
  });
  await assert.rejects(producer.close({ timeoutMs: NaN }), TypeError);
  await assert.rejects(producer.close(5 as unknown as { timeoutMs: number }), TypeError);
  // Refused options close nothing: the producer still closes normally.
  await producer.close({ timeoutMs: Infinity });
});
