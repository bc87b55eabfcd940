/**
 * `demo`: the producer doing its job, with nothing to install. It starts a test
 * broker in this process (or uses `--bootstrap`), pipes a million keyed records of
 * 100-byte values through `kafkaSink` with the progress line, reads every one back
 * over the sockets with Fetch requests, checks that each was stored once, on the
 * partition Java's murmur2 gives its key, and in write order, and prints one line:
 * records/s, MB/s, peak RSS, verified.
 *
 * @module
 */

import process from "node:process";
import type { ProducerOptions } from "../../mod.ts";
import { startTestBroker, type TestBroker } from "../testing.ts";
import { type Flags, type FlagSpec, parseFlags } from "./args.ts";
import { ClusterReader } from "./cluster_reader.ts";
import { type CliIo, type Command, UsageError, usageErrorsOf } from "./command.ts";
import { DemoCheck, demoRecords, type DemoShape } from "./demo_records.ts";
import { count, mebibytes, perSecond, seconds } from "./format.ts";
import { javaConfig } from "./java_config.ts";
import { AckRate, meteredSink, ProgressLine, progressText } from "./progress.ts";

const DEFAULTS = {
  records: 1_000_000,
  partitions: 6,
  brokers: 1,
  keys: 10_000,
  valueBytes: 100,
  topic: "webstream-demo",
  timeoutMs: 30_000,
};

const HELP = `Usage: webstream-kafka demo [options]

Starts a Kafka test broker in this process (or uses --bootstrap), produces N keyed
records through kafkaSink with a progress line, reads every one back with Fetch
requests over the sockets, checks that each was stored once, on the partition Java's
murmur2 gives its key, and in write order, and prints one result line: records/s, MB/s
(of keys and values), peak RSS, verified. Exits 0 when verified, 1 otherwise.

Options:
      --records N           records to produce (default ${count(DEFAULTS.records)})
      --keys N              distinct keys; record i has key user-<i mod N> (default ${
  count(DEFAULTS.keys)
})
      --value-bytes N       bytes per value, at least 12 (default ${DEFAULTS.valueBytes})
      --partitions N        partitions of the in-process topic (default ${DEFAULTS.partitions})
      --brokers N           in-process brokers (default ${DEFAULTS.brokers})
  -b, --bootstrap LIST      use this cluster instead; the topic must exist there (records
                            already in it are left out of the check)
  -t, --topic NAME          the topic (default ${DEFAULTS.topic})
  -X NAME=VALUE             a producer config by its Java name, as for produce
      --timeout MS          Java's max.block.ms (default ${DEFAULTS.timeoutMs})
      --progress            show progress on stderr even when it is not a terminal
  -q, --quiet               no progress and no opening line; only the result
  -h, --help                this text

The in-process broker keeps every record (no retention limit) so that all can be read
back: about 150 bytes of memory per record of 100 bytes.

Example:
  npx -y deno@2.9.6 task demo
  bun src/cli/main.ts demo --records 200000 -X compression.type=lz4`;

const FLAGS = {
  "--records": { kind: "integer", min: 1 },
  "--keys": { kind: "integer", min: 1 },
  "--value-bytes": { kind: "integer", min: 12 },
  "--partitions": { kind: "integer", min: 1 },
  "--brokers": { kind: "integer", min: 1 },
  "--bootstrap": { kind: "string", alias: "-b" },
  "--topic": { kind: "string", alias: "-t" },
  "-X": { kind: "list" },
  "--timeout": { kind: "integer", min: 0 },
  "--progress": { kind: "boolean" },
  "--quiet": { kind: "boolean", alias: "-q" },
} as const satisfies Readonly<Record<string, FlagSpec>>;

/** The highest resident set size of this process so far, in bytes. */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

type DemoFlags = Flags<typeof FLAGS>;

/** What a run needs, from the flags. */
interface DemoPlan {
  readonly flags: DemoFlags;
  readonly shape: DemoShape;
  readonly topic: string;
  readonly quiet: boolean;
  readonly showProgress: boolean;
  readonly write: (text: string) => void;
  readonly producerOptions: Partial<ProducerOptions>;
}

function plan(args: readonly string[], io: CliIo): DemoPlan {
  const flags = parseFlags(args, FLAGS);
  if (
    flags["--bootstrap"] !== undefined &&
    (flags["--brokers"] ?? flags["--partitions"]) !== undefined
  ) {
    throw new UsageError(
      "--brokers and --partitions are for the in-process broker, not --bootstrap",
    );
  }
  if (flags["--progress"] === true && flags["--quiet"] === true) {
    throw new UsageError("--progress and --quiet disagree: give one");
  }
  const java = javaConfig(flags["-X"] ?? []);
  if (java.security.size > 0) {
    throw new UsageError(`-X ${[...java.security.keys()][0]}: the demo takes no TLS or SASL`);
  }
  if (java.options.bootstrap !== undefined) {
    throw new UsageError("give the cluster with --bootstrap");
  }
  const quiet = flags["--quiet"] === true;
  return {
    flags,
    shape: {
      records: flags["--records"] ?? DEFAULTS.records,
      keys: flags["--keys"] ?? DEFAULTS.keys,
      valueBytes: flags["--value-bytes"] ?? DEFAULTS.valueBytes,
    },
    topic: flags["--topic"] ?? DEFAULTS.topic,
    quiet,
    showProgress: !quiet &&
      (flags["--progress"] ?? io.stderrIsTerminal ?? process.stderr.isTTY === true),
    write: io.stderrRaw ?? ((text: string) => void process.stderr.write(text)),
    producerOptions: java.options,
  };
}

/** The line that says what the demo is about to do. */
function openingLine(
  p: DemoPlan,
  partitions: number,
  bootstrap: readonly string[],
  broker: TestBroker | undefined,
): string {
  const where = broker === undefined
    ? bootstrap.join(",")
    : `a test broker in this process (${broker.brokers.length} broker${
      broker.brokers.length === 1 ? "" : "s"
    }, ${bootstrap.join(",")})`;
  return `demo: ${count(p.shape.records)} records (${
    count(p.shape.keys)
  } keys, ${p.shape.valueBytes}-byte values) to ${p.topic} (${partitions} partitions) on ${where}`;
}

/** Produces the records through the metered sink; returns how long it took, in ms. */
async function produce(p: DemoPlan, bootstrap: readonly string[]): Promise<number> {
  const options: ProducerOptions = {
    maxBlockMs: p.flags["--timeout"] ?? DEFAULTS.timeoutMs,
    ...p.producerOptions,
    bootstrap,
    topic: p.topic,
  };
  const sink = usageErrorsOf(() => meteredSink(options));
  const started = performance.now();
  const rate = new AckRate();
  const producing = p.showProgress
    ? new ProgressLine(p.write, () => {
      const s = sink.snapshot();
      return progressText(s, rate.sample(performance.now() - started, s["record-ack-total"]));
    })
    : undefined;
  producing?.start();
  try {
    await demoRecords(p.shape).pipeTo(sink.writable);
  } finally {
    producing?.stop();
    await sink.close().catch(() => {});
  }
  return performance.now() - started;
}

/** Reads back what was produced over Fetch and checks it; how long it took, and the verdict. */
async function readBack(
  p: DemoPlan,
  reader: ClusterReader,
  partitions: number,
  before: readonly bigint[],
): Promise<{ readMs: number; verdict: ReturnType<DemoCheck["verdict"]> }> {
  const after = await reader.offsets(p.topic, "latest");
  const check = new DemoCheck(p.shape, partitions);
  let read = 0;
  const started = performance.now();
  const reading = p.showProgress
    ? new ProgressLine(
      p.write,
      () => `reading back over Fetch: ${count(read)} of ${count(p.shape.records)} records`,
    )
    : undefined;
  reading?.start();
  try {
    await reader.read(p.topic, before, after, (partition, offset, key, value) => {
      read++;
      check.record(partition, offset, key, value);
    });
  } finally {
    reading?.stop();
  }
  return { readMs: performance.now() - started, verdict: check.verdict() };
}

/** The figures of the result line. */
function figures(shape: DemoShape, produceMs: number, readMs: number): string {
  const payload = shape.records * shape.valueBytes + keyBytes(shape);
  return `${count(shape.records)} records produced in ${seconds(produceMs)}: ${
    count(perSecond(shape.records, produceMs))
  } records/s, ${
    (perSecond(payload, produceMs) / 1e6).toFixed(1)
  } MB/s (keys and values); read back over Fetch in ${seconds(readMs)}; peak RSS ${
    mebibytes(peakRss())
  }`;
}

/** The `demo` command. */
export const demoCommand: Command = {
  name: "demo",
  summary: "produce a million records to an in-process broker, read them back, check them",
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const p = plan(args, io);
    const external = p.flags["--bootstrap"];
    let broker: TestBroker | undefined;
    let reader: ClusterReader | undefined;
    try {
      if (external === undefined) {
        broker = await startTestBroker({
          brokers: p.flags["--brokers"] ?? DEFAULTS.brokers,
          topics: {
            [p.topic]: {
              partitions: p.flags["--partitions"] ?? DEFAULTS.partitions,
              retentionBytes: -1,
            },
          },
        });
      }
      const bootstrap = broker?.bootstrap ?? external!.split(",").map((a) => a.trim());
      reader = await ClusterReader.open(bootstrap);
      const partitions = await reader.partitions(p.topic);
      const before = await reader.offsets(p.topic, "latest");
      if (!p.quiet) io.stderr(openingLine(p, partitions, bootstrap, broker));
      const produceMs = await produce(p, bootstrap);
      const { readMs, verdict } = await readBack(p, reader, partitions, before);
      const result = figures(p.shape, produceMs, readMs);
      if (verdict.verified) {
        io.stdout(
          `demo: ${result}; verified: every record once, on its murmur2 partition, in order`,
        );
        return 0;
      }
      io.stdout(`demo: ${result}; NOT verified: ${verdict.problems.join("; ")}`);
      return 1;
    } finally {
      reader?.close();
      await broker?.close();
    }
  },
};

/** The bytes of all keys written: `user-<i mod keys>` for each record. */
function keyBytes(shape: DemoShape): number {
  let total = 0;
  const full = Math.floor(shape.records / shape.keys);
  const rest = shape.records % shape.keys;
  for (let k = 0; k < Math.min(shape.keys, shape.records); k++) {
    total += (5 + String(k).length) * (full + (k < rest ? 1 : 0));
  }
  return total;
}
