/**
 * Profiles our producer on the W1 run of bench/peers.ts (acks=1, 1 MiB batches,
 * the workload's keys and values) against a fresh mock cluster, and prints what it
 * found: the functions with the most self time (Deno's `--cpu-prof`, Bun's
 * `--cpu-prof`), and the garbage collections with what was allocated per record
 * (Deno: `--trace-gc-nvp`; Bun: JavaScriptCore's `logGC`).
 *
 *   deno run -A bench/peers/profile.ts [--records N] [--values bytes|string|json]
 *       [--keys padded|plain] [--runtimes deno,bun] [--top 25] [--sink none]
 *
 * `--sink none` profiles the same records piped into a sink that does nothing: the
 * share of the source and the runtime's streams.
 * The profiles stay in $BENCH_HOME/profiles for Chrome's DevTools or speedscope.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { flag } from "./args.ts";
import { BENCH_HOME } from "./clients.ts";
import { mockTarget } from "./targets.ts";

const records = Number(flag("records", "1000000"));
const values = flag("values", "bytes");
const keys = flag("keys", "padded");
const runtimes = flag("runtimes", "deno,bun").split(",");
const top = Number(flag("top", "25"));
const sink = flag("sink", "kafka");
const client = fileURLToPath(new URL("./ours_client.ts", import.meta.url));
const dir = join(BENCH_HOME, "profiles");

/** A node of a `.cpuprofile` (Chrome's format, which Deno and Bun both write). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * The functions with the most self time in a `.cpuprofile`.
 *
 * @param profile The profile.
 * @param count How many.
 * @param by Whether to add up by function (and line) or by file.
 * @returns Lines of "self ms, share, function, place".
 */
export function topSelfTime(
  profile: CpuProfile,
  count: number,
  by: "function" | "file" = "function",
): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const place = url === ""
      ? ""
      : `${url.replace(/^.*\/(src|bench|ext|node)\//, "$1/")}:${lineNumber + 1}`;
    const file = url === "" ? `(${functionName || "native"})` : place.replace(/:\d+$/, "");
    const name = by === "file" ? file : `${functionName || "(anonymous)"} ${place}`.trim();
    self.set(name, (self.get(name) ?? 0) + delta);
    total += delta;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) =>
      `${(us / 1000).toFixed(0).padStart(6)} ms ${
        (100 * us / total).toFixed(1).padStart(5)
      }%  ${name}`
    );
}

/** What `--trace-gc-nvp` said (a JSON object per collection): counts, pauses, bytes. */
export function v8GcSummary(output: string, records: number): string[] {
  const kinds = new Map<string, number>();
  let allocated = 0;
  let promoted = 0;
  let survived = 0;
  let pause = 0;
  for (const line of output.split("\n")) {
    // Fields are read one by one: the runtime's own output can land inside a line.
    const kind = /"gc":"(\w+)"/.exec(line)?.[1];
    if (kind === undefined) continue;
    const field = (name: string): number =>
      Number(new RegExp(`"${name}":([\\d.]+)`).exec(line)?.[1] ?? 0);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    allocated += field("allocated");
    promoted += field("promoted");
    survived += field("new_space_survived");
    pause += field("pause");
  }
  const names: Record<string, string> = { s: "scavenge", mc: "mark-compact", ms: "minor-ms" };
  const mib = (n: number): string => (n / 1048576).toFixed(0);
  return [
    `collections: ${
      [...kinds.entries()].map(([k, n]) => `${n} ${names[k] ?? k}`).join(", ") || "none"
    }; ${pause.toFixed(0)} ms paused`,
    `allocated ${mib(allocated)} MiB (${(allocated / records).toFixed(0)} bytes per record), ` +
    `young survivors copied ${mib(survived)} MiB, promoted ${mib(promoted)} MiB ` +
    `(${(promoted / records).toFixed(0)} bytes per record)`,
  ];
}

/** What JavaScriptCore's logGC said: collections by kind, pauses, bytes allocated. */
export function jscGcSummary(output: string, records: number): string[] {
  const kinds = new Map<string, number>();
  let pause = 0;
  let allocated = 0;
  for (const line of output.split("\n")) {
    const kind = /=> (\w+)Collection/.exec(line);
    if (kind !== null) {
      kinds.set(kind[1]!, (kinds.get(kind[1]!) ?? 0) + 1);
      pause += Number(/ p=([\d.]+)ms/.exec(line)?.[1] ?? 0);
    }
    const cycle = /bytes allocated this cycle: (\d+)/.exec(line);
    if (cycle !== null) allocated += Number(cycle[1]);
  }
  return [
    `collections: ${[...kinds.entries()].map(([k, n]) => `${n} ${k}`).join(", ") || "none seen"}; ${
      pause.toFixed(0)
    } ms paused`,
    `allocated (counted when a collection is requested) ${(allocated / 1048576).toFixed(0)} MiB ` +
    `(${(allocated / records).toFixed(0)} bytes per record)`,
  ];
}

/** Runs the W1 client once against a fresh mock; resolves with its stdout and stderr. */
async function runClient(
  command: string,
  before: string[],
  extraEnv: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const topic = await mockTarget.prepare();
  try {
    const args = [
      ...before,
      client,
      "--bootstrap",
      topic.bootstrap.join(","),
      "--topic",
      topic.topic,
      "--records",
      String(records),
      "--acks",
      "1",
      "--idempotent",
      "0",
      "--batch-bytes",
      "1048576",
      "--keys",
      keys,
      "--values",
      values,
      "--sink",
      sink,
    ];
    return await new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...extraEnv },
      });
      const out: string[] = [];
      const err: string[] = [];
      child.stdout!.setEncoding("utf8").on("data", (c: string) => out.push(c));
      child.stderr!.setEncoding("utf8").on("data", (c: string) => err.push(c));
      child.on("error", reject);
      child.on("close", (code) => {
        const result = { stdout: out.join(""), stderr: err.join("") };
        if (code === 0) resolve(result);
        else {reject(
            new Error(`Cannot profile ${command} as the run failed: ${result.stderr.slice(-2000)}`),
          );}
      });
    });
  } finally {
    await topic.dispose();
  }
}

function newestProfile(into: string): CpuProfile {
  const file = readdirSync(into).filter((f) => f.endsWith(".cpuprofile")).sort().pop();
  if (file === undefined) throw new Error(`Cannot find a .cpuprofile in ${into}`);
  return JSON.parse(readFileSync(join(into, file), "utf8")) as CpuProfile;
}

async function main(): Promise<void> {
  const lines: string[] = [
    `# bench/peers/profile.ts: W1, ${records} records, ${keys} keys, ${values} values, sink ${sink}`,
  ];
  for (const runtime of runtimes) {
    const into = join(dir, runtime);
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into, { recursive: true });
    const bin = runtime === "deno" ? process.env.DENO_BIN ?? "deno" : process.env.BUN_BIN ?? "bun";
    const cpuArgs = runtime === "deno"
      ? ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${into}`]
      : ["--cpu-prof", `--cpu-prof-dir=${into}`];
    const cpu = await runClient(bin, cpuArgs, {});
    lines.push(
      "",
      `## ${runtime}: ${bin} ${cpuArgs.join(" ")} bench/peers/ours_client.ts ...`,
      cpu.stdout.trim().split("\n").pop()!,
      ...topSelfTime(newestProfile(into), top),
      "",
      "self time by file:",
      ...topSelfTime(newestProfile(into), 12, "file"),
    );
    if (runtime === "deno") {
      const gcArgs = ["run", "-A", "--v8-flags=--trace-gc-nvp"];
      const gc = await runClient(bin, gcArgs, {});
      lines.push(
        "",
        `## ${runtime}: ${bin} ${gcArgs.join(" ")} bench/peers/ours_client.ts ...`,
        ...v8GcSummary(gc.stdout, records),
      );
    } else {
      // JavaScriptCore reads its options from BUN_JSC_* variables; logGC goes to stderr.
      const gc = await runClient(bin, [], { BUN_JSC_logGC: "1" });
      lines.push(
        "",
        `## ${runtime}: BUN_JSC_logGC=1 ${bin} bench/peers/ours_client.ts ...`,
        ...jscGcSummary(gc.stderr, records),
      );
    }
  }
  console.log(lines.join("\n"));
}

if (import.meta.main) await main();
