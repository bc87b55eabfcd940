/**
 * Shared setup of the integration suites: makes sure the local 3-node Kafka runs
 * (starting it with tests/kafka/cluster.sh when it does not), and, where it cannot,
 * says so loudly. With KAFKA_REQUIRED=1 (CI) a missing cluster fails the suite
 * instead of skipping it.
 */
import process from "node:process";
import { ensureCluster } from "../kafka/cluster.ts";

let ready: Promise<boolean> | null = null;

/**
 * Resolves true once the cluster answers; false (after a loud warning) when it
 * cannot be started and KAFKA_REQUIRED is not set.
 */
export function kafkaReady(): Promise<boolean> {
  ready ??= ensureCluster().then(
    () => true,
    (error) => {
      if (process.env.KAFKA_REQUIRED === "1") throw error;
      console.error(
        `\n${
          "!".repeat(78)
        }\n!! KAFKA INTEGRATION TESTS SKIPPED: the local cluster could not start.\n!! ${
          String(error).split("\n")[0]
        }\n!! Run \`bash tests/kafka/cluster.sh start\` (needs Java 17 and Maven), or set KAFKA_REQUIRED=1 to fail.\n${
          "!".repeat(78)
        }\n`,
      );
      return false;
    },
  );
  return ready;
}
