/**
 * Version negotiation with an older broker: a 3-node Apache Kafka 3.9 (beside the
 * default 4.x cluster, on other ports) takes Produce up to v11 and Metadata up to v12,
 * where 4.x goes to v13. The producer must pick the highest version both sides speak
 * and deliver exactly as with 4.x, checked with the Java consumer of 3.9.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { runCluster } from "../kafka/cluster.ts";
import { kafkaSink, partitionForKey } from "../../mod.ts";
import { openBrokerSession } from "../../src/net/broker_pool.ts";
import { ApiKey } from "../../src/protocol/api.ts";

const OFFSET = 1000;
const env = { KAFKA_TEST_PORT_OFFSET: String(OFFSET), KAFKA_TEST_HOME: "/tmp/webstream-kafka-39" };
const bootstrap = [1, 2, 3].map((n) => `127.0.0.1:${19091 + OFFSET + n}`);
const dec = new TextDecoder();

describe("kafka 3.9 version negotiation", () => {
  let available = false;
  before(async () => {
    try {
      await runCluster(["start", "3.9"], { env, timeoutMs: 600_000 });
      available = true;
    } catch (error) {
      if (process.env.KAFKA_REQUIRED === "1") throw error;
      console.error(
        `!! Kafka 3.9 cluster could not start; skipping: ${String(error).split("\n")[0]}`,
      );
    }
  }, { timeout: 600_000 });
  after(async () => {
    await runCluster(["stop"], { env }).catch(() => {});
  }, { timeout: 120_000 });

  test(
    "the producer negotiates Produce v11 and Metadata v12 with Kafka 3.9",
    { timeout: 60_000 },
    async (t) => {
      if (!available) return t.skip("Kafka 3.9 is not running");
      const [host, port] = bootstrap[0]!.split(":");
      const session = await openBrokerSession(host!, Number(port), -1, {
        bootstrap: [],
        clientId: "negotiation-test",
        connect: undefined,
        tls: undefined,
        sasl: undefined,
        connectTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        maxInFlight: 5,
        reconnectBackoffMs: 50,
        reconnectBackoffMaxMs: 1000,
      });
      try {
        assert.equal(session.versions.get(ApiKey.Produce), 11);
        assert.equal(session.versions.get(ApiKey.Metadata), 12);
        // 3.9 lists ApiVersions v0-v4; the first request went out as v3, later ones may use v4.
        assert.equal(session.versions.get(ApiKey.ApiVersions), 4);
      } finally {
        session.connection.close();
      }
    },
  );

  test("kafkaSink() delivers to Kafka 3.9 once each, in order, on Java's partition", {
    timeout: 180_000,
  }, async (t) => {
    if (!available) return t.skip("Kafka 3.9 is not running");
    const topic = `v39-${Date.now().toString(36)}`;
    await runCluster(["create-topic", topic, "6", "3"], { env });
    const count = 10_000;
    await ReadableStream.from(
      Array.from({ length: count }, (_, i) => ({ key: `key-${i % 100}`, value: `v-${i}` })),
    )
      .pipeTo(kafkaSink({ bootstrap, topic }));
    const lines: string[] = [];
    await runCluster([
      "readback",
      topic,
      "--isolation",
      "read_uncommitted",
      "--timeout-ms",
      "60000",
    ], {
      env,
      timeoutMs: 120_000,
      onLine: (line) => void (line.length > 0 && lines.push(dec.decode(line))),
    });
    const seen = new Set<number>();
    const last = new Map<string, number>();
    for (const line of lines) {
      const r = JSON.parse(line) as { partition: number; key: string; value: string };
      const key = atob(r.key);
      const id = Number(atob(r.value).slice(2));
      assert.ok(!seen.has(id), `record ${id} stored twice`);
      seen.add(id);
      assert.equal(r.partition, partitionForKey(new TextEncoder().encode(key), 6));
      assert.ok((last.get(key) ?? -1) < id, `key ${key} out of order`);
      last.set(key, id);
    }
    assert.equal(seen.size, count);
  });
});
