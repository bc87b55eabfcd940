/**
 * The brokers bench/peers.ts measures against: librdkafka's mock cluster (a fresh
 * one of 3 brokers for every run, so no run pays for the records of another) or the
 * real 3-node Kafka of tests/kafka (a fresh topic for every run, deleted after it).
 * Either way a run's topic has 6 partitions, and what landed is read back with kcat,
 * an independent client.
 *
 * @module
 */
import { endOffsets, readBack, startMockCluster } from "../../tests/mock/mock_cluster.ts";
import {
  bootstrapServers,
  createTopic,
  deleteTopic,
  ensureCluster,
  uniqueTopic,
} from "../../tests/kafka/cluster.ts";

const INIT_PRODUCER_ID = 22;

/** The partitions of every run's topic. */
export const PARTITIONS = 6;

/** One run's topic on its brokers. */
export interface RunTopic {
  bootstrap: string[];
  topic: string;
  /** How many records the topic holds (the end offsets added up). */
  count(expected: number): Promise<number>;
  /** Every record of the topic, as kcat reads it. */
  records(): Promise<{ key: Uint8Array | null; value: Uint8Array | null }[]>;
  /** Drops the topic (or the mock cluster). */
  dispose(): Promise<void>;
}

/** Where runs go. */
export interface Target {
  name: "mock" | "kafka";
  /** A fresh topic for one run. */
  prepare(): Promise<RunTopic>;
}

async function allRecords(
  bootstrap: readonly string[],
  topic: string,
): Promise<{ key: Uint8Array | null; value: Uint8Array | null }[]> {
  const byPartition = await readBack(bootstrap, topic, { timeoutMs: 120_000 });
  return [...byPartition.values()].flat();
}

/**
 * librdkafka's mock cluster: 3 brokers, started anew for every run. It offers
 * InitProducerId up to v2 only: from v3 the request carries a producer id and epoch,
 * @platformatic/kafka sends 0 and 0 where Kafka's protocol says -1 and -1 for a new
 * producer, and the mock answers that with UNKNOWN_PRODUCER_ID (Kafka ignores them
 * for a producer without transactional id). One request per run, the same for all.
 */
export const mockTarget: Target = {
  name: "mock",
  async prepare(): Promise<RunTopic> {
    const mock = await startMockCluster({ brokers: 3 });
    const topic = "bench";
    await mock.createTopic(topic, PARTITIONS, 3);
    await mock.setApiVersion(INIT_PRODUCER_ID, 0, 2);
    return {
      bootstrap: mock.bootstrap,
      topic,
      async count(): Promise<number> {
        const ends = await endOffsets(mock.bootstrap, topic, 120_000);
        return [...ends.values()].reduce((a, b) => a + b, 0);
      },
      records: () => allRecords(mock.bootstrap, topic),
      dispose: () => mock.close(),
    };
  },
};

/**
 * The real cluster of tests/kafka (started if it does not run; set
 * KAFKA_TEST_PORT_OFFSET and KAFKA_TEST_HOME to use a cluster of your own). Topics
 * have replication 3 and min.insync.replicas 2.
 */
export const kafkaTarget: Target = {
  name: "kafka",
  async prepare(): Promise<RunTopic> {
    await ensureCluster();
    const topic = uniqueTopic("bench");
    await createTopic(topic, PARTITIONS, 3, { "min.insync.replicas": 2 });
    const bootstrap = [...bootstrapServers];
    return {
      bootstrap,
      topic,
      async count(expected: number): Promise<number> {
        // With acks=1 the followers may not have copied the last records yet, and
        // consumers stop at the high watermark: wait until it stops moving.
        const deadline = Date.now() + 60_000;
        let last = -1;
        for (;;) {
          const ends = await endOffsets(bootstrap, topic, 120_000);
          const sum = [...ends.values()].reduce((a, b) => a + b, 0);
          if (sum >= expected || (sum === last && Date.now() > deadline)) return sum;
          if (Date.now() > deadline + 60_000) return sum;
          last = sum;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      },
      records: () => allRecords(bootstrap, topic),
      dispose: () => deleteTopic(topic),
    };
  },
};
