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

async function producerLife(compression: "none" | "gzip"): Promise<void> {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("t", 6, 3);
    // gzip: on Deno its batches go through workers; no op may be left for their answers
    // (the sanitizers do not see workers: lifecycle_test checks those end with close()).
    const producer = createProducer({
      bootstrap: mock.bootstrap,
      topic: "t",
      maxBlockMs: 500,
      compression,
    });
    await producer.send(Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    await producer.send({ topic: "missing-topic", value: "x" }).catch(() => {});
    await mock.pushErrors(0, [6, 13]);
    await producer.send({ key: "after-errors", value: "x" });
    await producer.close();
  } finally {
    await mock.close();
  }
}

for (const compression of ["none", "gzip"] as const) {
  const name =
    `a producer's life leaves no op or resource behind, compression ${compression} (Deno sanitizers)`;
  if (deno !== undefined) {
    deno.test({
      name,
      sanitizeOps: true,
      sanitizeResources: true,
      fn: () => producerLife(compression),
    });
  } else {
    test(name, (t) => {
      t.skip("Deno only; tests/producer/lifecycle_test.ts covers this runtime");
    });
  }
}
