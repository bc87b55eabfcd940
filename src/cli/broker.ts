/**
 * `broker`: runs the test broker as a dev Kafka on 127.0.0.1. The first line on
 * standard output is the bootstrap list, comma separated; it serves until SIGINT,
 * SIGTERM or the end of standard input, and with `--verbose` logs one line per
 * connection on standard error.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { startTestBroker, type TestBrokerOptions, type TestSaslMechanism } from "../testing.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";

const HELP = `Usage: webstream-kafka broker [options]

Runs a Kafka test broker (or a cluster of them) in this process, on 127.0.0.1. The
first line on stdout is the bootstrap list, comma separated. It serves until SIGINT,
SIGTERM or the end of stdin.

Options:
  --brokers N               brokers, ids 1..N, each on its own port (default 1)
  --topic NAME:PARTITIONS   a topic to create; repeat for more
  --port P                  broker N listens on P+N-1 (default 0: free ports)
  --replication-factor N    replicas reported per partition (default min(3, brokers))
  --retention-bytes N       bytes kept per partition; -1 for no limit (default 67108864)
  --max-message-bytes N     largest batch accepted (default 1048588)
  --auto-create-topics      create topics clients ask for (default off)
  --partitions N            partitions of an auto-created topic (default 1)
  --tls-cert FILE           serve TLS with this PEM certificate ...
  --tls-key FILE            ... and this PEM key
  --sasl-mechanism M        require SASL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; repeat for more
  --sasl-user NAME          a SASL user; its password is read from $WEBSTREAM_KAFKA_SASL_PASSWORD
  --verbose                 one line per connection on stderr
  -h, --help                this text

Example:
  deno run -A src/cli/main.ts broker --brokers 3 --topic events:6`;

interface Parsed {
  options: TestBrokerOptions;
  verbose: boolean;
}

function integer(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} needs an integer >= ${min}: current value is ${value}`);
  }
  return n;
}

function parse(args: readonly string[]): Parsed {
  const options: TestBrokerOptions = {};
  const topics: Record<string, number> = {};
  const mechanisms: TestSaslMechanism[] = [];
  const users: Record<string, string> = {};
  let cert: string | undefined;
  let key: string | undefined;
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--brokers":
        options.brokers = integer(flag, value(), 1);
        break;
      case "--topic": {
        const spec = value();
        const m = /^(.+):(\d+)$/.exec(spec);
        if (m === null) {
          throw new UsageError(`--topic needs NAME:PARTITIONS: current value is ${spec}`);
        }
        topics[m[1]!] = integer("--topic partitions", m[2], 1);
        break;
      }
      case "--port":
        options.port = integer(flag, value(), 0);
        break;
      case "--replication-factor":
        options.replicationFactor = integer(flag, value(), 1);
        break;
      case "--retention-bytes":
        options.retentionBytes = integer(flag, value(), -1);
        break;
      case "--max-message-bytes":
        options.maxMessageBytes = integer(flag, value(), 1);
        break;
      case "--auto-create-topics":
        options.autoCreateTopics = true;
        break;
      case "--partitions":
        options.defaultPartitions = integer(flag, value(), 1);
        break;
      case "--tls-cert":
        cert = value();
        break;
      case "--tls-key":
        key = value();
        break;
      case "--sasl-mechanism": {
        const m = value();
        if (m !== "PLAIN" && m !== "SCRAM-SHA-256" && m !== "SCRAM-SHA-512") {
          throw new UsageError(
            `--sasl-mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512: current value is ${m}`,
          );
        }
        mechanisms.push(m);
        break;
      }
      case "--sasl-user": {
        const password = process.env.WEBSTREAM_KAFKA_SASL_PASSWORD;
        if (password === undefined) {
          throw new UsageError("--sasl-user needs its password in $WEBSTREAM_KAFKA_SASL_PASSWORD");
        }
        users[value()] = password;
        break;
      }
      case "--verbose":
        verbose = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  options.topics = topics;
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  if (cert !== undefined && key !== undefined) {
    options.tls = { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  }
  if (mechanisms.length > 0 || Object.keys(users).length > 0) {
    if (Object.keys(users).length === 0) {
      throw new UsageError("--sasl-mechanism needs a --sasl-user");
    }
    options.sasl = { users, ...(mechanisms.length > 0 ? { mechanisms } : {}) };
  }
  return { options, verbose };
}

/** Resolves on SIGINT, SIGTERM or the end of stdin, whichever comes first. */
function untilStopped(): { stopped: Promise<string>; release: () => void } {
  let resolve!: (why: string) => void;
  const stopped = new Promise<string>((r) => resolve = r);
  const onInt = (): void => resolve("SIGINT");
  const onTerm = (): void => resolve("SIGTERM");
  const onEnd = (): void => resolve("the end of stdin");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.stdin.on("end", onEnd);
  process.stdin.on("close", onEnd);
  process.stdin.on("data", () => {}); // read and drop, so that the end is seen
  process.stdin.resume();
  return {
    stopped,
    // The signal handlers stay: a second signal while stopping must not kill the process
    // before its ports are closed.
    release: () => {
      process.stdin.off("end", onEnd);
      process.stdin.off("close", onEnd);
      process.stdin.pause();
    },
  };
}

/** The `broker` command. */
export const brokerCommand: Command = {
  name: "broker",
  summary: "run a Kafka test broker (a dev cluster) on 127.0.0.1",
  help: HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { options, verbose } = parse(args);
    if (verbose) options.log = (line) => io.stderr(line);
    const broker = await startTestBroker(options);
    // Listen for the stop first: a parent may signal as soon as it reads the first line.
    const { stopped, release } = untilStopped();
    io.stdout(broker.bootstrap.join(","));
    const why = await stopped;
    release();
    if (verbose) io.stderr(`stopping on ${why}`);
    await broker.close();
    return 0;
  },
};
