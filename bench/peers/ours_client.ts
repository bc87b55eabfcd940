/**
 * Our producer as a client of bench/peers.ts, run in its own process (Deno or Bun)
 * so that its CPU time and peak RSS are its own:
 *
 *   deno run -A bench/peers/ours_client.ts --bootstrap H:P,... --topic T --records N
 *       --acks 1|all [--idempotent 0|1] [--batch-bytes B] [--linger-ms L] [--buffer-bytes M]
 *       [--keys padded|plain] [--values bytes|string|json|text1k] [--compression C]
 *       [--mode throughput|latency] [--warmup W] [--sink none]
 *
 * Throughput: the workload's `ReadableStream` piped into `kafkaSink`. Latency: N
 * awaited `producer.send()` of one record each, after W that are not timed.
 * Options not given keep the producer's defaults. `--sink none` pipes the same
 * records into a `WritableStream` that does nothing: what the runtime and the
 * source alone take, the floor under our figures. Prints one JSON line.
 *
 * @module
 */
import process from "node:process";
import {
  type CompressionType,
  createProducer,
  jsonSerializer,
  kafkaSink,
  type Producer,
  type ProducerOptions,
} from "../../mod.ts";
import { flag, requiredFlag, runtimeName } from "./args.ts";
import {
  type BenchRecord,
  type KeyKind,
  keyOf,
  recordSource,
  type ValueKind,
  valueOf,
} from "./workload.ts";

const bootstrap = requiredFlag("bootstrap").split(",");
const topic = requiredFlag("topic");
const records = Number(flag("records", "1000000"));
const acks = flag("acks", "all") === "all" ? "all" : Number(flag("acks", "all")) as 0 | 1;
const keys = flag("keys", "padded") as KeyKind;
const values = flag("values", "bytes") as ValueKind;
const mode = flag("mode", "throughput");

const options: ProducerOptions<string, string | Uint8Array> = { bootstrap, topic, acks };
if (flag("idempotent", "") !== "") options.idempotent = flag("idempotent", "") === "1";
if (flag("batch-bytes", "") !== "") options.batchBytes = Number(flag("batch-bytes", ""));
if (flag("linger-ms", "") !== "") options.lingerMs = Number(flag("linger-ms", ""));
if (flag("buffer-bytes", "") !== "") options.bufferBytes = Number(flag("buffer-bytes", ""));
if (flag("compression", "none") !== "none") {
  options.compression = flag("compression", "none") as CompressionType;
}

const result: Record<string, unknown> = { client: "ours", runtime: runtimeName(), records };
// Strings and Uint8Arrays need no serializer, objects go through jsonSerializer. A
// run's records all carry the one kind of value its options are for: hence the casts.
if (mode === "latency") {
  const producer = values === "json"
    ? createProducer<string, unknown>({ ...options, valueSerializer: jsonSerializer })
    : createProducer<string, string | Uint8Array>(options) as unknown as Producer<
      string,
      unknown
    >;
  const warmup = Number(flag("warmup", "20"));
  const latenciesMs: number[] = [];
  for (let i = -warmup; i < records; i++) {
    const started = performance.now();
    await producer.send({ key: keyOf(keys, i + warmup), value: valueOf(values, i + warmup) });
    if (i >= 0) latenciesMs.push(Number((performance.now() - started).toFixed(4)));
  }
  await producer.close();
  result.latenciesMs = latenciesMs;
} else {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const sink = flag("sink", "kafka") === "none"
    ? new WritableStream<BenchRecord>()
    : values === "json"
    ? kafkaSink<string, unknown>({ ...options, valueSerializer: jsonSerializer })
    : kafkaSink<string, string | Uint8Array>(options) as unknown as WritableStream<BenchRecord>;
  await recordSource(records, keys, values).pipeTo(sink);
  result.seconds = Number(((performance.now() - started) / 1000).toFixed(4));
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuTimedS = Number(((cpu.user + cpu.system) / 1e6).toFixed(3));
}
console.log(JSON.stringify(result));
