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
import {
  startTestBroker,
  type TestBrokerOptions,
  type TestSaslMechanism,
  type TestSaslOptions,
} from "../testing.ts";
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
  --sasl-mechanism M        require SASL: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER;
                            repeat for more (default with --sasl-user: all four)
  --sasl-user NAME          a SASL user; its password is read from $WEBSTREAM_KAFKA_SASL_PASSWORD
                            (PLAIN and SCRAM need one; OAUTHBEARER takes any unsigned JWT)
  --session-lifetime-ms MS  SASL sessions end after MS (sooner at a token's exp); clients
                            re-authenticate in place, KIP-368 (default 0: no limit)
  --oauth-required-scope S  OAUTHBEARER: a scope every token must have; repeat for more
  --oauth-clock-skew-ms MS  OAUTHBEARER: how far past exp (or before iat) a token is taken
                            (default 0)
  --verbose                 one line per connection on stderr
  -h, --help                this text

Example:
  deno run -A src/cli/main.ts broker --brokers 3 --topic events:6`;

interface Parsed {
  options: TestBrokerOptions;
  verbose: boolean;
}

/** The flags as they are read, before they are checked together. */
interface Draft {
  readonly options: TestBrokerOptions;
  readonly topics: Record<string, number>;
  readonly mechanisms: TestSaslMechanism[];
  readonly users: Record<string, string>;
  readonly requiredScope: string[];
  cert?: string;
  key?: string;
  sessionLifetimeMs?: number;
  clockSkewMs?: number;
  verbose: boolean;
}

const MECHANISMS: readonly TestSaslMechanism[] = [
  "PLAIN",
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
  "OAUTHBEARER",
];

function integer(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || value === "" || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} needs an integer >= ${min}: current value is ${value}`);
  }
  return n;
}

/** What each flag does to the draft, given its value (read only by flags that take one). */
const FLAGS: ReadonlyMap<string, (d: Draft, value: () => string, flag: string) => void> = new Map<
  string,
  (d: Draft, value: () => string, flag: string) => void
>([
  ["--brokers", (d, v, f) => d.options.brokers = integer(f, v(), 1)],
  ["--topic", (d, v) => {
    const spec = v();
    const m = /^(.+):(\d+)$/.exec(spec);
    if (m === null) throw new UsageError(`--topic needs NAME:PARTITIONS: current value is ${spec}`);
    d.topics[m[1]!] = integer("--topic partitions", m[2], 1);
  }],
  ["--port", (d, v, f) => d.options.port = integer(f, v(), 0)],
  ["--replication-factor", (d, v, f) => d.options.replicationFactor = integer(f, v(), 1)],
  ["--retention-bytes", (d, v, f) => d.options.retentionBytes = integer(f, v(), -1)],
  ["--max-message-bytes", (d, v, f) => d.options.maxMessageBytes = integer(f, v(), 1)],
  ["--auto-create-topics", (d) => d.options.autoCreateTopics = true],
  ["--partitions", (d, v, f) => d.options.defaultPartitions = integer(f, v(), 1)],
  ["--tls-cert", (d, v) => d.cert = v()],
  ["--tls-key", (d, v) => d.key = v()],
  ["--sasl-mechanism", (d, v) => {
    const m = v();
    if (!(MECHANISMS as readonly string[]).includes(m)) {
      throw new UsageError(
        `--sasl-mechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER: current value is ${m}`,
      );
    }
    d.mechanisms.push(m as TestSaslMechanism);
  }],
  ["--sasl-user", (d, v) => {
    const password = process.env.WEBSTREAM_KAFKA_SASL_PASSWORD;
    if (password === undefined) {
      throw new UsageError("--sasl-user needs its password in $WEBSTREAM_KAFKA_SASL_PASSWORD");
    }
    d.users[v()] = password;
  }],
  ["--session-lifetime-ms", (d, v, f) => d.sessionLifetimeMs = integer(f, v(), 0)],
  ["--oauth-required-scope", (d, v) => d.requiredScope.push(v())],
  ["--oauth-clock-skew-ms", (d, v, f) => d.clockSkewMs = integer(f, v(), 0)],
  ["--verbose", (d) => d.verbose = true],
]);

function parse(args: readonly string[]): Parsed {
  const draft: Draft = {
    options: {},
    topics: {},
    mechanisms: [],
    users: {},
    requiredScope: [],
    verbose: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const apply = FLAGS.get(flag);
    if (apply === undefined) throw new UsageError(`unknown option ${arg}`);
    apply(draft, () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    }, flag);
  }
  const options = draft.options;
  options.topics = draft.topics;
  if ((draft.cert === undefined) !== (draft.key === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  if (draft.cert !== undefined && draft.key !== undefined) {
    options.tls = { cert: readFileSync(draft.cert, "utf8"), key: readFileSync(draft.key, "utf8") };
  }
  const sasl = saslOptions(draft);
  if (sasl !== undefined) options.sasl = sasl;
  return { options, verbose: draft.verbose };
}

/** The SASL flags, checked together: SASL is on once a mechanism or a user is given. */
function saslOptions(d: Draft): TestSaslOptions | undefined {
  const users = Object.keys(d.users).length;
  const oauthFlag = d.requiredScope.length > 0
    ? "--oauth-required-scope"
    : d.clockSkewMs !== undefined
    ? "--oauth-clock-skew-ms"
    : undefined;
  if (d.mechanisms.length === 0 && users === 0) {
    if (d.sessionLifetimeMs !== undefined) {
      throw new UsageError(
        "--session-lifetime-ms needs SASL: give --sasl-mechanism or --sasl-user",
      );
    }
    if (oauthFlag !== undefined) {
      throw new UsageError(`${oauthFlag} needs --sasl-mechanism OAUTHBEARER`);
    }
    return undefined;
  }
  // PLAIN and SCRAM check passwords; OAUTHBEARER alone needs no user.
  const passwords = d.mechanisms.length === 0 || d.mechanisms.some((m) => m !== "OAUTHBEARER");
  if (users === 0 && passwords) throw new UsageError("--sasl-mechanism needs a --sasl-user");
  const oauth = d.mechanisms.length === 0 || d.mechanisms.includes("OAUTHBEARER");
  if (oauthFlag !== undefined && !oauth) {
    throw new UsageError(`${oauthFlag} needs --sasl-mechanism OAUTHBEARER`);
  }
  return {
    users: d.users,
    ...(d.mechanisms.length > 0 ? { mechanisms: d.mechanisms } : {}),
    ...(d.sessionLifetimeMs !== undefined ? { sessionLifetimeMs: d.sessionLifetimeMs } : {}),
    ...(oauthFlag !== undefined
      ? {
        oauthBearer: {
          ...(d.requiredScope.length > 0 ? { requiredScope: d.requiredScope } : {}),
          ...(d.clockSkewMs !== undefined ? { allowableClockSkewMs: d.clockSkewMs } : {}),
        },
      }
      : {}),
  };
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
