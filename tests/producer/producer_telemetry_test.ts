/**
 * The sender's reports become Java-named metrics and typed events: a record counts as
 * sent once however often its batch is retried, averages are over requests and batches
 * as Java's, each retry and throttle and epoch bump is an event, and the logger gets
 * the same at its level.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { MetadataSnapshot } from "../../src/cluster/metadata_snapshot.ts";
import type { BrokerSession } from "../../src/net/broker_pool.ts";
import type { Logger } from "../../src/producer/producer_events.ts";
import { ProducerTelemetry } from "../../src/producer/producer_telemetry.ts";
import { ManualClock } from "./_manual_clock.ts";
import { EVENT_TYPES } from "./_observed.ts";
import { senderHarness } from "./_sender_harness.ts";

function telemetry(clock: ManualClock, logger?: Logger) {
  const target = new EventTarget();
  const events: { type: string; detail: Record<string, unknown> }[] = [];
  for (const type of EVENT_TYPES) {
    target.addEventListener(type, (e) => {
      events.push({ type, detail: (e as CustomEvent).detail });
    });
  }
  const t = new ProducerTelemetry(target, {
    clock,
    logger,
    clientId: "test",
    gauges: {
      bufferTotalBytes: 1000,
      bufferAvailableBytes: () => 600,
      bufferWaiters: () => 2,
      metadataFetchedMs: () => clock.now() - 1500,
    },
    metadata: new MetadataSnapshot(null, 0),
  });
  return { t, events, of: (type: string) => events.filter((e) => e.type === type) };
}

test("a record counts once as sent however often its batch is retried; retries count each time", async () => {
  const clock = new ManualClock();
  const { t, of } = telemetry(clock);
  const h = senderHarness({ clock, observer: t });
  h.batch(0, 3);
  h.batch(1, 2);
  clock.advance(4); // the batches wait 4 ms before their first send
  await h.settle();
  assert.equal(h.requests.length, 1);
  clock.advance(10);
  h.requests[0]!.answer({
    "t-0": ErrorCode.NOT_LEADER_OR_FOLLOWER,
    "t-1": ErrorCode.NOT_LEADER_OR_FOLLOWER,
  });
  await h.settle();
  clock.advance(100); // the backoff
  await h.settle();
  assert.equal(h.requests.length, 2, "both batches go again, in one request");
  clock.advance(20);
  h.requests[1]!.answer({ "t-0": ErrorCode.REQUEST_TIMED_OUT });
  await h.settle();
  clock.advance(200);
  await h.settle();
  clock.advance(30);
  h.requests[2]!.answer({});
  await h.settle();
  assert.equal(h.delivered.length, 2);

  const m = t.metrics.snapshot();
  assert.equal(m["record-send-total"], 5, "5 records written, each counted once");
  assert.equal(m["record-retry-total"], 5 + 3, "both batches once, then the first again");
  assert.equal(m["record-error-total"], 0);
  assert.equal(m["record-ack-total"], 0, "the harness's outcome is not the telemetry's");
  for (const { batch } of h.delivered) t.delivered(batch);
  assert.equal(t.metrics.snapshot()["record-ack-total"], 5);
  assert.equal(t.metrics.snapshot()["byte-ack-total"], 64 + 65);
  assert.equal(m["records-per-request-avg"], (5 + 5 + 3) / 3, "over requests, retries included");
  assert.equal(m["request-latency-avg"], (10 + 20 + 30) / 3);
  assert.equal(m["request-latency-max"], 30);
  assert.equal(m["requests-in-flight"], 0);
  assert.equal(m["batch-size-avg"], (64 + 65) / 2, "over batches, each once");
  assert.equal(m["batch-size-max"], 65);
  assert.equal(m["record-queue-time-avg"], 4, "from creation to the first send only");
  assert.equal(m["record-queue-time-max"], 4);
  assert.deepEqual(m.topics.t, {
    "record-send-total": 5,
    "byte-total": 64 + 65,
    "record-retry-total": 8,
    "record-error-total": 0,
  });
  assert.equal(m["buffer-total-bytes"], 1000);
  assert.equal(m["buffer-available-bytes"], 600);
  assert.equal(m["waiting-threads"], 2);
  assert.equal(m["metadata-age"], 1.5);

  const retries = of("retry");
  assert.equal(retries.length, 3, "one event per batch sent again");
  assert.deepEqual(retries[0]!.detail, {
    topic: "t",
    partition: 0,
    attempt: 1,
    error: "NOT_LEADER_OR_FOLLOWER",
    message: retries[0]!.detail.message,
    records: 3,
    backoffMs: 100,
  });
  assert.deepEqual(retries.map((r) => [r.detail.partition, r.detail.attempt, r.detail.error]), [
    [0, 1, "NOT_LEADER_OR_FOLLOWER"],
    [1, 1, "NOT_LEADER_OR_FOLLOWER"],
    [0, 2, "REQUEST_TIMED_OUT"],
  ]);
});

test("a throttled response is a throttle event and counts in produce-throttle-time", async () => {
  const clock = new ManualClock();
  const { t, of } = telemetry(clock);
  const h = senderHarness({ clock, observer: t });
  h.batch(0);
  await h.settle();
  h.requests[0]!.answer({}, 0n, 250);
  h.batch(0);
  await h.settle();
  h.requests[1]!.answer({}, 1n, 0);
  await h.settle();
  assert.deepEqual(of("throttle").map((e) => e.detail), [
    { nodeId: 1, address: "fake:1", throttleTimeMs: 250 },
  ]);
  const m = t.metrics.snapshot();
  assert.equal(m["produce-throttle-time-max"], 250);
  assert.equal(m["produce-throttle-time-avg"], 125);
});

test("an epoch bump is an epoch-bump event naming the error that broke the sequences", async () => {
  const clock = new ManualClock();
  const { t, of } = telemetry(clock);
  const h = senderHarness({ clock, observer: t, partitions: 1 });
  h.batch(0);
  await h.settle();
  h.requests[0]!.answer({ "t-0": ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER });
  await h.settle();
  assert.deepEqual(of("epoch-bump").map((e) => e.detail), [
    { producerId: "42", previousEpoch: 0, epoch: 1, reason: "OUT_OF_ORDER_SEQUENCE_NUMBER" },
  ]);
});

test("records failed for good count per topic, and are an error event unless failed one by one", () => {
  const clock = new ManualClock();
  const { t, of } = telemetry(clock);
  const error = new Error("gone");
  t.failed("a", 2, 10, error, true);
  t.failed("a", 1, 1, error, false);
  t.failed("b", null, 4, "not an Error", true);
  const m = t.metrics.snapshot();
  assert.equal(m["record-error-total"], 15);
  assert.equal(m.topics.a!["record-error-total"], 11);
  assert.equal(m.topics.b!["record-error-total"], 4);
  assert.deepEqual(of("error").map((e) => [e.detail.topic, e.detail.partition, e.detail.records]), [
    ["a", 2, 10],
    ["b", null, 4],
  ]);
  assert.ok(of("error")[1]!.detail.error instanceof Error);
  t.fatal(new Error("fenced"));
  assert.equal(of("error")[2]!.detail.fatal, true);
});

test("connections opening and closing are connect and disconnect events and counted", () => {
  const clock = new ManualClock();
  const { t, events } = telemetry(clock);
  const session = (nodeId: number) =>
    ({ nodeId, address: `h:${9000 + nodeId}` }) as unknown as BrokerSession;
  const one = session(1);
  t.brokerChanged(1, one);
  t.brokerChanged(1, one); // a failed attempt elsewhere notifies too: no change
  const two = session(2);
  t.brokerChanged(2, two);
  t.brokerChanged(1, undefined);
  const again = session(1);
  t.brokerChanged(1, again);
  assert.deepEqual(events.map((e) => [e.type, e.detail.nodeId, e.detail.address]), [
    ["connect", 1, "h:9001"],
    ["connect", 2, "h:9002"],
    ["disconnect", 1, "h:9001"],
    ["connect", 1, "h:9001"],
  ]);
  const m = t.metrics.snapshot();
  assert.equal(m["connection-count"], 2);
  assert.equal(m["connection-creation-total"], 3);
  assert.equal(m["connection-close-total"], 1);
  assert.deepEqual(t.sessions, [two, again]);
});

test("requests written count in request-total and outgoing-byte-total", () => {
  const clock = new ManualClock();
  const { t } = telemetry(clock);
  t.written(100);
  t.written(28);
  const m = t.metrics.snapshot();
  assert.equal(m["request-total"], 2);
  assert.equal(m["outgoing-byte-total"], 128);
  assert.equal(m["outgoing-byte-rate"], 128 / 30, "Java's rate: at least one window");
});

test("the logger gets each event as one line at its level, and a throwing logger changes nothing", async () => {
  const clock = new ManualClock();
  const lines: [string, string, unknown][] = [];
  const logger: Logger = {
    debug: (m, d) => void lines.push(["debug", m, d]),
    info: (m, d) => void lines.push(["info", m, d]),
    warn: (m, d) => void lines.push(["warn", m, d]),
    error: (m, d) => void lines.push(["error", m, d]),
  };
  const { t, events } = telemetry(clock, logger);
  const h = senderHarness({ clock, observer: t });
  h.batch(0, 7);
  await h.settle();
  h.requests[0]!.answer({ "t-0": ErrorCode.NOT_ENOUGH_REPLICAS }, 0n, 5);
  await h.settle();
  t.failed("t", 0, 7, new Error("boom"), true);
  assert.deepEqual(lines.map(([level, line]) => [level, line.replace(/: Kafka broker.*/, "")]), [
    ["info", "[Producer clientId=test] Throttled 5 ms by broker 1 at fake:1"],
    [
      "warn",
      "[Producer clientId=test] Retrying 7 records of t-0 in 100 ms: attempt 1 failed with NOT_ENOUGH_REPLICAS",
    ],
    ["error", "[Producer clientId=test] 7 records of t-0 failed: boom"],
  ]);
  assert.equal(lines[1]![2], events[1]!.detail, "the detail logged is the event's");

  const throwing = telemetry(clock, {
    debug() {
      throw new Error("x");
    },
    info() {
      throw new Error("x");
    },
    warn() {
      throw new Error("x");
    },
    error() {
      throw new Error("x");
    },
  });
  throwing.t.failed("t", 0, 1, new Error("boom"), true);
  assert.equal(throwing.of("error").length, 1, "the event is still dispatched");
});
