/**
 * Clients nobody here wrote, for judging the test broker: kcat (librdkafka), Kafka's
 * own Java console tools (from the jars tests/kafka/cluster.sh resolves), and a
 * franz-go producer built from tests/integration/franz. A test whose tool is missing
 * skips loudly, with a banner on stderr; with KAFKA_REQUIRED=1 (CI) it fails instead.
 *
 * Runs on Deno and Bun; imports only `node:` built-ins and test helpers.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { parseKcatRecords, type ReadBackRecord } from "../mock/mock_cluster.ts";

const here = dirname(fileURLToPath(import.meta.url));
const clusterScript = join(here, "..", "kafka", "cluster.sh");
const franzDir = join(here, "franz");

/** What a tool run gave. */
export interface ToolRun {
  /** Its exit code (null when killed). */
  code: number | null;
  /** Its standard output, as bytes. */
  stdout: Uint8Array;
  /** Its standard error, as text. */
  stderr: string;
}

/** Options of {@link runTool}. */
export interface RunToolOptions {
  /** Bytes for its standard input (closed after them). */
  input?: string | Uint8Array;
  /** Killed after this long. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/**
 * Runs a program to its end.
 *
 * @param file The program.
 * @param args Its arguments.
 * @param options Input, timeout, environment.
 * @returns Its exit code and output.
 */
export function runTool(
  file: string,
  args: readonly string[],
  options: RunToolOptions = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    const out: Uint8Array[] = [];
    let err = "";
    child.stdout!.on("data", (d: Uint8Array) => out.push(new Uint8Array(d)));
    child.stderr!.on("data", (d) => err += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      let n = 0;
      for (const c of out) n += c.length;
      const stdout = new Uint8Array(n);
      let at = 0;
      for (const c of out) {
        stdout.set(c, at);
        at += c.length;
      }
      resolve({ code, stdout, stderr: err });
    });
    child.stdin!.on("error", () => {});
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Whether a missing tool fails the test instead of skipping it. */
export const toolsRequired: boolean = process.env.KAFKA_REQUIRED === "1";

/**
 * Skips a test loudly because a tool is missing, or fails it under KAFKA_REQUIRED=1.
 *
 * @param t The test.
 * @param tool The missing tool.
 * @param why Why it is missing.
 */
export function skipLoudly(t: TestContext, tool: string, why: string): void {
  if (toolsRequired) {
    throw new Error(`${tool} is required (KAFKA_REQUIRED=1) but unavailable: ${why}`);
  }
  const bar = "!".repeat(78);
  console.error(
    `\n${bar}\n!! TEST BROKER CHECK SKIPPED (${t.name}): ${tool} unavailable.\n!! ${why}\n!! Set KAFKA_REQUIRED=1 to fail instead.\n${bar}\n`,
  );
  t.skip(`${tool} unavailable: ${why}`);
}

let kcatChecked: Promise<string | null> | undefined;

/**
 * Whether kcat runs here.
 *
 * @returns null when it does, else why not.
 */
export function kcatMissing(): Promise<string | null> {
  kcatChecked ??= runTool("kcat", ["-V"], { timeoutMs: 10_000 }).then(
    (r) => r.code === 0 ? null : `kcat -V exited with ${r.code}`,
    (error) => `kcat not found (apt-get install kcat): ${(error as Error).message}`,
  );
  return kcatChecked;
}

/** Options of {@link kcatReadBack}. */
export interface KcatReadOptions {
  /** The isolation level. */
  isolation?: "read_committed" | "read_uncommitted";
  /** Only this partition. */
  partition?: number;
  /** More kcat arguments (e.g. `-X` security settings). */
  extra?: readonly string[];
}

/**
 * Reads every record of a topic with `kcat -C -e` (CRC checks on), byte-exact.
 *
 * @param bootstrap The brokers.
 * @param topic The topic.
 * @param options Isolation level and partition.
 * @returns The records by partition, in offset order.
 */
export async function kcatReadBack(
  bootstrap: readonly string[],
  topic: string,
  options: KcatReadOptions = {},
): Promise<Map<number, ReadBackRecord[]>> {
  const args = [
    "-C",
    "-q",
    "-e",
    "-b",
    bootstrap.join(","),
    "-t",
    topic,
    "-o",
    "beginning",
    "-X",
    "check.crcs=true",
    "-X",
    "fetch.wait.max.ms=20",
    "-X",
    `isolation.level=${options.isolation ?? "read_uncommitted"}`,
    "-f",
    "%p %o %T %K %S\\n%k%s",
  ];
  if (options.partition !== undefined) args.push("-p", String(options.partition));
  args.push(...options.extra ?? []);
  const r = await runTool("kcat", args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`kcat -C failed (${r.code}): ${r.stderr}`);
  if (/error|fail/i.test(r.stderr)) throw new Error(`kcat -C reported: ${r.stderr}`);
  return parseKcatRecords(r.stdout);
}

/**
 * Produces lines with `kcat -P -K <delimiter>` (librdkafka's producer, acks=all).
 *
 * @param bootstrap The brokers.
 * @param topic The topic.
 * @param lines The input, one record per line.
 * @param extra More kcat arguments (e.g. `-X enable.idempotence=true`).
 */
export async function kcatProduce(
  bootstrap: readonly string[],
  topic: string,
  lines: string,
  extra: readonly string[] = [],
): Promise<void> {
  const r = await runTool(
    "kcat",
    [
      "-P",
      "-b",
      bootstrap.join(","),
      "-t",
      topic,
      "-K",
      ":",
      "-X",
      "partitioner=murmur2_random",
      ...extra,
    ],
    { input: lines, timeoutMs: 120_000 },
  );
  if (r.code !== 0) throw new Error(`kcat -P failed (${r.code}): ${r.stderr}`);
}

let javaChecked: Promise<string | null> | undefined;

/**
 * Whether Kafka's Java tools can run here (cluster.sh install: Java 17 and Maven).
 *
 * @returns null when they can, else why not.
 */
export function javaToolsMissing(): Promise<string | null> {
  javaChecked ??= runTool("bash", [clusterScript, "install"], { timeoutMs: 600_000 }).then(
    (r) =>
      r.code === 0
        ? null
        : `tests/kafka/cluster.sh install failed: ${r.stderr.trim().split("\n").at(-1)}`,
    (error) => `bash not found: ${(error as Error).message}`,
  );
  return javaChecked;
}

/**
 * Runs a Java tool of Kafka's jars (a main class) through cluster.sh.
 *
 * @param mainClass The class, e.g. `org.apache.kafka.tools.ConsoleProducer`.
 * @param args Its arguments.
 * @param input Its standard input.
 * @returns Its exit code and output.
 */
export function javaTool(
  mainClass: string,
  args: readonly string[],
  input?: string,
): Promise<ToolRun> {
  return runTool("bash", [clusterScript, "java", mainClass, ...args], {
    timeoutMs: 180_000,
    ...(input === undefined ? {} : { input }),
  });
}

let franzBuilt: Promise<{ binary: string } | { missing: string }> | undefined;

function goBinary(): string | null {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/local/go/bin"]) {
    if (dir !== "" && existsSync(join(dir, "go"))) return join(dir, "go");
  }
  return null;
}

/**
 * Builds the franz-go producer (once per source version) with the Go toolchain,
 * modules from the Go proxy.
 *
 * @returns The binary's path, or why it could not be built.
 */
export function franzProducer(): Promise<{ binary: string } | { missing: string }> {
  franzBuilt ??= (async () => {
    const go = goBinary();
    if (go === null) return { missing: "no go on PATH or in /usr/local/go/bin" };
    const hash = createHash("sha256");
    for (const f of ["main.go", "go.mod", "go.sum"]) hash.update(readFileSync(join(franzDir, f)));
    const cache = join(
      process.env.WEBSTREAM_TOOLS ?? join(process.env.HOME ?? "/tmp", ".cache", "webstream-kafka"),
      "franz",
    );
    mkdirSync(cache, { recursive: true });
    const binary = join(cache, `franz-${hash.digest("hex").slice(0, 12)}`);
    if (existsSync(binary)) return { binary };
    const r = await runTool(go, ["build", "-C", franzDir, "-o", binary, "."], {
      timeoutMs: 600_000,
    });
    return r.code === 0 && existsSync(binary)
      ? { binary }
      : { missing: `go build of tests/integration/franz failed: ${r.stderr.trim().slice(-500)}` };
  })();
  return franzBuilt;
}

/** Where CI installs kafka-python (`pip install --target`), put on PYTHONPATH. */
const kafkaPythonEnv = (): Record<string, string> =>
  process.env.KAFKA_PYTHON_PATH === undefined ? {} : { PYTHONPATH: process.env.KAFKA_PYTHON_PATH };

let kafkaPythonChecked: Promise<string | null> | undefined;

/**
 * Whether kafka-python runs here (`python3 -c "import kafka"`, with KAFKA_PYTHON_PATH).
 *
 * @returns null when it does, else why not.
 */
export function kafkaPythonMissing(): Promise<string | null> {
  kafkaPythonChecked ??= runTool("python3", ["-c", "import kafka"], {
    timeoutMs: 30_000,
    env: kafkaPythonEnv(),
  }).then(
    (r) =>
      r.code === 0
        ? null
        : `python3 cannot import kafka (pip install kafka-python==3.0.12): ${r.stderr.trim()}`,
    (error) => `python3 not found: ${(error as Error).message}`,
  );
  return kafkaPythonChecked;
}

/** What tests/integration/kafka_python/judge.py saw. */
export interface KafkaPythonRun {
  /** Partition and offset of each acknowledged record (idempotent mode), in send order. */
  acked: [number, number][];
  /** Partition, offset, key and value of each record read back. */
  read: [number, number, string, string][];
}

/**
 * Runs kafka-python's producer and consumer against a broker (see judge.py).
 *
 * @param bootstrap The bootstrap list.
 * @param topic The topic.
 * @param mode `idempotent` or `transactions`.
 * @param sasl SASL mechanism, user and password, if any.
 * @returns What it acknowledged and read.
 */
export async function kafkaPythonJudge(
  bootstrap: readonly string[],
  topic: string,
  mode: "idempotent" | "transactions",
  sasl?: { mechanism: string; username: string; password: string },
): Promise<KafkaPythonRun> {
  const args = [join(here, "kafka_python", "judge.py"), bootstrap.join(","), topic, mode];
  if (sasl !== undefined) args.push(sasl.mechanism, sasl.username, sasl.password);
  const r = await runTool("python3", args, { timeoutMs: 120_000, env: kafkaPythonEnv() });
  if (r.code !== 0) throw new Error(`kafka-python judge failed (${r.code}): ${r.stderr}`);
  return JSON.parse(new TextDecoder().decode(r.stdout)) as KafkaPythonRun;
}
