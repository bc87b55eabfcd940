import assert from "node:assert/strict";
import { test } from "node:test";
import { Connection } from "../../src/net/connection.ts";
import {
  eventHubsRequestLimit,
  fitToEventHubs,
  isEventHubsHost,
} from "../../src/net/event_hubs.ts";
import { echoApi, FakeTransport, flush } from "./_fakes.ts";
import { createProducer } from "../../mod.ts";

const eventHubs = (extra: Record<string, unknown> = {}) => ({
  bootstrap: [{ host: "orders.servicebus.windows.net", port: 9093 }],
  compression: "none",
  maxRequestBytes: 1_048_576,
  batchBytes: 262_144,
  metadataMaxAgeMs: 300_000,
  ...extra,
});

test("isEventHubsHost() knows Event Hubs namespaces in every cloud", () => {
  for (
    const host of [
      "a.servicebus.windows.net",
      "A.SERVICEBUS.WINDOWS.NET.",
      "b.servicebus.chinacloudapi.cn",
      "c.servicebus.usgovcloudapi.net",
    ]
  ) {
    assert.ok(isEventHubsHost(host), host);
  }
  for (const host of ["servicebus.windows.net.evil.com", "kafka.example.com", "127.0.0.1"]) {
    assert.ok(!isEventHubsHost(host), host);
  }
});

test("fitToEventHubs() applies Microsoft's advice to options not given", () => {
  const options = eventHubs();
  fitToEventHubs(options, {});
  assert.equal(options.maxRequestBytes, 1_000_000);
  assert.equal(options.metadataMaxAgeMs, 180_000);
  const given = eventHubs({ maxRequestBytes: 500_000, metadataMaxAgeMs: 60_000 });
  fitToEventHubs(given, { maxRequestBytes: 500_000, metadataMaxAgeMs: 60_000 });
  assert.equal(given.maxRequestBytes, 500_000);
  assert.equal(given.metadataMaxAgeMs, 60_000);
  const other = { ...eventHubs(), bootstrap: [{ host: "k.example.com", port: 9092 }] };
  fitToEventHubs(other, {});
  assert.equal(other.maxRequestBytes, 1_048_576, "other clusters are left alone");
});

test("fitToEventHubs() refuses what Event Hubs would close the connection over", () => {
  for (const compression of ["lz4", "snappy", "zstd"]) {
    assert.throws(
      () => fitToEventHubs(eventHubs({ compression }), {}),
      new RegExp(`accepts only compression "none" or "gzip": current value is "${compression}"`),
    );
  }
  fitToEventHubs(eventHubs({ compression: "gzip" }), {});
  assert.throws(
    () => fitToEventHubs(eventHubs({ maxRequestBytes: 1_046_528 }), { maxRequestBytes: 1_046_528 }),
    /requests of 1046528 bytes or more, so maxRequestBytes must be less .*: current value is 1046528/,
  );
  assert.throws(
    () => fitToEventHubs(eventHubs({ batchBytes: 2_000_000 }), {}),
    /so batchBytes must be less/,
  );
});

test("createProducer() fails at once for a codec Event Hubs refuses", () => {
  assert.throws(
    () => createProducer({ bootstrap: "ns.servicebus.windows.net:9093", compression: "zstd" }),
    (e: Error) =>
      e instanceof RangeError &&
      /Azure Event Hubs \(ns\.servicebus\.windows\.net\)/.test(e.message),
  );
});

test("a connection to Event Hubs refuses a request of 1,046,528 bytes instead of sending it", async () => {
  const transport = new FakeTransport();
  const limit = eventHubsRequestLimit("ns.servicebus.windows.net")!;
  // An echo request is 4 (size) + 8 (header) + 2 (null client id) + 4 bytes: 18 bytes.
  const small = new Connection(new FakeTransport(), { requestLimit: { bytes: 19, why: "x" } });
  const ok = small.request(echoApi, 1, { value: 1 }, { expectResponse: false });
  await ok;
  const tooBig = new Connection(transport, { requestLimit: { bytes: 18, why: limit.why } });
  await assert.rejects(
    tooBig.request(echoApi, 1, { value: 1 }),
    (e: Error) =>
      e instanceof RangeError &&
      /Cannot send Echo v1 request of 18 bytes to broker at unknown as Azure Event Hubs closes the connection over requests of 1046528 bytes or more/
        .test(e.message),
  );
  await flush();
  assert.equal(transport.writes.length, 0, "nothing was written");
  assert.ok(!tooBig.isClosed, "the connection stays usable");
  small.close();
  tooBig.close();
});
