/**
 * Runs the whole suite on one runtime, fast tests first: the unit tests and the test
 * broker (with the clients that judge it), then the suites that need a real Kafka or
 * librdkafka's mock cluster. A Kafka cluster the suites start (tests/kafka) is stopped
 * at the end unless `--keep-kafka`; one that was already running is left as it was.
 *
 *   deno run -A tests/run.ts               (what `deno task test` runs after the doc tests)
 *   bun tests/run.ts
 *   node tests/run.ts
 *   deno run -A tests/run.ts --only fast   (or slow) [--keep-kafka]
 *
 * Exits non-zero when any test failed.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { kafkaAvailable, stopCluster } from "./kafka/cluster.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const keepKafka = args.includes("--keep-kafka");
const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** Test files that need a real Kafka or the mock cluster. */
const SLOW = /kafka\/cluster\.ts|kafka_setup|mock\/mock_cluster|KAFKA_BOOTSTRAP/;

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (name.endsWith("_test.ts")) out.push(relative(root, path));
  }
  return out;
}

function run(files: string[]): boolean {
  if (files.length === 0) return true;
  const command = runtime === "deno"
    ? ["deno", ["test", "-A", ...files]]
    : runtime === "bun"
    ? ["bun", ["test", "--timeout", "600000", ...files]]
    // One file at a time, as Deno and Bun run them: the slow suites share one Kafka cluster
    // (and one of them changes its transaction.version for a while).
    : ["node", ["--test", "--test-concurrency=1", "--test-timeout=600000", ...files]];
  const [bin, argv] = command as [string, string[]];
  const result = spawnSync(process.execPath.includes(bin) ? process.execPath : bin, argv, {
    cwd: root,
    stdio: "inherit",
  });
  return result.status === 0;
}

const files = testFiles(join(root, "tests"));
const slow = files.filter((f) => SLOW.test(readFileSync(join(root, f), "utf8")));
const fast = files.filter((f) => !slow.includes(f));
const kafkaWasUp = await kafkaAvailable();
let ok = true;
if (only !== "slow") {
  console.log(`\n=== fast tests on ${runtime}: ${fast.length} files`);
  ok = run(fast) && ok;
}
if (only !== "fast") {
  console.log(`\n=== slow tests on ${runtime} (real Kafka, mock cluster): ${slow.length} files`);
  ok = run(slow) && ok;
}
if (!kafkaWasUp && !keepKafka && (await kafkaAvailable())) {
  console.log("\n=== stopping the Kafka cluster the tests started (--keep-kafka keeps it)");
  await stopCluster();
}
process.exit(ok ? 0 : 1);
