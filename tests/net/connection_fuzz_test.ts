/**
 * A broker answering with garbage: random frames, bit-flipped and truncated copies of
 * a real Produce response, and absurd sizes, fed to a connection. Every request must
 * settle with a typed error (or a decoded response when the flips were harmless),
 * never hang past its timeout, never crash, and never allocate for a size it was
 * merely told about.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Connection } from "../../src/net/connection.ts";
import { KafkaConnectionError, KafkaTimeoutError } from "../../src/errors.ts";
import { KafkaProtocolError } from "../../src/errors.ts";
import { produceApi, type ProduceRequest } from "../../src/protocol/produce.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { FakeTimers, FakeTransport, flush, track } from "./_fakes.ts";

const REQUEST: ProduceRequest = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 1000,
  topicData: [{ name: "t", partitionData: [{ index: 0, records: new Uint8Array(70) }] }],
};

/** A valid Produce v9 (flexible) response frame for `correlationId`. */
function produceResponse(correlationId: number): Uint8Array {
  const w = new Writer();
  const size = w.reserve(4);
  w.int32(correlationId).tags(); // response header v1
  w.compactArray([0], (w) => {
    w.compactString("t");
    w.compactArray([0], (w) => {
      w.int32(0).int16(0).int64(42n).int64(-1n).int64(0n);
      w.compactArray([], () => {}).compactString(null).tags();
    }).tags();
  });
  w.int32(0).tags();
  w.patchInt32(size, w.length - 4);
  return w.bytes().slice();
}

let seed = 0x2545f491;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

function isTyped(error: unknown): boolean {
  return error instanceof KafkaProtocolError || error instanceof KafkaConnectionError ||
    error instanceof KafkaTimeoutError;
}

async function feed(bytes: Uint8Array, chunks: number): Promise<unknown> {
  const transport = new FakeTransport();
  const timers = new FakeTimers();
  const connection = new Connection(transport, {
    address: "fuzz:9092",
    timers,
    requestTimeoutMs: 1000,
  });
  const pending = track(connection.request(produceApi, 9, REQUEST));
  await flush();
  // Deliver the bytes in random pieces, as a socket would.
  let at = 0;
  for (let i = 0; i < chunks && at < bytes.length; i++) {
    const end = i === chunks - 1
      ? bytes.length
      : Math.min(bytes.length, at + 1 + Math.floor(random() * bytes.length));
    if (transport.isClosed) break; // the connection gave up on the broker already
    transport.push(bytes.subarray(at, end));
    at = end;
    await flush();
  }
  if (at < bytes.length && !transport.isClosed) transport.push(bytes.subarray(at));
  await flush(20);
  // Whatever arrived, the timeout ends the wait.
  timers.advance(1001);
  await flush(20);
  assert.ok(pending.settled, "the request settled");
  connection.close();
  await flush();
  const outcome = await pending.outcome;
  return outcome.status === "rejected" ? outcome.reason : undefined;
}

test("a valid Produce response decodes (the baseline the fuzz mutates)", async () => {
  const error = await feed(produceResponse(0), 3);
  assert.equal(error, undefined);
});

test("bit-flipped and truncated Produce responses end in a typed error or a response", async () => {
  const valid = produceResponse(0);
  for (let round = 0; round < 400; round++) {
    const bytes = valid.slice(
      0,
      round % 4 === 0 ? Math.floor(random() * valid.length) : valid.length,
    );
    const flips = 1 + Math.floor(random() * 3);
    for (let k = 0; k < flips && bytes.length > 0; k++) {
      bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
    }
    const error = await feed(bytes, 1 + Math.floor(random() * 4));
    assert.ok(error === undefined || isTyped(error), `round ${round}: ${String(error)}`);
  }
});

test("random frames end in a typed error", async () => {
  for (let round = 0; round < 200; round++) {
    const bytes = new Uint8Array(1 + Math.floor(random() * 64)).map(() =>
      Math.floor(random() * 256)
    );
    const error = await feed(bytes, 1 + Math.floor(random() * 3));
    assert.ok(isTyped(error), `round ${round}: ${String(error)}`);
  }
});

test("a frame claiming 2 GiB is refused at once, not allocated", async () => {
  const frame = new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
  const error = await feed(frame, 1);
  assert.ok(error instanceof KafkaProtocolError, String(error));
});
