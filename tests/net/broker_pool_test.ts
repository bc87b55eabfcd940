/**
 * The broker pool's reconnect rules: failed attempts back off longer and longer
 * (jittered, capped), and a broker id that the metadata moves to a new address gets a
 * session there while the connection to the old address is dropped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BrokerPool, type BrokerPoolOptions } from "../../src/net/broker_pool.ts";
import { hostPort } from "../testing/_client.ts";
import { startTestBroker } from "../../src/testing.ts";

function options(overrides: Partial<BrokerPoolOptions> = {}): BrokerPoolOptions {
  return {
    bootstrap: [{ host: "127.0.0.1", port: 1 }],
    clientId: "pool-test",
    connect: undefined,
    tls: undefined,
    sasl: undefined,
    connectTimeoutMs: 2000,
    requestTimeoutMs: 5000,
    maxInFlight: 5,
    reconnectBackoffMs: 40,
    reconnectBackoffMaxMs: 2000,
    ...overrides,
  };
}

test("BrokerPool waits longer after each failed connect to a broker (exponential, capped)", async () => {
  const attempts: number[] = [];
  const pool = new BrokerPool(options({
    connect: () => {
      attempts.push(Date.now());
      return Promise.reject(new Error("connection refused"));
    },
  }));
  pool.setBrokers(new Map([[1, { nodeId: 1, host: "10.0.0.1", port: 9092, rack: null }]]));
  try {
    for (let i = 0; i < 5; i++) await pool.session(1).catch(() => {});
  } finally {
    pool.close();
  }
  assert.equal(attempts.length, 5);
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
  // 40, 80, 160, 320 ms, each within its jitter: the last is well over twice the first.
  assert.ok(gaps[0]! >= 20, `first backoff ${gaps[0]} ms`);
  assert.ok(gaps[3]! >= 2 * gaps[0]!, `backoffs ${gaps.join(", ")} ms do not grow`);
  assert.ok(gaps[3]! < 2000, `backoffs ${gaps.join(", ")} ms past the cap`);
});

test("BrokerPool: a broker id moved to a new address gets a session there; the old connection is dropped", async () => {
  await using first = await startTestBroker();
  await using second = await startTestBroker();
  const pool = new BrokerPool(options({ bootstrap: [hostPort(first.bootstrap[0]!)] }));
  try {
    const a = hostPort(first.bootstrap[0]!);
    const b = hostPort(second.bootstrap[0]!);
    pool.setBrokers(new Map([[1, { nodeId: 1, ...a, rack: null }]]));
    const old = await pool.session(1);
    assert.equal(old.address, first.bootstrap[0]);
    pool.setBrokers(new Map([[1, { nodeId: 1, ...b, rack: null }]]));
    const moved = await pool.session(1);
    assert.equal(moved.address, second.bootstrap[0], "the session is at the new address");
    await Promise.race([
      old.connection.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error("old kept open")), 3000)),
    ]);
  } finally {
    pool.close();
  }
});
