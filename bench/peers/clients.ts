/**
 * The clients bench/peers.ts compares, each as a command line for one run, and how
 * to read what each printed:
 *
 * - `ours-deno`, `ours-bun`: bench/peers/ours_client.ts on that runtime.
 * - `source-deno`, `source-bun`: the same records piped into a `WritableStream`
 *   that does nothing (no producer): what the user's source and the runtime's
 *   streams take alone.
 * - `platformatic-bun`, `platformatic-deno`: @platformatic/kafka (npm, pinned
 *   {@link PLATFORMATIC_VERSION}, installed under BENCH_HOME) through
 *   bench/peers/platformatic_client.ts.
 * - `librdkafka`: bench/peers/rdkafka_producer.c on the system librdkafka.
 * - `java`: Kafka's own `org.apache.kafka.tools.ProducerPerformance` from the jars
 *   tests/kafka/cluster.sh resolves (real Kafka only). It sends null keys and one
 *   100-byte value over and over, so it runs the `bytes` workloads only.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { KeyKind, ValueKind } from "./workload.ts";
import { type ClientCommand, lastJsonLine } from "./measure.ts";

/** The @platformatic/kafka release the bench installs. */
export const PLATFORMATIC_VERSION = "2.12.1";

/** Every client, in the order runs interleave them. */
export const CLIENT_IDS = [
  "ours-deno",
  "ours-bun",
  "source-deno",
  "source-bun",
  "platformatic-deno",
  "platformatic-bun",
  "librdkafka",
  "java",
] as const;

/** A client's name. */
export type ClientId = typeof CLIENT_IDS[number];

/** What one run does. */
export interface RunSpec {
  mode: "throughput" | "latency";
  records: number;
  acks: "1" | "all";
  idempotent: boolean;
  batchBytes: number | undefined;
  keys: KeyKind;
  values: ValueKind;
  compression: string;
  warmup: number;
}

/** Where the bench keeps what it builds and installs. */
export const BENCH_HOME: string = process.env.BENCH_HOME ?? "/tmp/webstream-bench";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..", "..");
const npmDir = join(BENCH_HOME, "npm");
const platformaticEntry = join(npmDir, "node_modules/@platformatic/kafka/dist/index.js");

/**
 * Builds rusage and rdkafka_producer (bench/peers/build.sh).
 *
 * @returns The directory holding both.
 */
export function buildNative(): string {
  const out = execFileSync("bash", [join(here, "build.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, BENCH_HOME },
  });
  return out.trim().split("\n").pop()!;
}

/**
 * Installs @platformatic/kafka {@link PLATFORMATIC_VERSION} with npm under
 * BENCH_HOME unless that version is there already. Deno finds its dependencies
 * through the package.json written beside node_modules.
 */
export function installPlatformatic(): void {
  const manifest = join(npmDir, "node_modules/@platformatic/kafka/package.json");
  const installed = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version
    : undefined;
  if (installed === PLATFORMATIC_VERSION) return;
  execFileSync("mkdir", ["-p", npmDir]);
  writeFileSync(
    join(npmDir, "package.json"),
    JSON.stringify({
      private: true,
      dependencies: { "@platformatic/kafka": PLATFORMATIC_VERSION },
    }) + "\n",
  );
  console.error(`[peers] npm install @platformatic/kafka@${PLATFORMATIC_VERSION}`);
  execFileSync("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    "--prefix",
    npmDir,
    `@platformatic/kafka@${PLATFORMATIC_VERSION}`,
  ], { stdio: ["ignore", "inherit", "inherit"] });
}

/** The Java classpath and log config of the Kafka tools, from tests/kafka's cache. */
export interface JavaTools {
  classpath: string;
  log4j: string;
}

/**
 * Resolves Kafka's jars (`cluster.sh install`, a no-op when cached) and finds the
 * classpath it wrote.
 *
 * @returns The classpath and the tools' log4j2 config.
 */
export function javaTools(): JavaTools {
  execFileSync("bash", [join(repoRoot, "tests/kafka/cluster.sh"), "install"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const home = process.env.KAFKA_TEST_HOME ?? "/tmp/webstream-kafka";
  const versionFile = join(home, "cluster/version");
  const versions = readdirSync(join(home, "cache")).sort();
  const version = existsSync(versionFile)
    ? readFileSync(versionFile, "utf8").trim()
    : versions[versions.length - 1]!;
  const cache = join(home, "cache", version);
  const file = readdirSync(cache).find((f) => /^classpath-.*\.txt$/.test(f));
  if (file === undefined) throw new Error(`Cannot find Kafka's classpath in ${cache}`);
  return {
    classpath: readFileSync(join(cache, file), "utf8").trim(),
    log4j: join(cache, "tools-log4j2.properties"),
  };
}

/** Paths the command lines need. */
export interface ClientEnv {
  binDir: string;
  java: JavaTools | undefined;
}

/**
 * Whether `client` can run `spec` on `target`.
 *
 * @param client The client.
 * @param spec The run.
 * @param target "mock" or "kafka".
 * @returns Why not, or undefined when it can.
 */
export function unsupported(client: ClientId, spec: RunSpec, target: string): string | undefined {
  if (client.startsWith("source") && spec.mode !== "throughput") return "no producer to wait for";
  if (client === "java") {
    if (target !== "kafka") return "ProducerPerformance runs on the real cluster only";
    if (spec.mode === "latency") return "ProducerPerformance has no lone-send mode";
    if (spec.values !== "bytes" || spec.compression !== "none") {
      return "ProducerPerformance sends one fixed byte value";
    }
  }
  return undefined;
}

/**
 * The command line of one run of `client`.
 *
 * @param client The client.
 * @param spec The run.
 * @param bootstrap The brokers.
 * @param topic The run's topic.
 * @param env Paths.
 * @returns The command.
 */
export function clientCommand(
  client: ClientId,
  spec: RunSpec,
  bootstrap: readonly string[],
  topic: string,
  env: ClientEnv,
): ClientCommand {
  const common = [
    "--bootstrap",
    bootstrap.join(","),
    "--topic",
    topic,
    "--records",
    String(spec.records),
    "--acks",
    spec.acks,
    "--idempotent",
    spec.idempotent ? "1" : "0",
    "--keys",
    spec.keys,
    "--values",
    spec.values,
    "--compression",
    spec.compression,
    "--mode",
    spec.mode,
    "--warmup",
    String(spec.warmup),
  ];
  const batch = spec.batchBytes === undefined ? [] : ["--batch-bytes", String(spec.batchBytes)];
  const deno = process.env.DENO_BIN ?? "deno";
  const bun = process.env.BUN_BIN ?? "bun";
  const ours = join(here, "ours_client.ts");
  const platformatic = join(here, "platformatic_client.ts");
  switch (client) {
    case "ours-deno":
      return { command: deno, args: ["run", "-A", ours, ...common, ...batch] };
    case "ours-bun":
      return { command: bun, args: [ours, ...common, ...batch] };
    case "source-deno":
      return { command: deno, args: ["run", "-A", ours, ...common, "--sink", "none"] };
    case "source-bun":
      return { command: bun, args: [ours, ...common, "--sink", "none"] };
    case "platformatic-deno":
      return {
        command: deno,
        args: [
          "run",
          "-A",
          "--node-modules-dir=manual",
          platformatic,
          "--module",
          platformaticEntry,
          ...common,
        ],
        cwd: npmDir,
      };
    case "platformatic-bun":
      return {
        command: bun,
        args: [platformatic, "--module", platformaticEntry, ...common],
        cwd: npmDir,
      };
    case "librdkafka":
      return {
        command: join(env.binDir, "rdkafka_producer"),
        args: [...common, ...batch],
      };
    case "java": {
      if (env.java === undefined) throw new Error("Cannot run java as its jars are not resolved");
      const props = [
        `bootstrap.servers=${bootstrap.join(",")}`,
        `acks=${spec.acks}`,
        `enable.idempotence=${spec.idempotent}`,
        "linger.ms=5",
        "buffer.memory=33554432",
      ];
      if (spec.batchBytes !== undefined) props.push(`batch.size=${spec.batchBytes}`);
      return {
        command: "java",
        args: [
          `-Dlog4j2.configurationFile=${env.java.log4j}`,
          "-cp",
          env.java.classpath,
          "org.apache.kafka.tools.ProducerPerformance",
          "--topic",
          topic,
          "--num-records",
          String(spec.records),
          "--record-size",
          "100",
          "--throughput",
          "-1",
          "--producer-props",
          ...props,
        ],
      };
    }
  }
}

/** What a client's run measured, from its own clock and output. */
export interface ClientReport {
  seconds?: number;
  cpuTimedS?: number;
  latenciesMs?: number[];
}

/**
 * Reads a client's output.
 *
 * @param client The client.
 * @param stdout What it printed.
 * @returns What it measured.
 */
export function parseReport(client: ClientId, stdout: string): ClientReport {
  if (client === "java") {
    // "1000000 records sent, 125000.0 records/sec (11.92 MB/sec), ..."
    const lines = stdout.trim().split("\n");
    const m = /^(\d+) records sent, ([\d.]+) records\/sec/.exec(lines[lines.length - 1] ?? "");
    if (!m) throw new Error(`Cannot read ProducerPerformance's summary: ${stdout.slice(-500)}`);
    return { seconds: Number(m[1]) / Number(m[2]) };
  }
  const json = lastJsonLine(stdout) as (ClientReport & { failed?: number }) | undefined;
  if (json === undefined) throw new Error(`Cannot read ${client}'s output: ${stdout.slice(-500)}`);
  if (json.failed !== undefined && json.failed > 0) {
    throw new Error(`Cannot count the run as ${json.failed} records failed: ${stdout.slice(-500)}`);
  }
  return json;
}
