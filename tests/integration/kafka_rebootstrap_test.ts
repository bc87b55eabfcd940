/**
 * Rebootstrap against real Kafka: a producer knows the cluster only by three names
 * that never resolve (mapped by the `connect` option to whichever cluster stands
 * behind them, as DNS would be). It writes to the local 3-node cluster, which is then
 * killed whole; a second, new 3-node cluster (other ports, another cluster id, the
 * same broker ids) comes up and the names point to it. The records written meanwhile
 * must all land on the new cluster, once each, in order per key, with nothing of them
 * on the old one. The old cluster is started again on its data afterwards.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  bootstrapServers,
  createTopic,
  portOffset,
  readBack,
  type ReadBackRecord,
  runCluster,
  startAgain,
  stopAllKeepData,
  uniqueTopic,
} from "../kafka/cluster.ts";
import { createProducer, defaultConnect, partitionForKey, type Producer } from "../../mod.ts";
import { kafkaReady } from "./kafka_setup.ts";

const PARTITIONS = 3;
const COUNT = 500;
const NAMES = ["kafka-1.invalid", "kafka-2.invalid", "kafka-3.invalid"];
// Ports that no listener of the first cluster uses (its own sit at 92-94 in each hundred).
const NEW_OFFSET = portOffset + 777;
const NEW_ENV = {
  KAFKA_TEST_PORT_OFFSET: String(NEW_OFFSET),
  KAFKA_TEST_HOME: `${process.env.KAFKA_TEST_HOME ?? "/tmp/webstream-kafka"}-rebootstrap`,
};
const NEW_BROKERS = [1, 2, 3].map((n) => `127.0.0.1:${19091 + NEW_OFFSET + n}`);
const dec = new TextDecoder();

const keyOf = (i: number) => `key-${i % 37}`;

async function send(producer: Producer<string, string>, from: number, to: number) {
  const sends = [];
  for (let i = from; i < to; i++) sends.push(producer.send({ key: keyOf(i), value: `v${i}` }));
  await Promise.all(sends);
}

/** The records of `from`..`to`, once each, on their key's partition, in order per key. */
function checkOnce(read: readonly ReadBackRecord[], from: number, to: number): void {
  const ids = read.map((r) => Number(dec.decode(r.value!).slice(1)));
  assert.deepEqual(
    [...ids].sort((a, b) => a - b),
    Array.from({ length: to - from }, (_, i) => from + i),
  );
  const last = new Map<string, number>();
  for (const [i, r] of read.entries()) {
    const id = ids[i]!;
    assert.equal(r.partition, partitionForKey(r.key!, PARTITIONS));
    const previous = last.get(keyOf(id)) ?? -1;
    assert.ok(previous < id, `${keyOf(id)}: ${id} stored after ${previous}`);
    last.set(keyOf(id), id);
  }
}

describe("kafka rebootstrap", () => {
  let available = false;
  let replaced = false;
  before(async () => {
    available = await kafkaReady();
  }, { timeout: 600_000 });
  after(async () => {
    if (!replaced) return;
    await runCluster(["stop"], { env: NEW_ENV }).catch(() => {});
    await startAgain({ waitInSync: true });
  }, { timeout: 600_000 });

  test(
    "a cluster replaced whole behind the bootstrap names: the records written meanwhile land on the new one, once each",
    {
      timeout: 600_000,
    },
    async (t) => {
      if (!available) return t.skip("Kafka is not running");
      const topic = uniqueTopic("rebootstrap");
      await createTopic(topic, PARTITIONS, 3, { "min.insync.replicas": 2 });
      let targets = bootstrapServers;
      const producer = createProducer<string, string>({
        bootstrap: NAMES.map((name) => `${name}:9092`),
        topic,
        lingerMs: 2,
        deliveryTimeoutMs: 300_000,
        maxBlockMs: 300_000,
        connect: (options) => {
          const i = NAMES.indexOf(options.host);
          if (i < 0) return defaultConnect(options);
          const [host, port] = targets[i]!.split(":");
          return defaultConnect({ ...options, host: host!, port: Number(port) });
        },
      });
      try {
        await send(producer, 0, COUNT);
        replaced = true;
        await stopAllKeepData({ kill: true });
        // Written while no broker answers; the new cluster takes a while to come up.
        const meanwhile = send(producer, COUNT, 2 * COUNT);
        await runCluster(["start"], { env: NEW_ENV, timeoutMs: 600_000 });
        await runCluster(
          ["create-topic", topic, String(PARTITIONS), "3", "--config", "min.insync.replicas=2"],
          { env: NEW_ENV },
        );
        targets = NEW_BROKERS;
        await meanwhile;
        await send(producer, 2 * COUNT, 3 * COUNT);
      } finally {
        await producer.close();
      }
      const read: ReadBackRecord[] = [];
      const { stdout } = await runCluster(["readback", topic, "--timeout-ms", "120000"], {
        env: NEW_ENV,
        timeoutMs: 180_000,
      });
      for (const line of stdout.split("\n")) {
        if (line === "") continue;
        const o = JSON.parse(line) as { partition: number; key: string; value: string };
        read.push({
          partition: o.partition,
          offset: 0n,
          timestamp: 0n,
          timestampType: "CREATE_TIME",
          key: Uint8Array.from(atob(o.key), (c) => c.charCodeAt(0)),
          value: Uint8Array.from(atob(o.value), (c) => c.charCodeAt(0)),
          headers: [],
        });
      }
      checkOnce(read, COUNT, 3 * COUNT);
      await runCluster(["stop"], { env: NEW_ENV });
      await startAgain({ waitInSync: true });
      replaced = false;
      checkOnce(await readBack(topic), 0, COUNT);
    },
  );
});
