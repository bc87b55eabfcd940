/**
 * Memory of the test broker under a long run: starts the `broker` command in its own
 * process (default retention: 64 MiB per partition), pipes 5,000,000 records of 100 B
 * values through kafkaSink into it, and reports the broker process's peak resident
 * memory (VmHWM, Linux), what its partitions hold, and the rate. Not a timed test: a
 * measurement, with the bound it is checked against printed beside it.
 *
 *   deno run -A bench/test_broker_memory.ts [--runtime deno|bun] [--records N] [--partitions P]
 *     [--retention-bytes N] [--trace]
 *
 * The broker runs under `--runtime` (default deno); this script (the producer) runs
 * under whatever runs it.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { kafkaSink, type ProducerRecord } from "../mod.ts";
import { Connection } from "../src/net/connection.ts";
import { defaultConnect } from "../src/net/default_connect.ts";
import { listOffsetsApi, OffsetSpec } from "../src/protocol/list_offsets.ts";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const runtime = flag("runtime", "deno");
const RECORDS = Number(flag("records", "5000000"));
const PARTITIONS = Number(flag("partitions", "6"));
const RETENTION = Number(flag("retention-bytes", String(64 * 1024 * 1024)));
/**
 * The bound: twice what retention keeps, plus the runtime itself. Besides the records
 * it keeps, the broker holds request buffers and garbage its collector has not
 * reclaimed yet (the sockets' read chunks, the batches retention dropped), which the
 * runtimes let grow in proportion to the live memory, not with the run's length.
 */
const RUNTIME = 64 * 1024 * 1024;
const entry = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

const child = spawn(
  runtime === "bun" ? "bun" : "deno",
  [
    ...(runtime === "bun" ? [entry] : ["run", "-A", entry]),
    "broker",
    "--topic",
    `bench:${PARTITIONS}`,
    "--retention-bytes",
    String(RETENTION),
  ],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const bootstrap = await new Promise<string[]>((resolve, reject) => {
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
    if (out.includes("\n")) resolve(out.split("\n")[0]!.split(","));
  });
  child.once("exit", (code) => reject(new Error(`broker exited with ${code}`)));
});

function status(field: string): number {
  const text = readFileSync(`/proc/${child.pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m === null ? NaN : Number(m[1]) * 1024;
}

const startRss = status("VmRSS");
let peakSeen = startRss;
const trace = process.argv.includes("--trace");
let ticks = 0;
const sampler = setInterval(() => {
  const rss = status("VmRSS");
  peakSeen = Math.max(peakSeen, rss);
  if (trace && ++ticks % 10 === 0) {
    console.error(`${ticks / 10} s: ${next} records, broker RSS ${(rss / 1048576).toFixed(0)} MB`);
  }
}, 100);

// Keys spelled from a digit table (not String(n)) keep the producer's own heap small.
const value = new Uint8Array(100).fill(0x61);
const digits = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
let next = 0;
const started = performance.now();
await new ReadableStream<ProducerRecord<string, Uint8Array>>({
  pull(controller) {
    for (let n = 0; n < 5000 && next < RECORDS; n++, next++) {
      controller.enqueue({
        key: `key-${digits[next % 1000]}${digits[(next / 1000 | 0) % 1000]}`,
        value,
      });
    }
    if (next >= RECORDS) controller.close();
  },
}).pipeTo(kafkaSink({ bootstrap, topic: "bench", acks: 1, idempotent: false }));
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);

// What the partitions hold now: their end offsets add up to every record; retention
// has moved their start offsets.
const address = bootstrap[0]!;
const at = address.lastIndexOf(":");
const conn = new Connection(
  await defaultConnect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) }),
);
const partitions = Array.from({ length: PARTITIONS }, (_, partitionIndex) => partitionIndex);
const offsets = async (timestamp: bigint) =>
  (await conn.request(listOffsetsApi, 7, {
    topics: [{
      name: "bench",
      partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
    }],
  })).topics[0]!.partitions.map((p) => Number(p.offset));
const ends = await offsets(OffsetSpec.Latest);
const starts = await offsets(OffsetSpec.Earliest);
conn.close();
const hwm = status("VmHWM");
child.stdin!.end();
await new Promise((resolve) => child.once("exit", resolve));

const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);
const total = ends.reduce((a, b) => a + b, 0);
const kept = ends.reduce((a, b, i) => a + b - starts[i]!, 0);
const bound = 2 * PARTITIONS * RETENTION + RUNTIME;
console.log(`broker runtime:     ${runtime}`);
console.log(
  `records produced:   ${total} (${(RECORDS / seconds / 1000).toFixed(0)}k records/s, ${
    seconds.toFixed(1)
  } s)`,
);
console.log(`records kept:       ${kept} (log start offsets ${starts.join(", ")})`);
console.log(
  `broker RSS:         start ${mb(startRss)} MB, peak ${mb(Math.max(hwm, peakSeen))} MB (VmHWM)`,
);
console.log(
  `bound:              ${mb(bound)} MB = 2 x ${PARTITIONS} partitions x ${
    mb(RETENTION)
  } MB retention + ${mb(RUNTIME)} MB`,
);
if (total !== RECORDS) {
  console.error(`FAIL: the partitions end at ${total} offsets, not ${RECORDS}`);
  process.exit(1);
}
if (Math.max(hwm, peakSeen) > bound) {
  console.error("FAIL: the broker's peak RSS is over the bound");
  process.exit(1);
}
