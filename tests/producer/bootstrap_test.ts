import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { createProducer, KafkaClosedError, kafkaSink } from "../../mod.ts";

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
});
