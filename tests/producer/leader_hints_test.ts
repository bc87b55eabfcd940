import { test } from "node:test";
import assert from "node:assert/strict";
import { KafkaProducer } from "../../src/producer/kafka_producer.ts";
import { startTestBroker, type TestBroker } from "../../src/testing.ts";

// A leader moves behind the producer's back while Metadata answers take METADATA_DELAY_MS
// (a slow or overloaded cluster). The producer's retry backoff is as long, so only the
// leader named in the NOT_LEADER_OR_FOLLOWER answer (KIP-951) delivers sooner.
const METADATA_DELAY_MS = 3000;

function producerFor(broker: TestBroker, leaderHints: boolean): KafkaProducer<string, string> {
  return new KafkaProducer<string, string>(
    {
      bootstrap: broker.bootstrap,
      topic: "t",
      retryBackoffMs: METADATA_DELAY_MS,
      retryBackoffMaxMs: METADATA_DELAY_MS,
      metadataMaxAgeMs: 600_000,
    },
    undefined,
    { leaderHints },
  );
}

/** Moves t-0 to `to`, slows Metadata down, and times a send. */
async function sendAfterMove(
  broker: TestBroker,
  producer: KafkaProducer<string, string>,
  to: number,
): Promise<number> {
  broker.moveLeader("t", 0, to);
  broker.faults.delay(METADATA_DELAY_MS, { api: "Metadata" });
  const started = Date.now();
  const sent = await producer.send({ value: "after the move", partition: 0 });
  assert.equal(sent.offset, 1n);
  return Date.now() - started;
}

test("a producer follows the leader a NOT_LEADER_OR_FOLLOWER answer names, before any metadata refresh (KIP-951)", async () => {
  await using broker = await startTestBroker({ brokers: 2, topics: { t: 1 } });
  await using producer = producerFor(broker, true);
  const moves: number[] = [];
  producer.addEventListener("leader-change", (e) => {
    const { topic, leader } = (e as CustomEvent<{ topic: string; leader: number }>).detail;
    if (topic === "t") moves.push(leader);
  });
  await producer.send({ value: "before the move", partition: 0 });
  assert.equal(broker.offsets("t", 0).leader, 1);
  const elapsed = await sendAfterMove(broker, producer, 2);
  assert.ok(elapsed < METADATA_DELAY_MS / 2, `took ${elapsed} ms`);
  assert.deepEqual(moves, [2]);
  // Stored once each, in order, on the new leader's log.
  assert.deepEqual(broker.records("t").map((r) => new TextDecoder().decode(r.value!)), [
    "before the move",
    "after the move",
  ]);
});

test("without the leader hint the same move waits for the metadata refresh (the control)", async () => {
  await using broker = await startTestBroker({ brokers: 2, topics: { t: 1 } });
  await using producer = producerFor(broker, false);
  await producer.send({ value: "before the move", partition: 0 });
  const elapsed = await sendAfterMove(broker, producer, 2);
  assert.ok(elapsed >= METADATA_DELAY_MS * 0.9, `took ${elapsed} ms`);
  assert.equal(broker.records("t").length, 2);
});

test("a leader the producer has no address for is reached through the answer's NodeEndpoints", async () => {
  await using broker = await startTestBroker({ brokers: 3, topics: { t: 1 } });
  await broker.stopBroker(3);
  await using producer = producerFor(broker, true);
  await producer.send({ value: "before the move", partition: 0 });
  // Broker 3 comes back on a port the producer's metadata never listed.
  await broker.startBroker(3);
  const elapsed = await sendAfterMove(broker, producer, 3);
  assert.ok(elapsed < METADATA_DELAY_MS / 2, `took ${elapsed} ms`);
  assert.equal(broker.offsets("t", 0).leader, 3);
  assert.equal(broker.records("t").length, 2);
});
