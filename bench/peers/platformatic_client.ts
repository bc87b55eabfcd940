/**
 * @platformatic/kafka as a client of bench/peers.ts, on the runtime it is started
 * with, fed from the same `ReadableStream` of records as ours:
 *
 *   bun bench/peers/platformatic_client.ts --module PATH/dist/index.js
 *       --bootstrap H:P,... --topic T --records N --acks 1|all [--idempotent 0|1]
 *       [--keys padded|plain] [--values bytes|string|json|text1k] [--compression C]
 *       [--mode throughput|latency] [--warmup W]
 *       [--drive send|stream] [--send-records R] [--in-flight F]
 *
 * It does not batch across `send()` calls, so in throughput mode the records are
 * grouped here: `--drive send` (the default) reads the stream, calls `send()` with
 * R records at a time and keeps up to F calls open; `--drive stream` pipes into its
 * own Node `Writable` (`producer.asStream()`, R records per batch, which sends one
 * batch at a time). The package is installed by bench/peers.ts outside the tree
 * (npm, version pinned there) and loaded from `--module`. Prints one JSON line.
 *
 * @module
 */
import process from "node:process";
import { Readable, Transform, type Writable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { pathToFileURL } from "node:url";
import { Buffer } from "node:buffer";
import { flag, requiredFlag, runtimeName } from "./args.ts";
import {
  type BenchRecord,
  type KeyKind,
  keyOf,
  recordSource,
  type ValueKind,
  valueOf,
} from "./workload.ts";

/** The few parts of @platformatic/kafka's API this client uses. */
interface Message {
  topic: string;
  key: string;
  value: unknown;
}
interface PlatformaticProducer {
  send(options: { messages: Message[] }): Promise<unknown>;
  asStream(options: { batchSize: number; batchTime: number; highWaterMark: number }): Writable;
  close(force?: boolean): Promise<void>;
}
interface PlatformaticModule {
  Producer: new (options: Record<string, unknown>) => PlatformaticProducer;
  stringSerializer: (data?: string) => Buffer | undefined;
  jsonSerializer: (data?: unknown) => Buffer | undefined;
}

const mod = await import(pathToFileURL(requiredFlag("module")).href) as PlatformaticModule;
const bootstrap = requiredFlag("bootstrap").split(",");
const topic = requiredFlag("topic");
const records = Number(flag("records", "1000000"));
const acks = flag("acks", "all") === "all" ? -1 : Number(flag("acks", "all"));
const keys = flag("keys", "padded") as KeyKind;
const values = flag("values", "bytes") as ValueKind;
const mode = flag("mode", "throughput");
const drive = flag("drive", "send");
const sendRecords = Number(flag("send-records", "4096"));
const inFlight = Number(flag("in-flight", "5"));

const bytesToBuffer = (data?: unknown): Buffer | undefined =>
  data instanceof Uint8Array
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : undefined;
const options: Record<string, unknown> = {
  clientId: "bench-platformatic",
  bootstrapBrokers: bootstrap,
  acks,
  idempotent: flag("idempotent", "0") === "1",
  serializers: {
    key: mod.stringSerializer,
    value: values === "json"
      ? mod.jsonSerializer
      : values === "string"
      ? mod.stringSerializer
      : bytesToBuffer,
  },
};
if (flag("compression", "none") !== "none") options.compression = flag("compression", "none");
const producer = new mod.Producer(options);

const message = (record: BenchRecord): Message => ({ topic, key: record.key, value: record.value });

const result: Record<string, unknown> = {
  client: "platformatic",
  runtime: runtimeName(),
  records,
  drive: mode === "latency" ? "send" : drive,
};
if (mode === "latency") {
  const warmup = Number(flag("warmup", "20"));
  const latenciesMs: number[] = [];
  for (let i = -warmup; i < records; i++) {
    const started = performance.now();
    await producer.send({
      messages: [{ topic, key: keyOf(keys, i + warmup), value: valueOf(values, i + warmup) }],
    });
    if (i >= 0) latenciesMs.push(Number((performance.now() - started).toFixed(4)));
  }
  result.latenciesMs = latenciesMs;
} else {
  const source = recordSource(records, keys, values);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  if (drive === "stream") {
    const sink = producer.asStream({
      batchSize: sendRecords,
      batchTime: 5,
      highWaterMark: sendRecords,
    });
    await new Promise<void>((resolve, reject) => {
      const input = Readable.fromWeb(source as unknown as NodeReadableStream<BenchRecord>, {
        objectMode: true,
      });
      input.on("error", reject);
      sink.on("error", reject);
      sink.on("finish", () => resolve());
      const toMessage = new Transform({
        objectMode: true,
        transform(record: BenchRecord, _encoding, callback) {
          callback(null, message(record));
        },
      });
      input.pipe(toMessage).pipe(sink);
    });
  } else {
    const open = new Set<Promise<unknown>>();
    let batch: Message[] = [];
    const flush = async (): Promise<void> => {
      const sent = producer.send({ messages: batch });
      batch = [];
      open.add(sent);
      sent.finally(() => open.delete(sent)).catch(() => {});
      if (open.size >= inFlight) await Promise.race(open);
    };
    for await (const record of source) {
      batch.push(message(record));
      if (batch.length >= sendRecords) await flush();
    }
    if (batch.length > 0) await flush();
    await Promise.all(open);
  }
  result.seconds = Number(((performance.now() - started) / 1000).toFixed(4));
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuTimedS = Number(((cpu.user + cpu.system) / 1e6).toFixed(3));
}
await producer.close(true);
console.log(JSON.stringify(result));
process.exit(0);
