/**
 * End-to-end throughput: pipes N records (keys "key-" + 8 digits, 100-byte values)
 * through kafkaSink into a 6-partition topic on 3 brokers, then checks with kcat
 * (librdkafka, an independent client) that the partitions' end offsets add up to N.
 * Prints records/s, MB/s, client CPU seconds and peak RSS.
 *
 *   deno run -A bench/e2e.ts --target mock  --acks 1   --records 1000000
 *   bun bench/e2e.ts         --target kafka --acks all --records 1000000
 *   deno run -A bench/e2e.ts --target mock  --compression lz4
 *
 * `--target mock` starts librdkafka's mock cluster (tests/mock); `--target kafka`
 * uses the local 3-node cluster of tests/kafka (started if needed); `--target none`
 * pipes the same records into a sink that does nothing, which measures what the
 * runtime and the source alone take (the floor under the figures of the others).
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { kafkaSink, type ProducerRecord } from "../mod.ts";
import { endOffsets, startMockCluster } from "../tests/mock/mock_cluster.ts";
import {
  bootstrapServers,
  createTopic,
  ensureCluster,
  uniqueTopic,
} from "../tests/kafka/cluster.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const target = arg("target", "mock");
const records = Number(arg("records", "1000000"));
const acksArg = arg("acks", target === "mock" ? "1" : "all");
const acks = acksArg === "all" ? "all" : (Number(acksArg) as 0 | 1 | -1);
const batchBytes = Number(arg("batch-bytes", "262144"));
const lingerMs = Number(arg("linger-ms", "5"));
const compression = arg("compression", "none") as "none" | "gzip" | "snappy" | "lz4" | "zstd";
const PARTITIONS = 6;
const VALUE = "v".repeat(100);

function peakRssKiB(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

let bootstrap: string[];
let topic: string;
let close = async (): Promise<void> => {};
if (target === "none") {
  bootstrap = [];
  topic = "";
} else if (target === "mock") {
  const mock = await startMockCluster({ brokers: 3 });
  topic = "bench";
  await mock.createTopic(topic, PARTITIONS, 3);
  bootstrap = mock.bootstrap;
  close = () => mock.close();
} else {
  await ensureCluster();
  topic = uniqueTopic("bench");
  await createTopic(topic, PARTITIONS, 3, { "min.insync.replicas": 2 });
  bootstrap = bootstrapServers;
}

// The source makes records as the pipe pulls them, 256 at a time (about 28 KB, the
// size of a socket or file read), so the input itself holds little memory: piping
// 1,000,000 records into a sink that does nothing peaks at ~73 MB RSS on Deno, ~89 MB
// when made 4096 per pull.
const RECORDS_PER_PULL = 256;
// Keys are spelled from a table of 4-digit strings, not with String(n): V8 keeps the
// strings of the last ~16,000 numbers it converted in a cache, so every
// young-generation GC copies ~200 KB of them, and Deno's V8 answers by growing its
// young generation (2 x 8 MB to 2 x 32 MB over a run). Into a sink that does nothing,
// String(n) keys peak at 92 MB RSS for 1,000,000 records and 124 MB for 3,000,000;
// these keys at 73 MB for both.
const DIGITS4 = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, "0"));
let next = 0;
const source = new ReadableStream<ProducerRecord>({
  pull(controller) {
    const end = Math.min(records, next + RECORDS_PER_PULL);
    for (; next < end; next++) {
      controller.enqueue({
        key: "key-" + DIGITS4[Math.floor(next / 10_000) % 10_000]! + DIGITS4[next % 10_000]!,
        value: VALUE,
      });
    }
    if (next >= records) controller.close();
  },
}, { highWaterMark: 0 });

const rssSamples: number[] = [];
const sampler = setInterval(() => rssSamples.push(process.memoryUsage().rss), 50);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const bufferBytes = Number(arg("buffer-bytes", String(32 * 1024 * 1024)));
await source.pipeTo(
  target === "none"
    ? new WritableStream<ProducerRecord>()
    : kafkaSink({ bootstrap, topic, acks, batchBytes, lingerMs, bufferBytes, compression }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);

const landed = target === "none"
  ? null
  : [...(await endOffsets(bootstrap, topic, 120_000)).values()].reduce((a, b) => a + b, 0);
await close();

const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
const hwm = peakRssKiB();
const sampled = Math.max(...rssSamples, process.memoryUsage().rss);
const result = {
  runtime,
  target,
  acks: acksArg,
  batchBytes,
  compression,
  records,
  seconds: Number(seconds.toFixed(3)),
  recordsPerSecond: Math.round(records / seconds),
  mbPerSecond: Number((records * (12 + 100) / seconds / 1e6).toFixed(1)),
  cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  peakRssMB: Number(((hwm !== null ? hwm * 1024 : sampled) / 1048576).toFixed(1)),
  landed,
};
console.log(JSON.stringify(result));
if (landed !== null && landed !== records) {
  console.error(`count mismatch: wrote ${records}, end offsets add up to ${landed}`);
  process.exit(1);
}
