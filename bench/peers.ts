/**
 * Our producer against its peers, measured the way a user's program drives it, every
 * client in its own process, all in one run (so each ratio compares figures taken
 * minutes apart on the same machine), runs interleaved (A B C, A B C, ...):
 *
 *   deno run -A bench/peers.ts                          # mock, throughput, 3 rounds
 *   deno run -A bench/peers.ts --target kafka           # the real 3-node Kafka
 *   deno run -A bench/peers.ts --suite latency          # 300 lone awaited sends
 *   deno run -A bench/peers.ts --suite gzip             # 200k x 1 KiB, gzip
 *   deno run -A bench/peers.ts --suite all --target kafka
 *   BENCH_SMOKE=1 deno run -A bench/peers.ts            # tiny counts, no npm, checks contents
 *
 * Flags: --runs R (3), --records N (1,000,000), --workloads W1,W2, --values
 * bytes,string,json, --keys padded|plain (padded), --batch-bytes B (1 MiB), --clients
 * ours-deno,ours-bun,source-deno,source-bun,platformatic-deno,platformatic-bun,librdkafka,java
 * (source-*: the same records into a sink that does nothing, the floor under ours).
 *
 * W1 is acks=1 without idempotence, W2 acks=all with idempotence; both 6 partitions
 * on 3 brokers: librdkafka's mock cluster (tests/mock, a fresh one per run) or
 * tests/kafka's cluster (a fresh topic per run; KAFKA_TEST_PORT_OFFSET and
 * KAFKA_TEST_HOME choose which). Per run it reports the client's records/s (its own
 * clock, from before the first record to the last acknowledgement), the CPU seconds
 * and peak RSS of the client process alone (wait4), and the records that landed (end
 * offsets read back with kcat); then medians per client and our ratios against each
 * peer. Raw runs go to $BENCH_HOME/results as JSON lines.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { flag, hasFlag } from "./peers/args.ts";
import {
  BENCH_HOME,
  buildNative,
  CLIENT_IDS,
  clientCommand,
  type ClientEnv,
  type ClientId,
  installPlatformatic,
  javaTools,
  parseReport,
  PLATFORMATIC_VERSION,
  type RunSpec,
  unsupported,
} from "./peers/clients.ts";
import { measure } from "./peers/measure.ts";
import { fixed, markdownTable, median, percentile, thousands } from "./peers/stats.ts";
import { kafkaTarget, mockTarget, type RunTopic } from "./peers/targets.ts";
import { type KeyKind, VALUE_KINDS, type ValueKind, wireRecord } from "./peers/workload.ts";

const smoke = process.env.BENCH_SMOKE === "1" || hasFlag("smoke");
const target = flag("target", "mock") === "kafka" ? kafkaTarget : mockTarget;
const suiteArg = flag("suite", "throughput");
const suites = suiteArg === "all" ? ["throughput", "latency", "gzip"] : suiteArg.split(",");
const runs = Number(flag("runs", smoke ? "1" : "3"));
const records = Number(flag("records", smoke ? "2000" : "1000000"));
const keys = flag("keys", "padded") as KeyKind;
const batchBytes = Number(flag("batch-bytes", "1048576"));
const workloads = flag("workloads", "W1,W2").split(",");
const values = flag("values", "bytes,string,json").split(",") as ValueKind[];
const defaultClients = smoke
  ? "ours-deno,ours-bun,librdkafka"
  : target.name === "kafka"
  ? "ours-deno,ours-bun,platformatic-deno,platformatic-bun,librdkafka,java"
  : "ours-deno,ours-bun,source-deno,source-bun,platformatic-deno,platformatic-bun,librdkafka";
const clients = flag("clients", defaultClients).split(",") as ClientId[];
for (const c of clients) {
  if (!CLIENT_IDS.includes(c)) throw new TypeError(`Cannot run as client ${c} is unknown`);
}
for (const v of values) {
  if (!VALUE_KINDS.includes(v)) throw new TypeError(`Cannot run as value kind ${v} is unknown`);
}
const RUN_TIMEOUT_MS = 600_000;
const ours = (c: ClientId): boolean => c.startsWith("ours");
const source = (c: ClientId): boolean => c.startsWith("source");

/** One group of runs that a table reports: the same records for every client. */
interface Group {
  title: string;
  spec: RunSpec;
  clients: ClientId[];
}

const groups: Group[] = [];
const throughputSpec = (workload: string, value: ValueKind): RunSpec => ({
  mode: "throughput",
  records,
  acks: workload === "W1" ? "1" : "all",
  idempotent: workload !== "W1",
  batchBytes,
  keys,
  values: value,
  compression: "none",
  warmup: 0,
});
if (suites.includes("throughput")) {
  for (const workload of workloads) {
    for (const value of values) {
      groups.push({
        title: `${workload} (acks=${workload === "W1" ? "1" : "all, idempotent"}), ` +
          `${records.toLocaleString("en")} records, ${keys} keys, ${value} values`,
        spec: throughputSpec(workload, value),
        clients,
      });
    }
  }
}
if (suites.includes("latency")) {
  groups.push({
    title: `lone sends: ${smoke ? 20 : 300} awaited send() of one record, acks=all, idempotent, ` +
      "default options",
    spec: {
      mode: "latency",
      records: smoke ? 20 : 300,
      acks: "all",
      idempotent: true,
      batchBytes: undefined,
      keys,
      values: "bytes",
      compression: "none",
      warmup: smoke ? 5 : 20,
    },
    clients: clients.filter((c) => c !== "java" && !source(c)),
  });
}
if (suites.includes("gzip")) {
  const gzipRecords = smoke ? 2000 : Number(flag("gzip-records", "200000"));
  groups.push({
    title: `gzip: ${gzipRecords.toLocaleString("en")} records of 1 KiB text, acks=1`,
    spec: {
      ...throughputSpec("W1", "text1k"),
      records: gzipRecords,
      compression: "gzip",
    },
    clients: clients.filter((c) => c !== "java" && !source(c)),
  });
}

const binDir = buildNative();
if (clients.some((c) => c.startsWith("platformatic"))) installPlatformatic();
const env: ClientEnv = {
  binDir,
  java: clients.includes("java") && target.name === "kafka" ? javaTools() : undefined,
};

mkdirSync(join(BENCH_HOME, "results"), { recursive: true });
const resultsFile = join(
  BENCH_HOME,
  "results",
  `peers-${target.name}-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`,
);

/** One measured run. */
interface Run {
  group: string;
  client: ClientId;
  round: number;
  recordsPerSecond: number;
  seconds: number;
  cpuS: number;
  cpuTimedS: number;
  peakRssMB: number;
  landed: number;
  latenciesMs: number[] | undefined;
  /** The 1-minute load average when the run ended: other work on the machine. */
  load: number;
}

function checkContents(
  stored: { key: Uint8Array | null; value: Uint8Array | null }[],
  spec: RunSpec,
  client: ClientId,
): void {
  const decoder = new TextDecoder();
  const seen = new Set<number>();
  for (const record of stored) {
    if (record.key === null || record.value === null) {
      throw new Error(`${client} stored a record without key or value`);
    }
    const key = decoder.decode(record.key);
    const i = Number(spec.keys === "plain" ? key : key.slice(4));
    const want = wireRecord(spec.keys, spec.values, i);
    if (
      !Number.isInteger(i) || seen.has(i) || decoder.decode(want.key) !== key ||
      want.value.length !== record.value.length || !want.value.every((b, j) =>
        record.value![j] === b
      )
    ) {
      throw new Error(`${client} stored a record that was not sent: key ${JSON.stringify(key)}`);
    }
    seen.add(i);
  }
}

async function runOnce(group: Group, client: ClientId, round: number): Promise<Run> {
  const topic: RunTopic = await target.prepare();
  try {
    const { stdout, cost } = await measure(
      binDir + "/rusage",
      clientCommand(client, group.spec, topic.bootstrap, topic.topic, env),
      RUN_TIMEOUT_MS,
    );
    const report = parseReport(client, stdout);
    const expected = group.spec.mode === "latency"
      ? group.spec.records + group.spec.warmup
      : group.spec.records;
    const sends = !client.startsWith("source");
    const landed = sends ? await topic.count(expected) : NaN;
    if (sends && landed !== expected) {
      throw new Error(`${client} landed ${landed} of ${expected} records in ${topic.topic}`);
    }
    if (smoke && sends && client !== "java") {
      checkContents(await topic.records(), group.spec, client);
    }
    const seconds = report.seconds ?? NaN;
    return {
      group: group.title,
      client,
      round,
      recordsPerSecond: group.spec.records / seconds,
      seconds,
      cpuS: cost.userS + cost.sysS,
      cpuTimedS: report.cpuTimedS ?? NaN,
      peakRssMB: cost.maxRssKiB / 1024,
      landed,
      latenciesMs: report.latenciesMs,
      load: loadavg()[0]!,
    };
  } finally {
    await topic.dispose();
  }
}

console.error(
  `[peers] target ${target.name}, ${runs} round(s), suites ${suites.join(",")}, clients ` +
    `${clients.join(",")}, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`,
);
const all: Run[] = [];
for (let round = 1; round <= runs; round++) {
  for (const group of groups) {
    // Each round starts with another client, so none always runs first or last.
    const order = group.clients.map((_, k) =>
      group.clients[(k + round - 1) % group.clients.length]!
    );
    for (const client of order) {
      const why = unsupported(client, group.spec, target.name);
      if (why !== undefined) continue;
      const run = await runOnce(group, client, round);
      all.push(run);
      appendFileSync(resultsFile, JSON.stringify({ target: target.name, ...run }) + "\n");
      console.error(
        `[peers] round ${round} ${client.padEnd(17)} ${group.title}: ` +
          (run.latenciesMs === undefined
            ? `${thousands(run.recordsPerSecond)} records/s, CPU ${fixed(run.cpuS, 2)} s, ` +
              `RSS ${fixed(run.peakRssMB, 0)} MB, landed ${fixed(run.landed, 0)}, load ${
                fixed(run.load, 1)
              }`
            : `p50 ${fixed(percentile(run.latenciesMs, 50), 2)} ms, ` +
              `p99 ${fixed(percentile(run.latenciesMs, 99), 2)} ms`),
      );
    }
  }
}

const out: string[] = [
  `# bench/peers.ts --target ${target.name}: ${runs} interleaved round(s), medians`,
  "",
  `${runtimeVersions()}, @platformatic/kafka ${PLATFORMATIC_VERSION}, batchBytes ${batchBytes}, ` +
  `load average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}. ` +
  `Raw runs: ${resultsFile}`,
];
function runtimeVersions(): string {
  const version = (command: string, args: string[]): string => {
    try {
      return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        .split("\n")[0]!.trim();
    } catch {
      return `${command}: not found`;
    }
  };
  return [
    version(process.env.DENO_BIN ?? "deno", ["--version"]),
    "bun " + version(process.env.BUN_BIN ?? "bun", ["--version"]),
    "librdkafka " + version("dpkg-query", ["-W", "-f=${Version}", "librdkafka-dev"]),
  ].join(", ");
}
for (const group of groups) {
  const rows = group.clients
    .map((client) => ({
      client,
      runs: all.filter((r) => r.group === group.title && r.client === client),
    }))
    .filter((x) => x.runs.length > 0);
  if (rows.length === 0) continue;
  out.push("", `## ${group.title}`, "");
  if (group.spec.mode === "latency") {
    out.push(markdownTable(
      ["client", "p50 ms", "p99 ms", "max ms", "p50 per run"],
      rows.map(({ client, runs }) => [
        client,
        fixed(median(runs.map((r) => percentile(r.latenciesMs!, 50))), 3),
        fixed(median(runs.map((r) => percentile(r.latenciesMs!, 99))), 3),
        fixed(median(runs.map((r) => percentile(r.latenciesMs!, 100))), 3),
        runs.map((r) => fixed(percentile(r.latenciesMs!, 50), 2)).join(" "),
      ]),
    ));
    continue;
  }
  const med = new Map(rows.map(({ client, runs }) => [client, {
    rate: median(runs.map((r) => r.recordsPerSecond)),
    cpu: median(runs.map((r) => r.cpuS)),
    cpuTimed: median(runs.map((r) => r.cpuTimedS)),
    rss: median(runs.map((r) => r.peakRssMB)),
  }]));
  out.push(markdownTable(
    ["client", "records/s", "runs", "CPU s (process)", "CPU s (timed)", "peak RSS MB", "landed"],
    rows.map(({ client, runs }) => {
      const m = med.get(client)!;
      return [
        client,
        thousands(m.rate),
        runs.map((r) => thousands(r.recordsPerSecond)).join(" "),
        fixed(m.cpu, 2),
        fixed(m.cpuTimed, 2),
        fixed(m.rss, 0),
        runs.map((r) => Number.isNaN(r.landed) ? "-" : String(r.landed)).join(" "),
      ];
    }),
  ));
  const peers = rows.map((r) => r.client).filter((c) => !ours(c) && !source(c));
  const ratios: string[] = [];
  for (const { client } of rows.filter((r) => ours(r.client))) {
    const m = med.get(client)!;
    const parts = peers.map((peer) => `${fixed(m.rate / med.get(peer)!.rate, 2)}x ${peer}`);
    const rd = med.get("librdkafka");
    if (rd !== undefined) {
      parts.push(
        `CPU ${fixed(m.cpu / rd.cpu, 2)}x librdkafka's (timed: ${
          fixed(m.cpuTimed / rd.cpuTimed, 2)
        }x)`,
      );
    }
    ratios.push(`- ${client}: ${parts.join(", ")}`);
  }
  if (ratios.length > 0) out.push("", ...ratios);
}
console.log(out.join("\n"));
