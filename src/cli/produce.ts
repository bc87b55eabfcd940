/**
 * `produce`: records from standard input or a file into a topic, kcat style. The
 * input is streamed through `pipeTo(kafkaSink(...))`, read as the sink takes records,
 * never whole. Progress goes to standard error when it is a terminal; a summary line
 * at the end; exit code 0 only when every record was acknowledged.
 *
 * @module
 */

import { createReadStream, openSync, readFileSync } from "node:fs";
import process from "node:process";
import { KafkaDeliveryError, type ProducerOptions } from "../../mod.ts";
import { type Flags, type FlagSpec, parseFlags } from "./args.ts";
import { type CliIo, type Command, UsageError, usageErrorsOf } from "./command.ts";
import { count, megabytes, perSecond, seconds } from "./format.ts";
import {
  InputError,
  type InputFormat,
  type InputOptions,
  type InputRecords,
  inputRecords,
} from "./input_records.ts";
import { javaConfig } from "./java_config.ts";
import { AckRate, type MeteredSink, meteredSink, ProgressLine, progressText } from "./progress.ts";
import { DEFAULT_PASSWORD_ENV, type SecurityFlags, securityOptions } from "./security_flags.ts";

const DEFAULT_TIMEOUT_MS = 30_000;

const HELP = `Usage: webstream-kafka produce --bootstrap HOST:PORT[,...] --topic NAME [options]

Produces one record per line of stdin (or --file) to a topic, streamed: the input is
read as the producer takes records, never whole. Exits 0 once every record is
acknowledged; 1 when a record failed or the input cannot be read (the first error and
how many records failed on stderr); 2 for a usage error; 130 on Ctrl-C (after
delivering what was read).

Options:
  -b, --bootstrap LIST      brokers, host:port comma separated (or -X bootstrap.servers)
  -t, --topic NAME          the topic
      --file PATH           read PATH instead of stdin
      --format lines|json   lines (default): a line is a value, or a key and a value
                            with --key-delimiter; json: a line is one object
                            {"key", "value", "headers", "partition", "timestamp"},
                            strings as UTF-8, {"base64": "..."} for bytes, value
                            required (null for a tombstone)
  -K, --key-delimiter D     lines: split key and value at the first D (a line without
                            D has a null key)
      --keep-empty          lines: an empty line is a record with an empty value
                            (default: skipped)
  -p, --partition N         the partition of records that name none (default: the
                            partitioner: murmur2 of the key, as Java's)
  -X NAME=VALUE             a producer config by its Java name; repeat for more:
                            acks, linger.ms, batch.size, compression.type,
                            enable.idempotence, max.in.flight.requests.per.connection,
                            buffer.memory, max.request.size, request.timeout.ms,
                            delivery.timeout.ms, retry.backoff.ms, client.id, ...
      --timeout MS          how long a record may wait for the cluster (metadata,
                            buffer space) before the run fails; Java's max.block.ms
                            (default ${DEFAULT_TIMEOUT_MS})
      --tls                 TLS, trusting the runtime's root certificates
      --tls-ca FILE         ... and these PEM certificates
      --tls-cert FILE       a client certificate (PEM), for mutual TLS ...
      --tls-key FILE        ... and its unencrypted PEM key
      --sasl-mechanism M    PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
      --sasl-username NAME  the SASL user; the password is read from the environment
                            variable $${DEFAULT_PASSWORD_ENV}, never from arguments
      --sasl-password-env V read the password from $V instead
      --progress            show progress on stderr even when it is not a terminal
  -q, --quiet               no progress and no summary (errors are still printed)
  -h, --help                this text

Progress (on a terminal): records and MB acknowledged, records/s, requests in flight,
retries. Summary: records delivered, MB of record batches acknowledged (as sent:
compressed when compressed), seconds, records/s, records failed.

Examples:
  seq 1 100000 | sed 's/^/key-&:value-/' | webstream-kafka produce -b localhost:9092 -t events -K :
  webstream-kafka produce -b localhost:9092 -t events --file capture.jsonl --format json \\
    -X compression.type=lz4 -X linger.ms=20 -X acks=1`;

const FLAGS = {
  "--bootstrap": { kind: "string", alias: "-b" },
  "--topic": { kind: "string", alias: "-t" },
  "--file": { kind: "string" },
  "--format": { kind: "string" },
  "--key-delimiter": { kind: "string", alias: "-K" },
  "--keep-empty": { kind: "boolean" },
  "--partition": { kind: "integer", alias: "-p", min: 0 },
  "-X": { kind: "list" },
  "--timeout": { kind: "integer", min: 0 },
  "--tls": { kind: "boolean" },
  "--tls-ca": { kind: "string" },
  "--tls-cert": { kind: "string" },
  "--tls-key": { kind: "string" },
  "--sasl-mechanism": { kind: "string" },
  "--sasl-username": { kind: "string" },
  "--sasl-password-env": { kind: "string" },
  "--sasl-password": { kind: "string" },
  "--progress": { kind: "boolean" },
  "--quiet": { kind: "boolean", alias: "-q" },
} as const satisfies Readonly<Record<string, FlagSpec>>;

/** What the arguments come to. */
interface Plan {
  options: ProducerOptions;
  file: string | undefined;
  input: Omit<InputOptions, "name">;
  progress: boolean | undefined;
  quiet: boolean;
}

type ProduceFlags = Flags<typeof FLAGS>;

/** The security flags, by the field of {@link SecurityFlags} each sets. */
const SECURITY_FLAGS = {
  "--tls-ca": "tlsCa",
  "--tls-cert": "tlsCert",
  "--tls-key": "tlsKey",
  "--sasl-mechanism": "saslMechanism",
  "--sasl-username": "saslUsername",
  "--sasl-password-env": "saslPasswordEnv",
} as const;

function plan(args: readonly string[], env: Readonly<Record<string, string | undefined>>): Plan {
  const flags = parseFlags(args, FLAGS);
  if (flags["--sasl-password"] !== undefined) {
    throw new UsageError(
      `--sasl-password is not taken, so that the password stays out of argv and shell history: put it in $${DEFAULT_PASSWORD_ENV} (or the variable --sasl-password-env names)`,
    );
  }
  const java = javaConfig(flags["-X"] ?? []);
  const { topic, bootstrap, format } = checkFlags(flags, java.options);
  const security = securityOptions(securityFlags(flags), java.security, env, readPem);
  const options: ProducerOptions = {
    maxBlockMs: flags["--timeout"] ?? DEFAULT_TIMEOUT_MS,
    ...java.options,
    ...security,
    bootstrap,
    topic,
  };
  const partition = flags["--partition"];
  const keyDelimiter = flags["--key-delimiter"];
  return {
    options,
    file: flags["--file"],
    input: {
      format,
      ...(keyDelimiter !== undefined ? { keyDelimiter } : {}),
      keepEmpty: flags["--keep-empty"] === true,
      ...(partition !== undefined ? { partition } : {}),
    },
    progress: flags["--progress"],
    quiet: flags["--quiet"] === true,
  };
}

/** Checks the flags that go together; returns the topic, the bootstrap list and the format. */
function checkFlags(
  flags: ProduceFlags,
  javaOptions: Partial<ProducerOptions>,
): { topic: string; bootstrap: string | readonly string[]; format: InputFormat } {
  const topic = flags["--topic"];
  if (topic === undefined) throw new UsageError("--topic is required");
  const bootstrap = flags["--bootstrap"] ?? javaOptions.bootstrap;
  if (bootstrap === undefined) throw new UsageError("--bootstrap is required");
  if (flags["--bootstrap"] !== undefined && javaOptions.bootstrap !== undefined) {
    throw new UsageError("--bootstrap and -X bootstrap.servers disagree: give one");
  }
  const format = flags["--format"] ?? "lines";
  if (format !== "lines" && format !== "json") {
    throw new UsageError(`--format must be lines or json: current value is ${format}`);
  }
  if (format === "json" && (flags["--key-delimiter"] !== undefined || flags["--keep-empty"])) {
    throw new UsageError("--key-delimiter and --keep-empty are for --format lines");
  }
  if (flags["--key-delimiter"] === "") throw new UsageError("--key-delimiter cannot be empty");
  if (flags["--progress"] === true && flags["--quiet"] === true) {
    throw new UsageError("--progress and --quiet disagree: give one");
  }
  if (flags["--timeout"] !== undefined && javaOptions.maxBlockMs !== undefined) {
    throw new UsageError("--timeout and -X max.block.ms disagree: give one");
  }
  return { topic, bootstrap, format };
}

function securityFlags(flags: ProduceFlags): SecurityFlags {
  const out: { -readonly [K in keyof SecurityFlags]: SecurityFlags[K] } = {};
  if (flags["--tls"]) out.tls = true;
  for (const [flag, field] of Object.entries(SECURITY_FLAGS)) {
    const value = flags[flag as keyof typeof SECURITY_FLAGS];
    if (value !== undefined) out[field] = value;
  }
  return out;
}

function readPem(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The input's bytes: the file, or stdin. */
function openInput(file: string | undefined, io: CliIo): AsyncIterable<Uint8Array> {
  if (file === undefined) return io.stdin ?? process.stdin;
  try {
    // Opened now so that a missing file is an error before anything connects.
    return createReadStream(file, { fd: openSync(file, "r"), highWaterMark: 256 * 1024 });
  } catch (error) {
    throw new Error(`Cannot read --file ${file}: ${(error as Error).message}`);
  }
}

function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? "" : "s"}`;
}

/** How the pipe from the input to the sink ended. */
interface Delivery {
  delivered: number;
  failed: number;
  error: unknown;
  interrupted: boolean;
}

/** Pipes the input into the sink until it ends, fails, or Ctrl-C stops it. */
async function deliver(input: InputRecords, sink: MeteredSink): Promise<Delivery> {
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort(new Error("interrupted"));
  process.once("SIGINT", onInterrupt);
  try {
    await input.readable.pipeTo(sink.writable, { signal: stop.signal });
    return { delivered: input.records, failed: 0, error: undefined, interrupted: false };
  } catch (error) {
    const interrupted = stop.signal.aborted;
    if (error instanceof KafkaDeliveryError) {
      return { delivered: error.delivered, failed: error.failed, error, interrupted };
    }
    // The sink settled every record written before the pipe stopped: all delivered.
    return { delivered: input.records, failed: 0, error, interrupted };
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** Says on stderr why the run failed; returns the exit code. */
function reportFailure(d: Delivery, io: CliIo): number {
  const prefix = "webstream-kafka produce:";
  const error = d.error;
  if (error instanceof KafkaDeliveryError) {
    const first = error.errors[0] ?? error;
    io.stderr(
      `${prefix} ${plural(error.failed, "record")} failed; the first error: ${first.message}`,
    );
    return d.interrupted ? 130 : 1;
  }
  if (d.interrupted) {
    io.stderr(
      `${prefix} interrupted: the ${plural(d.delivered, "record")} read ${
        d.delivered === 1 ? "was" : "were"
      } delivered`,
    );
    return 130;
  }
  if (error instanceof InputError) {
    io.stderr(
      `${prefix} ${error.message}; the ${plural(error.recordsBefore, "record")} before it ${
        error.recordsBefore === 1 ? "was" : "were"
      } delivered`,
    );
    return 1;
  }
  io.stderr(`${prefix} ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

/** The `produce` command. */
export const produceCommand: Command = {
  name: "produce",
  summary: "produce stdin or a file to a topic, one record per line (kcat -P style)",
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const p = plan(args, io.env ?? process.env);
    const sink = usageErrorsOf(() => meteredSink(p.options));
    const input = inputRecords(openInput(p.file, io), { ...p.input, name: p.file ?? "stdin" });

    const started = performance.now();
    const rate = new AckRate();
    const showProgress = !p.quiet &&
      (p.progress ?? io.stderrIsTerminal ?? process.stderr.isTTY === true);
    const line = showProgress
      ? new ProgressLine(
        io.stderrRaw ?? ((text) => void process.stderr.write(text)),
        () => {
          const s = sink.snapshot();
          return progressText(s, rate.sample(performance.now() - started, s["record-ack-total"]));
        },
      )
      : undefined;
    line?.start();
    let delivery: Delivery;
    try {
      delivery = await deliver(input, sink);
    } finally {
      line?.stop();
      await sink.close().catch(() => {});
    }
    const ms = performance.now() - started;
    const bytes = sink.snapshot()["byte-ack-total"];
    if (!p.quiet) {
      io.stderr(
        `${plural(delivery.delivered, "record")} (${megabytes(bytes)}) in ${seconds(ms)}, ${
          count(perSecond(delivery.delivered, ms))
        } records/s, ${count(delivery.failed)} failed`,
      );
    }
    return delivery.error === undefined ? 0 : reportFailure(delivery, io);
  },
};
