import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { type ConnectFunction, createProducer, defaultConnect, type Producer } from "../../mod.ts";
import { startTestBroker, type TestBroker } from "../../src/testing.ts";

// The producer knows the cluster by two names that never resolve; the connect option
// maps them to whichever cluster stands behind them now, as DNS would after a cluster
// is replaced. The brokers themselves advertise their real 127.0.0.1 ports.
const NAMES = ["kafka-1.invalid", "kafka-2.invalid"];
const BOOTSTRAP = NAMES.map((name) => `${name}:9092`);

function behindNames(): {
  connect: ConnectFunction;
  point(broker: TestBroker): void;
  dialed: string[];
} {
  let targets: string[] = [];
  const dialed: string[] = [];
  return {
    dialed,
    point(broker) {
      targets = broker.bootstrap;
    },
    connect(options) {
      dialed.push(`${options.host}:${options.port}`);
      const i = NAMES.indexOf(options.host);
      if (i < 0) return defaultConnect(options);
      const [host, port] = targets[i % targets.length]!.split(":");
      return defaultConnect({ ...options, host: host!, port: Number(port) });
    },
  };
}

const values = (broker: TestBroker, topic = "t") =>
  broker.records(topic).map((r) => new TextDecoder().decode(r.value!));

async function sendAll(producer: Producer<string, string>, from: number, count: number) {
  const sends = [];
  for (let i = from; i < from + count; i++) {
    sends.push(producer.send({ key: `k${i % 7}`, value: `r${i}` }));
  }
  return await Promise.all(sends);
}

/** Listeners on `addresses` that accept connections and never answer (a hung cluster). */
async function blackHoles(addresses: string[]): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  for (const address of addresses) {
    const [host, port] = address.split(":");
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
      socket.resume();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(Number(port), host, resolve);
    });
    servers.push(server);
  }
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

test("a producer goes on when its whole cluster is replaced behind the bootstrap names, nothing lost or stored twice", async () => {
  const names = behindNames();
  const lines: string[] = [];
  const log = (message: string) => void lines.push(message);
  const logger = { debug: log, info: log, warn: log, error: log };
  const first = await startTestBroker({ brokers: 2, topics: { t: 3 } });
  names.point(first);
  await using producer = createProducer<string, string>({
    bootstrap: BOOTSTRAP,
    topic: "t",
    connect: names.connect,
    lingerMs: 0,
    requestTimeoutMs: 5000,
    deliveryTimeoutMs: 15_000,
    logger,
  });
  await sendAll(producer, 0, 50);
  assert.deepEqual(values(first).sort(), Array.from({ length: 50 }, (_, i) => `r${i}`).sort());
  await first.close();

  // Sent while no broker is up; the new cluster comes up on other ports a moment later.
  const later = sendAll(producer, 50, 50);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await using second = await startTestBroker({ brokers: 2, topics: { t: 3 } });
  assert.notDeepEqual(second.bootstrap, first.bootstrap);
  names.point(second);
  const started = Date.now();
  const sent = await later;
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.ok(
    lines.some((l) =>
      /rebootstrap: no known broker can be reached; starting again from kafka-1\.invalid:9092, kafka-2\.invalid:9092/
        .test(l)
    ),
    lines.join("\n"),
  );
  // Each record once, on the partition its key gives, in write order per partition.
  const stored = values(second);
  assert.deepEqual([...stored].sort(), Array.from({ length: 50 }, (_, i) => `r${i + 50}`).sort());
  for (let p = 0; p < 3; p++) {
    const expected = sent.map((m, i) => ({ m, v: `r${i + 50}` })).filter(({ m }) =>
      m.partition === p
    )
      .map(({ v }) => v);
    assert.deepEqual(
      values(second).filter((_, i) => second.records("t")[i]!.partition === p),
      expected,
    );
  }
});

test('metadataRecoveryStrategy "none" keeps to the brokers learnt: the replaced cluster is not found', async () => {
  const names = behindNames();
  const first = await startTestBroker({ brokers: 2, topics: { t: 3 } });
  names.point(first);
  await using producer = createProducer<string, string>({
    bootstrap: BOOTSTRAP,
    topic: "t",
    connect: names.connect,
    metadataRecoveryStrategy: "none",
    lingerMs: 0,
    requestTimeoutMs: 1000,
    deliveryTimeoutMs: 3000,
  });
  await sendAll(producer, 0, 5);
  await first.close();
  await using second = await startTestBroker({ brokers: 2, topics: { t: 3 } });
  names.point(second);
  const bootstrapDials = names.dialed.filter((a) => BOOTSTRAP.includes(a)).length;
  await assert.rejects(sendAll(producer, 5, 5));
  assert.equal(names.dialed.filter((a) => BOOTSTRAP.includes(a)).length, bootstrapDials);
  assert.equal(second.records("t").length, 0);
});

test("metadataRecoveryRebootstrapTriggerMs: brokers that accept connections and never answer are left for the bootstrap names", async () => {
  const names = behindNames();
  const first = await startTestBroker({ brokers: 2, topics: { t: 3 } });
  names.point(first);
  await using producer = createProducer<string, string>({
    bootstrap: BOOTSTRAP,
    topic: "t",
    connect: names.connect,
    lingerMs: 0,
    requestTimeoutMs: 20_000,
    metadataRecoveryRebootstrapTriggerMs: 1500,
  });
  await sendAll(producer, 0, 10);
  const old = first.bootstrap;
  await first.close();
  // The old brokers' addresses now take connections and never answer.
  const holes = await blackHoles(old);
  try {
    await using second = await startTestBroker({ brokers: 2, topics: { u: 2 } });
    names.point(second);
    // Topic u is only on the new cluster: its metadata waits on the old brokers until
    // the trigger, well before their requests would time out (20 s).
    const started = Date.now();
    await producer.send({ topic: "u", value: "after the trigger" });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400 && elapsed < 10_000, `took ${elapsed} ms`);
    assert.deepEqual(values(second, "u"), ["after the trigger"]);
  } finally {
    await holes.close();
  }
});

test("a Metadata answer REBOOTSTRAP_REQUIRED sends the producer back to its bootstrap names at once", async () => {
  const names = behindNames();
  await using first = await startTestBroker({ brokers: 2, topics: { t: 1 } });
  names.point(first);
  await using producer = createProducer<string, string>({
    bootstrap: BOOTSTRAP,
    topic: "t",
    connect: names.connect,
    lingerMs: 0,
    maxBlockMs: 5000,
  });
  await producer.send({ value: "to the first cluster" });
  await using second = await startTestBroker({ brokers: 1, topics: { u: 1 } });
  names.point(second);
  first.faults.failNext("Metadata", "REBOOTSTRAP_REQUIRED", { count: 2 });
  // Topic u is only on the second cluster: only a rebootstrap finds it.
  const sent = await producer.send({ topic: "u", value: "to the second cluster" });
  assert.equal(sent.offset, 0n);
  assert.deepEqual(values(second, "u"), ["to the second cluster"]);
});
