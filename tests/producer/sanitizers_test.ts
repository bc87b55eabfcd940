/**
 * Deno's op and resource sanitizers over a producer's whole life (send, failure,
 * close): any timer, socket or pending op left behind fails the test. Deno only; on
 * Bun the lifecycle test checks the same by letting a child process end by itself.
 */
import { test } from "node:test";
import { createProducer } from "../../mod.ts";
import { startMockCluster } from "../mock/mock_cluster.ts";

interface DenoTest {
  test(options: {
    name: string;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
    fn: () => Promise<void>;
  }): void;
}

const deno = (globalThis as { Deno?: DenoTest }).Deno;

async function producerLife(): Promise<void> {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("t", 6, 3);
    const producer = createProducer({ bootstrap: mock.bootstrap, topic: "t", maxBlockMs: 500 });
    await producer.send(Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    await producer.send({ topic: "missing-topic", value: "x" }).catch(() => {});
    await mock.pushErrors(0, [6, 13]);
    await producer.send({ key: "after-errors", value: "x" });
    await producer.close();
  } finally {
    await mock.close();
  }
}

if (deno !== undefined) {
  deno.test({
    name: "a producer's life leaves no op or resource behind (Deno sanitizers)",
    sanitizeOps: true,
    sanitizeResources: true,
    fn: producerLife,
  });
} else {
  test("a producer's life leaves no op or resource behind (Deno sanitizers)", (t) => {
    t.skip("Deno only; tests/producer/lifecycle_test.ts covers this runtime");
  });
}
