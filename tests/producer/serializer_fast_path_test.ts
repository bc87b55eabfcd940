/**
 * The producer writes jsonSerializer's and stringSerializer's text straight into the
 * batch; what is stored must be exactly the bytes the serializers return when called.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createProducer, jsonSerializer, stringSerializer } from "../../mod.ts";
import { startTestBroker } from "../../src/testing.ts";

const values: unknown[] = [
  { n: 1, text: "plain" },
  { emoji: "🚀", accents: "é à ü", cjk: "漢字" },
  ["a", 2, true, null],
  "a string",
  42,
  { long: "x".repeat(5000), lone: "\ud800" },
];

test("jsonSerializer values are stored exactly as jsonSerializer encodes them", async () => {
  await using broker = await startTestBroker({ topics: { t: 1 } });
  await using producer = createProducer({
    bootstrap: broker.bootstrap,
    topic: "t",
    keySerializer: stringSerializer,
    valueSerializer: jsonSerializer,
  });
  await producer.send(values.map((value, i) => ({ key: `k${i}-é`, value })));
  await producer.send({ key: null, value: null });
  const stored = broker.records("t");
  assert.equal(stored.length, values.length + 1);
  values.forEach((value, i) => {
    assert.deepEqual(stored[i]!.value, jsonSerializer(value, "t"));
    assert.deepEqual(stored[i]!.key, stringSerializer(`k${i}-é`, "t"));
  });
  assert.equal(stored.at(-1)!.value, null, "null is a tombstone, not the text null");
  assert.equal(stored.at(-1)!.key, null);
});

test("jsonSerializer failures are KafkaSerializationError naming the field", async () => {
  await using broker = await startTestBroker({ topics: { t: 1 } });
  await using producer = createProducer({
    bootstrap: broker.bootstrap,
    topic: "t",
    valueSerializer: jsonSerializer,
  });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await assert.rejects(producer.send({ value: cyclic }), {
    name: "KafkaSerializationError",
    field: "value",
  });
  await assert.rejects(
    producer.send({ value: undefined }),
    /cannot represent a value of type undefined/,
  );
});
