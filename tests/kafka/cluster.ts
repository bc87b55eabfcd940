/**
 * Test harness for integration tests against the real 3-node Kafka cluster
 * managed by `tests/kafka/cluster.sh` (see README.md beside this file).
 *
 * Runs unchanged on Deno and Bun: it imports only `node:` built-ins and every
 * operation spawns `bash cluster.sh ...`. Deno needs
 * `--allow-run --allow-read --allow-env --allow-net` (or `-A`).
 *
 * Typical use:
 * ```ts
 * import { bootstrapServers, createTopic, kafkaAvailable, readBack, uniqueTopic } from "../kafka/cluster.ts";
 * if (await kafkaAvailable()) {
 *   const topic = uniqueTopic("basic");
 *   await createTopic(topic, 6, 3);
 *   // ... produce with @webstream/kafka to bootstrapServers ...
 *   const records = await readBack(topic);
 * }
 * ```
 *
 * @module
 */

import { spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Absolute path of `cluster.sh`. */
export const clusterScript: string = join(dirname(fileURLToPath(import.meta.url)), "cluster.sh");

function readPortOffset(): number {
  let raw: string | undefined;
  try {
    raw = process.env.KAFKA_TEST_PORT_OFFSET;
  } catch {
    raw = undefined; // Deno without --allow-env
  }
  const n = Number(raw ?? "0");
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Added to every port; from env `KAFKA_TEST_PORT_OFFSET` (default 0), the
 * same variable cluster.sh reads, for a second cluster beside the default one.
 */
export const portOffset: number = readPortOffset();

/** Node ids of the cluster; node N's broker listens on 127.0.0.1:(19091+N) (+ port offset). */
export type NodeId = 1 | 2 | 3;

/** All node ids, in order. */
export const nodeIds: readonly NodeId[] = [1, 2, 3];

/** The broker address (`127.0.0.1:1909x`) of node `n`. */
export function brokerAddress(n: NodeId): string {
  return `127.0.0.1:${19091 + portOffset + n}`;
}

/** Broker addresses (`host:port`) of nodes 1, 2, 3: `["127.0.0.1:19092", "127.0.0.1:19093", "127.0.0.1:19094"]`. */
export const bootstrapServers: string[] = nodeIds.map(brokerAddress);

/** SASL_PLAINTEXT listener addresses (`127.0.0.1:19292..19294`): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
export const saslBootstrapServers: string[] = nodeIds.map((n) =>
  `127.0.0.1:${19291 + portOffset + n}`
);

/** SSL listener addresses (`127.0.0.1:19392..19394`), with a certificate from {@link tlsCaFile}'s CA. */
export const tlsBootstrapServers: string[] = nodeIds.map((n) =>
  `127.0.0.1:${19391 + portOffset + n}`
);

/** SASL_SSL listener addresses (`127.0.0.1:19492..19494`): SCRAM-SHA-512 over TLS. */
export const saslTlsBootstrapServers: string[] = nodeIds.map((n) =>
  `127.0.0.1:${19491 + portOffset + n}`
);

/**
 * MTLS listener addresses (`127.0.0.1:19592..19594`): TLS with a client certificate from
 * {@link tlsCaFile}'s CA required ({@link tlsClientCertFile}, {@link tlsClientKeyFile}).
 */
export const mtlsBootstrapServers: string[] = nodeIds.map((n) =>
  `127.0.0.1:${19591 + portOffset + n}`
);

/**
 * REAUTH listener addresses (`127.0.0.1:19692..19694`), SASL_PLAINTEXT: OAUTHBEARER (the
 * broker's unsecured validator: unsigned JWTs with `sub` and `exp`), PLAIN and
 * SCRAM-SHA-256, with sessions of {@link reauthSessionMs} (KIP-368).
 */
export const reauthBootstrapServers: string[] = nodeIds.map((n) =>
  `127.0.0.1:${19691 + portOffset + n}`
);

/** `connections.max.reauth.ms` of the REAUTH listener (cluster.sh `REAUTH_MS`). */
export const reauthSessionMs = 2500;

/** The user and password every mechanism of the SASL listeners accepts (cluster.sh). */
export const saslCredentials: { username: string; password: string } = {
  username: "alice",
  password: "alice-secret",
};

function kafkaTestHome(): string {
  try {
    return process.env.KAFKA_TEST_HOME ?? "/tmp/webstream-kafka";
  } catch {
    return "/tmp/webstream-kafka"; // Deno without --allow-env
  }
}

/** PEM file of the test CA that signed the SSL listener's certificate. */
export const tlsCaFile: string = join(kafkaTestHome(), "tls", "ca.pem");

/** PEM client certificate from the test CA, which the MTLS listener accepts. */
export const tlsClientCertFile: string = join(kafkaTestHome(), "tls", "client.crt");

/** PEM (PKCS#8) key of {@link tlsClientCertFile}. */
export const tlsClientKeyFile: string = join(kafkaTestHome(), "tls", "client.key");

/** PEM client certificate from a CA the brokers do not trust: the MTLS listener refuses it. */
export const tlsRogueCertFile: string = join(kafkaTestHome(), "tls", "rogue-client.crt");

/** PEM (PKCS#8) key of {@link tlsRogueCertFile}. */
export const tlsRogueKeyFile: string = join(kafkaTestHome(), "tls", "rogue-client.key");

/** The node id listening on a broker address such as `127.0.0.1:19093`, or `null`. */
export function nodeOfAddress(address: string): NodeId | null {
  const i = bootstrapServers.indexOf(address);
  return nodeIds[i] ?? null;
}

/** Thrown when `cluster.sh` exits non-zero or times out; carries its output. */
export class ClusterCommandError extends Error {
  /** Arguments passed to cluster.sh. */
  readonly args: readonly string[];
  /** Exit code, or `null` when killed (timeout). */
  readonly code: number | null;
  /** Captured stderr (cluster.sh writes diagnostics and log tails there). */
  readonly stderr: string;

  constructor(args: readonly string[], code: number | null, stderr: string, reason: string) {
    super(`cluster.sh ${args.join(" ")}: ${reason}\n${stderr.trim()}`);
    this.name = "ClusterCommandError";
    this.args = args;
    this.code = code;
    this.stderr = stderr;
  }
}

/** Options for {@link runCluster}. */
export interface RunOptions {
  /** Bytes or text written to the command's stdin (then closed). */
  input?: string | Uint8Array;
  /** Kill the command (and its JVMs) after this many ms. Default 180 000. */
  timeoutMs?: number;
  /** Called with each complete stdout line (without the newline) as it arrives; stdout is then not collected. */
  onLine?: (line: Uint8Array) => void;
  /** Extra environment variables for cluster.sh (e.g. `KAFKA_VERSION`). */
  env?: Record<string, string>;
}

/** Result of {@link runCluster}. */
export interface RunResult {
  /** Collected stdout (empty when `onLine` was given). */
  stdout: string;
  /** Collected stderr. */
  stderr: string;
}

/**
 * Runs `bash cluster.sh ...args` and resolves when it exits 0; rejects with
 * {@link ClusterCommandError} otherwise. Brokers started by it keep running.
 */
export function runCluster(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn("bash", [clusterScript, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      // Own process group, so a timeout can kill bash and its JVM together.
      detached: true,
      env: { ...process.env, ...(options.env ?? {}) },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Unterminated tail of stdout, as chunks (lines can be megabytes long).
    let pending: Buffer[] = [];
    let settled = false;
    let timedOut = false;
    let lineError: Error | null = null;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);

    const onLine = options.onLine;
    child.stdout.on("data", (chunk: Buffer) => {
      if (!onLine) {
        out.push(chunk);
        return;
      }
      if (lineError) return;
      try {
        let start = 0;
        let nl = chunk.indexOf(10, start);
        while (nl >= 0) {
          const piece = chunk.subarray(start, nl);
          onLine(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
          pending = [];
          start = nl + 1;
          nl = chunk.indexOf(10, start);
        }
        if (start < chunk.length) pending.push(chunk.subarray(start));
      } catch (e) {
        lineError = e instanceof Error ? e : new Error(String(e));
        killGroup(child.pid);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err.push(chunk);
    });
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    };
    child.on("error", (e: Error) => fail(new ClusterCommandError(args, null, "", e.message)));
    child.on("close", (code: number | null) => {
      if (settled) return;
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      if (lineError) {
        fail(lineError);
        return;
      }
      if (timedOut) {
        fail(new ClusterCommandError(args, code, stderr, `timed out after ${timeoutMs} ms`));
        return;
      }
      if (code !== 0) {
        fail(new ClusterCommandError(args, code, stderr, `exit code ${code}`));
        return;
      }
      try {
        if (onLine && pending.length > 0) onLine(Buffer.concat(pending));
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      settled = true;
      resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr });
    });
    child.stdin.on("error", () => {/* command exited before reading stdin */});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

function tcpOpen(address: string, timeoutMs: number): Promise<boolean> {
  const [host, port] = address.split(":");
  return new Promise<boolean>((resolve) => {
    const socket = connect({ host, port: Number(port) });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * True when every broker port (19092..19094) accepts TCP connections, i.e.
 * the cluster was started (`cluster.sh start`) and no node is down. Cheap: no
 * JVM is spawned. Use it to skip integration tests when Kafka is not running.
 * A paused node (SIGSTOP, {@link pauseNode}) still accepts TCP connections and
 * counts as available: resume it in a `finally`.
 */
export async function kafkaAvailable(timeoutMs = 1000): Promise<boolean> {
  const results = await Promise.all(bootstrapServers.map((a) => tcpOpen(a, timeoutMs)));
  return results.every((ok) => ok);
}

/**
 * Starts a fresh cluster (wipes all data): `cluster.sh start [version]`.
 * @param version "4" (default: newest supported 4.x), "3.9", or an exact "x.y.z".
 */
export async function startCluster(version?: string): Promise<void> {
  await runCluster(version === undefined ? ["start"] : ["start", version], { timeoutMs: 600_000 });
}

/** Kills all nodes and deletes their data: `cluster.sh stop`. */
export async function stopCluster(): Promise<void> {
  await runCluster(["stop"]);
}

/** State of one node as reported by {@link clusterStatus}. */
export interface NodeStatus {
  node: NodeId;
  address: string;
  state: "running" | "paused" | "down";
  pid: number | null;
}

/** Status of the cluster directory: version of the last start and node states. */
export interface ClusterStatus {
  /** Kafka version of the last `start`, or `null` when there is no cluster. */
  version: string | null;
  nodes: NodeStatus[];
}

/** `cluster.sh status`, parsed. */
export async function clusterStatus(): Promise<ClusterStatus> {
  const { stdout } = await runCluster(["status"]);
  let version: string | null = null;
  const nodes: NodeStatus[] = nodeIds.map((n) => ({
    node: n,
    address: brokerAddress(n),
    state: "down",
    pid: null,
  }));
  for (const line of stdout.split("\n")) {
    const v = /^version (\S+)$/.exec(line);
    if (v?.[1] !== undefined) version = v[1];
    const m = /^node ([123]) \S+ (?:pid (\d+) (running|paused)|down)/.exec(line);
    const s = m ? nodes[Number(m[1]) - 1] : undefined;
    if (m && s) {
      if (m[2] !== undefined) {
        s.pid = Number(m[2]);
        s.state = m[3] === "paused" ? "paused" : "running";
      }
    }
  }
  return { version, nodes };
}

/** Kafka version of the running cluster (e.g. "4.3.1"), or `null` when none was started. */
export async function clusterVersion(): Promise<string | null> {
  return (await clusterStatus()).version;
}

/**
 * Makes sure all 3 nodes run, cheaply when they do (a TCP probe, no JVM).
 * Otherwise `cluster.sh ensure`: under a lock shared by all test processes it
 * resumes paused nodes and restarts stopped ones on their data, and starts a
 * fresh cluster only when there is none (or `version` differs from the running
 * one). Safe to call from every test file of a parallel run.
 * @param version "4", "3.9" or "x.y.z"; default: whatever runs, else the newest 4.x.
 */
export async function ensureCluster(version?: string): Promise<void> {
  if (version === undefined && (await kafkaAvailable())) return;
  await runCluster(version === undefined ? ["ensure"] : ["ensure", version], {
    timeoutMs: 600_000,
  });
}

function topicConfigArgs(configs: Record<string, string | number | boolean> | undefined): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(configs ?? {})) args.push("--config", `${k}=${v}`);
  return args;
}

/**
 * Creates a topic with Kafka's TopicCommand and waits until every partition
 * has a leader and a full ISR (so producing right away does not hit
 * UNKNOWN_TOPIC_OR_PARTITION / NOT_ENOUGH_REPLICAS).
 * @param configs topic configs, e.g. `{ "min.insync.replicas": 2, "max.message.bytes": 4194304 }`
 */
export async function createTopic(
  name: string,
  partitions: number,
  replication: number,
  configs?: Record<string, string | number | boolean>,
): Promise<void> {
  await runCluster([
    "create-topic",
    name,
    String(partitions),
    String(replication),
    ...topicConfigArgs(configs),
  ]);
}

/** Deletes a topic (TopicCommand --delete). */
export async function deleteTopic(name: string): Promise<void> {
  await runCluster(["delete-topic", name]);
}

/** Returns a topic name unique within this process and across runs, e.g. `t-basic-lq3k9a-1`. */
export function uniqueTopic(prefix = "t"): string {
  topicCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${
    Math.floor(Math.random() * 1e6).toString(36)
  }-${topicCounter}`;
}
let topicCounter = 0;

/** One partition as reported by the Admin client. */
export interface PartitionInfo {
  partition: number;
  /** Leader node id, or -1 when the partition has no leader. */
  leader: number;
  replicas: number[];
  isr: number[];
}

function isNumberArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((e) => typeof e === "number");
}

/** Partitions of a topic (leader, replicas, ISR), sorted by partition. */
export async function describeTopic(topic: string): Promise<PartitionInfo[]> {
  const { stdout } = await runCluster(["describe", topic]);
  const parts: PartitionInfo[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    const o: unknown = JSON.parse(line);
    if (typeof o !== "object" || o === null) throw new Error(`describe: bad line ${line}`);
    const r = o as Record<string, unknown>;
    if (
      typeof r.partition !== "number" || typeof r.leader !== "number" ||
      !isNumberArray(r.replicas) ||
      !isNumberArray(r.isr)
    ) {
      throw new Error(`describe: bad line ${line}`);
    }
    parts.push({ partition: r.partition, leader: r.leader, replicas: r.replicas, isr: r.isr });
  }
  return parts;
}

/** Leader node id of `topic`/`partition` (-1 when it has none). */
export async function leaderOf(topic: string, partition: number): Promise<number> {
  const { stdout } = await runCluster(["leader", topic, String(partition)]);
  return Number(stdout.trim());
}

/** A record read back by the official Java consumer. */
export interface ReadBackRecord {
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: "CREATE_TIME" | "LOG_APPEND_TIME" | "NO_TIMESTAMP_TYPE";
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

/** Options for {@link readBack}. */
export interface ReadBackOptions {
  /** Default `read_uncommitted`. With `read_committed` the reader stops at the last stable offset. */
  isolation?: "read_committed" | "read_uncommitted";
  /** Give up (ClusterCommandError) after this many ms. Default 120 000. */
  timeoutMs?: number;
  /**
   * First wait until the partitions' end offsets span at least this many offsets.
   * Records produced with acks 1 or 0 are acknowledged before the followers copy
   * them, so the high watermark (where a consumer stops) can lag behind for a while.
   */
  minOffsets?: number;
}

function b64(x: unknown, what: string): Uint8Array | null {
  if (x === null) return null;
  if (typeof x !== "string") throw new Error(`readBack: ${what} is not base64 or null`);
  // Copy into a plain Uint8Array (not a pooled Buffer) so deep-equality asserts work.
  return new Uint8Array(Buffer.from(x, "base64"));
}

function parseRecord(line: string): ReadBackRecord {
  const o: unknown = JSON.parse(line);
  if (typeof o !== "object" || o === null) {
    throw new Error(`readBack: bad line ${line.slice(0, 200)}`);
  }
  const r = o as Record<string, unknown>;
  if (
    typeof r.partition !== "number" || typeof r.offset !== "string" ||
    typeof r.timestamp !== "string" ||
    (r.timestampType !== "CREATE_TIME" && r.timestampType !== "LOG_APPEND_TIME" &&
      r.timestampType !== "NO_TIMESTAMP_TYPE") ||
    !Array.isArray(r.headers)
  ) {
    throw new Error(`readBack: bad line ${line.slice(0, 200)}`);
  }
  const headers: { key: string; value: Uint8Array | null }[] = [];
  for (const h of r.headers as unknown[]) {
    if (!Array.isArray(h) || h.length !== 2 || typeof h[0] !== "string") {
      throw new Error(`readBack: bad header in ${line.slice(0, 200)}`);
    }
    headers.push({ key: h[0], value: b64(h[1], "header value") });
  }
  return {
    partition: r.partition,
    offset: BigInt(r.offset),
    timestamp: BigInt(r.timestamp),
    timestampType: r.timestampType,
    key: b64(r.key, "key"),
    value: b64(r.value, "value"),
    headers,
  };
}

/**
 * Reads every record of `topic` with the official Java consumer (ReadBack.java):
 * all partitions from the beginning up to the end offsets taken at start.
 * Records come sorted by partition, then offset.
 */
export async function readBack(
  topic: string,
  options: ReadBackOptions = {},
): Promise<ReadBackRecord[]> {
  const args = ["readback", topic, "--isolation", options.isolation ?? "read_uncommitted"];
  const timeoutMs = options.timeoutMs ?? 120_000;
  args.push("--timeout-ms", String(timeoutMs));
  if (options.minOffsets !== undefined) args.push("--min-offsets", String(options.minOffsets));
  const records: ReadBackRecord[] = [];
  const decoder = new TextDecoder();
  await runCluster(args, {
    timeoutMs: timeoutMs + 60_000,
    onLine: (line) => {
      if (line.length > 0) records.push(parseRecord(decoder.decode(line)));
    },
  });
  return records;
}

/** Groups records by partition: result[p] holds partition p's records in offset order. */
export function byPartition(
  records: readonly ReadBackRecord[],
  partitions: number,
): ReadBackRecord[][] {
  const out: ReadBackRecord[][] = Array.from({ length: partitions }, () => []);
  for (const r of records) {
    const list = out[r.partition];
    if (list === undefined) {
      throw new RangeError(`byPartition: partition ${r.partition} >= ${partitions}`);
    }
    list.push(r);
  }
  return out;
}

/** A record for {@link consoleProduce}; text without tabs or newlines. */
export interface TextRecord {
  key?: string | null;
  value: string | null;
}

const NULL_MARKER = "<<webstream-null>>";

/**
 * Produces records with Kafka's own ConsoleProducer (Java client, default
 * partitioner, acks=all): a reference to compare against, e.g. which
 * partition the Java client picks for a key. Keys/values: UTF-8 text
 * without tab or newline; null allowed.
 */
export async function consoleProduce(topic: string, records: readonly TextRecord[]): Promise<void> {
  const lines: string[] = [];
  for (const r of records) {
    for (const s of [r.key, r.value]) {
      if (s != null && /[\t\r\n]/.test(s)) {
        throw new Error("consoleProduce: tab/newline not supported");
      }
    }
    lines.push(`${r.key ?? NULL_MARKER}\t${r.value ?? NULL_MARKER}`);
  }
  await runCluster([
    "produce",
    topic,
    "--property",
    "parse.key=true",
    "--property",
    `null.marker=${NULL_MARKER}`,
    "--producer-property",
    "acks=all",
  ], { input: lines.join("\n") + "\n" });
}

/** `kill -9` node `n`. Its data stays; bring it back with {@link restartNode}. */
export async function killNode(n: NodeId): Promise<void> {
  await runCluster(["kill", String(n)]);
}

/** Options for {@link restartNode} and {@link startAgain}. */
export interface RestartOptions {
  /** Also wait until all partitions of all topics have a full ISR again. Default false. */
  waitInSync?: boolean;
}

/**
 * Starts a killed node again on its existing data and waits until it is
 * registered (unfenced) with the controller quorum.
 */
export async function restartNode(n: NodeId, options: RestartOptions = {}): Promise<void> {
  await runCluster(["restart", String(n)], { timeoutMs: 300_000 });
  if (options.waitInSync) await waitInSync();
}

/** SIGSTOP node `n`: a hung broker whose TCP connections stay open. */
export async function pauseNode(n: NodeId): Promise<void> {
  await runCluster(["pause", String(n)]);
}

/** SIGCONT a node paused with {@link pauseNode}. */
export async function resumeNode(n: NodeId): Promise<void> {
  await runCluster(["resume", String(n)]);
}

/**
 * Stops the whole cluster but keeps its data (graceful SIGTERM, SIGKILL after
 * 20 s; `kill: true` sends SIGKILL at once). Restart with {@link startAgain}.
 */
export async function stopAllKeepData(options: { kill?: boolean } = {}): Promise<void> {
  await runCluster(options.kill ? ["stop-keep-data", "--kill"] : ["stop-keep-data"]);
}

/** Starts all stopped nodes on their data (and resumes paused ones); waits until all 3 are registered. */
export async function startAgain(options: RestartOptions = {}): Promise<void> {
  await runCluster(["start-again"], { timeoutMs: 300_000 });
  if (options.waitInSync) await waitInSync();
}

/**
 * Waits until every partition (of `topics`, default all topics including
 * internal ones) has a leader and ISR == replicas.
 */
export async function waitInSync(
  topics: readonly string[] = [],
  timeoutSeconds = 60,
): Promise<void> {
  await runCluster(["in-sync", String(timeoutSeconds), ...topics], {
    timeoutMs: (timeoutSeconds + 60) * 1000,
  });
}

/** Waits until every running node is registered (unfenced) in the cluster. */
export async function waitReady(timeoutSeconds = 120): Promise<void> {
  await runCluster(["wait-ready", String(timeoutSeconds)], {
    timeoutMs: (timeoutSeconds + 60) * 1000,
  });
}

/** Polls `fn` every `intervalMs` until it returns true; rejects after `timeoutMs`. */
export async function waitUntil(
  fn: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) {
      throw new Error(`waitUntil: condition not met within ${timeoutMs} ms`);
    }
    await new Promise<void>((r) => setTimeout(r, intervalMs));
  }
}
