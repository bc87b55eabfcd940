/**
 * Test harness around librdkafka's mock Kafka cluster (see ./README.md).
 *
 * Runs on Deno and Bun; imports only `node:` built-ins.
 *
 * ```ts
 * import { ApiKey, ErrorCode, readBack, startMockCluster } from "./mock_cluster.ts";
 * const mock = await startMockCluster({ brokers: 3 });
 * try {
 *   await mock.createTopic("t", 6, 3);
 *   await mock.pushErrors(ApiKey.Produce, [ErrorCode.NOT_LEADER_OR_FOLLOWER]);
 *   // ... produce to mock.bootstrap with the client under test ...
 *   const byPartition = await readBack(mock.bootstrap, "t");
 * } finally {
 *   await mock.close();
 * }
 * ```
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { Buffer } from "node:buffer";

/** Kafka protocol API keys that matter for a producer. */
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
} as const;

/** Kafka error codes commonly injected in producer tests. */
export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  TOPIC_AUTHORIZATION_FAILED: 29,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  UNSUPPORTED_VERSION: 35,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  KAFKA_STORAGE_ERROR: 56,
  UNKNOWN_PRODUCER_ID: 59,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  /**
   * librdkafka-local pseudo code: the mock broker closes the client's
   * connection when it sees the request (the response is never sent).
   */
  TRANSPORT: -195,
} as const;

/** One injected error for {@link MockCluster.pushBrokerErrors}. */
export interface BrokerError {
  /** Kafka error code (0 = no error, only delay). */
  code: number;
  /** Delay before the response is sent, in milliseconds. */
  rttMs?: number;
}

/** Options for {@link startMockCluster}. */
export interface MockClusterOptions {
  /** Number of brokers (ids 1..N). Default 3, max 64. */
  brokers?: number;
  /** Path of a prebuilt mock_cluster binary. Default: $MOCK_CLUSTER_BIN, else build.sh. */
  binary?: string;
  /** librdkafka `debug` contexts for the mock (e.g. "mock,protocol"); implies stderr inherit. */
  debug?: string;
  /** Forward the mock's stderr to ours instead of keeping only its tail for errors. */
  inheritStderr?: boolean;
  /** How long to wait for the `bootstrap=` line. Default 10000 ms. */
  startTimeoutMs?: number;
}

/** A running mock cluster process. */
export interface MockCluster {
  /** Broker addresses, `host:port`, broker id i+1 at index i. */
  readonly bootstrap: string[];
  /** OS process id of the mock host. */
  readonly pid: number;
  /**
   * Sends one raw command line (see README) and resolves on `ok`.
   * Rejects with the mock's message on `error ...` or if the process died.
   */
  command(line: string): Promise<void>;
  /** Like {@link MockCluster.command} but resolves with the text after `ok` ("" if none). */
  request(line: string): Promise<string>;
  /** Creates a topic. NOTE: librdkafka 2.0.2 ignores `replication` (replicas = min(3, brokers)). */
  createTopic(name: string, partitions: number, replication: number): Promise<void>;
  /** Cluster-wide: the next `codes.length` requests with `apiKey` (to any broker) fail with these codes, in order. */
  pushErrors(apiKey: number, codes: readonly number[]): Promise<void>;
  /** Per-broker error/delay stack for `apiKey`; takes precedence over cluster-wide errors. */
  pushBrokerErrors(broker: number, apiKey: number, errors: readonly BrokerError[]): Promise<void>;
  /** Drops the not-yet-consumed cluster-wide errors for `apiKey`. */
  clearErrors(apiKey: number): Promise<void>;
  /** Number of not-yet-consumed per-broker errors for `apiKey`. */
  brokerErrorCount(broker: number, apiKey: number): Promise<number>;
  /** Sets the partition leader (-1 = leaderless). Does not disconnect clients. */
  setLeader(topic: string, partition: number, broker: number): Promise<void>;
  /** Closes the broker's connections and refuses new ones (ECONNREFUSED). Leaders do not move. -1 = all. */
  brokerDown(id: number): Promise<void>;
  /** Accepts connections again on the same port. -1 = all. */
  brokerUp(id: number): Promise<void>;
  /** Delays every response of the broker by `ms` (-1 = all brokers). */
  setRtt(broker: number, ms: number): Promise<void>;
  /** Restricts the advertised/accepted version range of an API (-1, -1 disables it). */
  setApiVersion(apiKey: number, min: number, max: number): Promise<void>;
  /** Error returned for the topic in Metadata (and AddPartitionsToTxn) responses; 0 clears. */
  setTopicError(topic: string, code: number): Promise<void>;
  /** Pins the coordinator for a transactional.id or group.id. */
  setCoordinator(keyType: "transaction" | "group", key: string, broker: number): Promise<void>;
  /** Ends the mock process (EOF on stdin, SIGKILL after 5 s) and waits for it. Idempotent. */
  close(): Promise<void>;
}

/** One record read back from the mock cluster. Key and value bytes are exact. */
export interface ReadBackRecord {
  partition: number;
  offset: number;
  /** Record timestamp in ms since epoch as stored by the producer. */
  timestamp: number;
  /** `null` for a null key. */
  key: Uint8Array | null;
  /** `null` for a null value (tombstone). */
  value: Uint8Array | null;
}

/** Options for {@link readBack}. */
export interface ReadBackOptions {
  /** Read only this partition. */
  partition?: number;
  /** Kill kcat and reject after this long. Default 20000 ms. */
  timeoutMs?: number;
  /**
   * Have the consumer verify each record batch's CRC32C (`check.crcs=true`),
   * since the mock broker itself does not. Default true.
   */
  checkCrcs?: boolean;
}

const BUILD_SCRIPT: string = fileURLToPath(new URL("./build.sh", import.meta.url));
const STDERR_TAIL_BYTES = 16384;

let binaryPromise: Promise<string> | undefined;

function run(file: string, args: readonly string[], timeoutMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    execFile(
      file,
      [...args],
      { encoding: "buffer", maxBuffer: 1 << 30, timeout: timeoutMs },
      (err: Error | null, stdout: Buffer, stderr: Buffer) => {
        if (err) {
          reject(
            new Error(`${file} ${args.join(" ")} failed: ${err.message}\n${stderr.toString()}`),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/**
 * Path of the mock_cluster binary: `$MOCK_CLUSTER_BIN` if set, otherwise
 * builds it with build.sh (installs librdkafka-dev and kcat if missing).
 * Cached for the life of the process.
 */
export function ensureMockBinary(): Promise<string> {
  const fromEnv = process.env.MOCK_CLUSTER_BIN;
  if (fromEnv) return Promise.resolve(fromEnv);
  if (!binaryPromise) {
    binaryPromise = run("bash", [BUILD_SCRIPT], 600_000).then((out: Buffer): string => {
      const lines = out.toString().trim().split("\n");
      const path = lines[lines.length - 1];
      if (!path) throw new Error("build.sh printed no binary path");
      return path;
    });
    binaryPromise.catch((): void => {
      binaryPromise = undefined; // allow a retry after a failed build
    });
  }
  return binaryPromise;
}

interface Pending {
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  line: string;
}

function checkInt(name: string, v: number): string {
  if (!Number.isInteger(v)) throw new TypeError(`${name} must be an integer, got ${v}`);
  return String(v);
}

function checkWord(name: string, v: string): string {
  if (v.length === 0 || /\s/.test(v)) {
    throw new TypeError(`${name} must be non-empty without whitespace: ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Starts a mock Kafka cluster in a child process and resolves once it listens.
 * Always `close()` it (e.g. in `finally`), or the child outlives the test.
 */
export async function startMockCluster(opts: MockClusterOptions = {}): Promise<MockCluster> {
  const brokers = opts.brokers ?? 3;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 64) {
    throw new RangeError(`brokers must be 1..64, got ${brokers}`);
  }
  const bin = opts.binary ?? (await ensureMockBinary());
  const inherit = opts.inheritStderr === true || opts.debug !== undefined;
  const env: Record<string, string | undefined> = { ...process.env };
  if (opts.debug !== undefined) env.MOCK_DEBUG = opts.debug;

  const child: ChildProcess = spawn(bin, [String(brokers)], {
    stdio: ["pipe", "pipe", inherit ? "inherit" : "pipe"],
    env,
  });
  const stdin = child.stdin;
  const stdout = child.stdout;
  if (!stdin || !stdout) {
    child.kill("SIGKILL");
    throw new Error("mock_cluster: missing stdio pipes");
  }

  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer): void => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
  });

  const pending: Pending[] = [];
  let exited = false;
  let exitInfo = "";
  let onBootstrap: ((line: string) => void) | undefined;
  let onEarlyExit: ((err: Error) => void) | undefined;

  const closed = new Promise<void>((resolve) => {
    child.on("close", (code: number | null, signal: string | null): void => {
      exited = true;
      exitInfo = `mock_cluster exited (code ${code}, signal ${signal})`;
      const err = new Error(`${exitInfo}${stderrTail ? `\nstderr:\n${stderrTail}` : ""}`);
      onEarlyExit?.(err);
      for (const p of pending.splice(0)) p.reject(err);
      resolve();
    });
  });
  child.on("error", (e: Error): void => {
    // spawn failure (ENOENT, ...): no "close" may follow in some runtimes.
    exited = true;
    onEarlyExit?.(e);
    for (const p of pending.splice(0)) p.reject(e);
  });
  // Writing to a dead child raises EPIPE on the stream; surface it via pending.
  stdin.on("error", (): void => {});

  let buf = "";
  stdout.setEncoding("utf8");
  stdout.on("data", (chunk: string): void => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (onBootstrap) {
        const cb = onBootstrap;
        onBootstrap = undefined;
        cb(line);
        continue;
      }
      const p = pending.shift();
      if (!p) continue; // e.g. the reply to a trailing command after close()
      if (line === "ok") p.resolve("");
      else if (line.startsWith("ok ")) p.resolve(line.slice(3));
      else if (line.startsWith("error ")) {
        p.reject(new Error(`mock: "${p.line}": ${line.slice(6)}`));
      } else p.reject(new Error(`mock: "${p.line}": unexpected reply ${JSON.stringify(line)}`));
    }
  });

  const startTimeoutMs = opts.startTimeoutMs ?? 10_000;
  let bootstrapLine: string;
  try {
    bootstrapLine = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout((): void => {
        reject(
          new Error(
            `mock_cluster did not print bootstrap= within ${startTimeoutMs} ms\n${stderrTail}`,
          ),
        );
      }, startTimeoutMs);
      onBootstrap = (line: string): void => {
        clearTimeout(timer);
        resolve(line);
      };
      onEarlyExit = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
    });
  } catch (e) {
    if (!exited) child.kill("SIGKILL");
    await Promise.race([closed, new Promise<void>((r) => setTimeout(r, 2000))]);
    throw e;
  } finally {
    onEarlyExit = undefined;
  }
  if (!bootstrapLine.startsWith("bootstrap=")) {
    child.kill("SIGKILL");
    await closed;
    throw new Error(`mock_cluster: unexpected first line ${JSON.stringify(bootstrapLine)}`);
  }
  const bootstrap = bootstrapLine.slice("bootstrap=".length).split(",");

  let closing: Promise<void> | undefined;

  const request = (line: string): Promise<string> => {
    if (line.includes("\n") || line.includes("\r")) {
      return Promise.reject(new TypeError("mock command must be a single line"));
    }
    if (exited || closing) {
      return Promise.reject(new Error(`mock: "${line}": ${exitInfo || "mock cluster is closed"}`));
    }
    return new Promise<string>((resolve, reject) => {
      // A reply that never comes fails the test that waits for it, saying which.
      const timer = setTimeout(
        () => reject(new Error(`mock: no reply to "${line}" within 15 s`)),
        15_000,
      );
      pending.push({
        resolve: (value: string) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
        line,
      });
      stdin.write(`${line}\n`);
    });
  };
  const command = async (line: string): Promise<void> => {
    await request(line);
  };

  const mock: MockCluster = {
    bootstrap,
    pid: child.pid ?? -1,
    command,
    request,
    createTopic: (name: string, partitions: number, replication: number): Promise<void> =>
      command(
        `topic ${checkWord("topic", name)} ${checkInt("partitions", partitions)} ${
          checkInt("replication", replication)
        }`,
      ),
    pushErrors: (apiKey: number, codes: readonly number[]): Promise<void> => {
      if (codes.length === 0) return Promise.resolve();
      return command(
        `errors ${checkInt("apiKey", apiKey)} ${codes.map((c) => checkInt("code", c)).join(" ")}`,
      );
    },
    pushBrokerErrors: (
      broker: number,
      apiKey: number,
      errors: readonly BrokerError[],
    ): Promise<void> => {
      if (errors.length === 0) return Promise.resolve();
      const tuples = errors.map((e) =>
        `${checkInt("code", e.code)}:${checkInt("rttMs", e.rttMs ?? 0)}`
      );
      return command(
        `broker_errors ${checkInt("broker", broker)} ${checkInt("apiKey", apiKey)} ${
          tuples.join(" ")
        }`,
      );
    },
    clearErrors: (apiKey: number): Promise<void> => command(`clear ${checkInt("apiKey", apiKey)}`),
    brokerErrorCount: async (broker: number, apiKey: number): Promise<number> =>
      Number(
        await request(`error_count ${checkInt("broker", broker)} ${checkInt("apiKey", apiKey)}`),
      ),
    setLeader: (topic: string, partition: number, broker: number): Promise<void> =>
      command(
        `leader ${checkWord("topic", topic)} ${checkInt("partition", partition)} ${
          checkInt("broker", broker)
        }`,
      ),
    brokerDown: (id: number): Promise<void> => command(`down ${checkInt("broker", id)}`),
    brokerUp: (id: number): Promise<void> => command(`up ${checkInt("broker", id)}`),
    setRtt: (broker: number, ms: number): Promise<void> =>
      command(`rtt ${checkInt("broker", broker)} ${checkInt("ms", ms)}`),
    setApiVersion: (apiKey: number, min: number, max: number): Promise<void> =>
      command(
        `apiversion ${checkInt("apiKey", apiKey)} ${checkInt("min", min)} ${checkInt("max", max)}`,
      ),
    setTopicError: (topic: string, code: number): Promise<void> =>
      command(`topic_error ${checkWord("topic", topic)} ${checkInt("code", code)}`),
    setCoordinator: (
      keyType: "transaction" | "group",
      key: string,
      broker: number,
    ): Promise<void> =>
      command(`coordinator ${keyType} ${checkWord("key", key)} ${checkInt("broker", broker)}`),
    close: (): Promise<void> => {
      if (!closing) {
        closing = (async (): Promise<void> => {
          if (!exited) {
            stdin.end(); // EOF: the mock destroys the cluster and exits 0
            const timer = setTimeout((): void => {
              if (!exited) child.kill("SIGKILL");
            }, 5000);
            await closed;
            clearTimeout(timer);
          }
          stdout.destroy();
          child.stderr?.destroy();
        })();
      }
      return closing;
    },
  };
  return mock;
}

/**
 * Reads every record of `topic` (from offset 0 to the current end) with kcat
 * and groups them by partition, in offset order. Key and value bytes are
 * exact (kcat prints their lengths, raw bytes are sliced from its stdout).
 * Headers are not returned.
 */
export async function readBack(
  bootstrap: string | readonly string[],
  topic: string,
  opts: ReadBackOptions = {},
): Promise<Map<number, ReadBackRecord[]>> {
  await ensureMockBinary(); // makes sure kcat is installed
  const brokers = typeof bootstrap === "string" ? bootstrap : bootstrap.join(",");
  const args = [
    "-C",
    "-q",
    "-e",
    "-b",
    brokers,
    "-t",
    topic,
    "-o",
    "beginning",
    "-m",
    "10",
    "-X",
    "fetch.wait.max.ms=10", // the mock honours MaxWait; keeps -e fast
    "-X",
    `check.crcs=${opts.checkCrcs === false ? "false" : "true"}`,
    "-f",
    "%p %o %T %K %S\\n%k%s",
  ];
  if (opts.partition !== undefined) args.push("-p", checkInt("partition", opts.partition));
  const out = await run("kcat", args, opts.timeoutMs ?? 20_000);
  return parseKcatRecords(out);
}

/**
 * Each partition's end offset (last offset + 1), from kcat reading only the last
 * record of each partition. Use it to count large topics: a full read of a topic
 * holding many megabytes can end early against the mock (kcat sees a premature
 * end of partition), while the last offset is always exact.
 */
export async function endOffsets(
  bootstrap: string | readonly string[],
  topic: string,
  timeoutMs = 20_000,
): Promise<Map<number, number>> {
  await ensureMockBinary(); // makes sure kcat is installed
  const brokers = typeof bootstrap === "string" ? bootstrap : bootstrap.join(",");
  const out = await run(
    "kcat",
    ["-C", "-q", "-e", "-b", brokers, "-t", topic, "-o", "-1", "-f", "%p %o\\n"],
    timeoutMs,
  );
  const ends = new Map<number, number>();
  for (const line of new TextDecoder().decode(out).split("\n")) {
    const m = /^(\d+) (\d+)$/.exec(line.trim());
    if (m) ends.set(Number(m[1]), Number(m[2]) + 1);
  }
  return ends;
}

/** Parses kcat `-f '%p %o %T %K %S\n%k%s'` output. Exported for tests. */
export function parseKcatRecords(out: Uint8Array): Map<number, ReadBackRecord[]> {
  const byPartition = new Map<number, ReadBackRecord[]>();
  const LF = 0x0a;
  let pos = 0;
  const slice = (len: number): Uint8Array | null => {
    if (len < 0) return null;
    if (pos + len > out.length) throw new Error(`kcat output truncated at byte ${pos}`);
    const bytes = out.slice(pos, pos + len); // copy
    pos += len;
    return new Uint8Array(bytes);
  };
  while (pos < out.length) {
    const nl = out.indexOf(LF, pos);
    if (nl < 0) throw new Error(`kcat output: missing header line at byte ${pos}`);
    const header = new TextDecoder().decode(out.subarray(pos, nl));
    const m = /^(\d+) (\d+) (-?\d+) (-?\d+) (-?\d+)$/.exec(header);
    if (!m) throw new Error(`kcat output: bad header ${JSON.stringify(header)} at byte ${pos}`);
    pos = nl + 1;
    const partition = Number(m[1]);
    const key = slice(Number(m[4]));
    const value = slice(Number(m[5]));
    const rec: ReadBackRecord = {
      partition,
      offset: Number(m[2]),
      timestamp: Number(m[3]),
      key,
      value,
    };
    const list = byPartition.get(partition);
    if (list) list.push(rec);
    else byPartition.set(partition, [rec]);
  }
  for (const list of byPartition.values()) list.sort((a, b) => a.offset - b.offset);
  return byPartition;
}
