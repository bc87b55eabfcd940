/**
 * The producer's options as one table of specs: each option's Java config name, how
 * it is checked, its default, its range and what it does. Validation and defaults
 * (`resolveProducerOptions`) read it; the `@default` of each
 * {@link ProducerOptions} field and the README's options table are checked against
 * it (`tests/producer/options_test.ts`; `deno task options-doc` rewrites the table).
 *
 * @module
 */

import { SASL_MECHANISMS } from "../net/sasl.ts";
import { PARTITIONER_NAMES } from "../partition/partitioner.ts";
import { COMPRESSION_NAMES } from "../record/compression.ts";
import type { ProducerOptions } from "./options.ts";

/**
 * How an option is checked, and so what it takes:
 * - `"integer"`: an integer from `min` to `max` (`Number.MAX_SAFE_INTEGER` unless set);
 * - `"duration"`: milliseconds, an integer of at least `min`, or `Infinity` for no limit
 *   (delays past what runtime timers hold are waited out in steps);
 * - `"choice"`: one of `values`, or a function where `orFunction` is set;
 * - `"string"`: a string of at least `min` characters (any string unless set);
 * - `"boolean"`, `"function"`: a value of that type;
 * - `"addresses"`, `"topic"`, `"tls"`, `"sasl"`, `"logger"`: checked by their own rule, told
 *   in `range`.
 */
export type OptionKind =
  | "addresses"
  | "topic"
  | "string"
  | "integer"
  | "duration"
  | "choice"
  | "boolean"
  | "function"
  | "tls"
  | "sasl"
  | "logger";

/** One option of {@link ProducerOptions}: what the producer and the docs know of it. */
export interface OptionSpec {
  /** The Java producer configs it stands for; empty when Java has none. */
  readonly java: readonly string[];
  /** How it is checked. */
  readonly kind: OptionKind;
  /** Whether it must be given. */
  readonly required?: boolean;
  /**
   * The value taken when the option is not given. `tls` is the one option left
   * `undefined` when not given; its default says what that means.
   */
  readonly default?: string | number | boolean;
  /** For `"integer"` and `"duration"` the smallest value, for `"string"` the shortest length. */
  readonly min?: number;
  /** For `"integer"`, the largest value. */
  readonly max?: number;
  /** For `"choice"`, the values taken. */
  readonly values?: readonly (string | number)[];
  /** For `"choice"`, whether a function is taken too. */
  readonly orFunction?: boolean;
  /** For the kinds checked by their own rule, that rule in words (Markdown). */
  readonly range?: string;
  /** What the option does, in one line (Markdown). */
  readonly doc: string;
}

/** The name of a producer option. */
export type ProducerOptionName = keyof ProducerOptions;

/** The largest value of an int32 field on the wire. */
export const INT32_MAX = 2 ** 31 - 1;

/** The most requests in flight per connection that idempotence keeps in order (Java's limit). */
export const IDEMPOTENT_MAX_IN_FLIGHT = 5;

/**
 * Every option of {@link ProducerOptions}, in the order the interface and the README
 * list them.
 */
export const OPTION_SPECS: Readonly<Record<ProducerOptionName, OptionSpec>> = Object.freeze({
  bootstrap: {
    java: ["bootstrap.servers"],
    kind: "addresses",
    required: true,
    range: "at least one `host:port` (`[v6]:port` for IPv6)",
    doc: "brokers to bootstrap from, an array or a comma-separated string, tried in order",
  },
  topic: {
    java: [],
    kind: "topic",
    range: "a topic name: 1 to 249 of `a-z A-Z 0-9 . _ -`, not `.` or `..`",
    doc: "topic of records that name none",
  },
  clientId: {
    java: ["client.id"],
    kind: "string",
    default: "webstream-kafka",
    doc: "sent with every request",
  },
  acks: {
    java: ["acks"],
    kind: "choice",
    default: "all",
    values: [-1, 0, 1, "all"],
    doc: '`0` none, `1` the leader, `-1` or `"all"` every in-sync replica',
  },
  lingerMs: {
    java: ["linger.ms"],
    kind: "duration",
    default: 5,
    min: 0,
    doc:
      "a batch closes this long after its first record (`Infinity`: when full or on `flush()`); unset: at once when its partition has nothing in flight, else after up to 5 ms",
  },
  batchBytes: {
    java: ["batch.size"],
    kind: "integer",
    default: 262144,
    min: 1,
    doc: "a batch closes at this size (see below)",
  },
  bufferBytes: {
    java: ["buffer.memory"],
    kind: "integer",
    default: 33554432,
    min: 1,
    doc:
      "bytes buffered plus in flight; past it writes wait (a sink also at a quarter of it unsent)",
  },
  maxBlockMs: {
    java: ["max.block.ms"],
    kind: "duration",
    default: 60000,
    min: 0,
    doc: "how long a record waits, from its own write, for metadata or buffer space",
  },
  maxRequestBytes: {
    java: ["max.request.size"],
    kind: "integer",
    default: 1048576,
    min: 1,
    doc: "largest request, and so largest record",
  },
  maxInFlight: {
    java: ["max.in.flight.requests.per.connection"],
    kind: "integer",
    default: 5,
    min: 1,
    doc:
      `pipelined requests per connection (idempotence needs at most ${IDEMPOTENT_MAX_IN_FLIGHT})`,
  },
  requestTimeoutMs: {
    java: ["request.timeout.ms"],
    kind: "duration",
    default: 30000,
    min: 1,
    doc: "time for a response before retrying",
  },
  deliveryTimeoutMs: {
    java: ["delivery.timeout.ms"],
    kind: "duration",
    default: 120000,
    min: 1,
    doc: "buffering to acknowledgement, retries included; at least `lingerMs + requestTimeoutMs`",
  },
  retryBackoffMs: {
    java: ["retry.backoff.ms"],
    kind: "integer",
    default: 100,
    min: 0,
    doc: "first retry backoff, doubling with jitter",
  },
  retryBackoffMaxMs: {
    java: ["retry.backoff.max.ms"],
    kind: "integer",
    default: 1000,
    min: 0,
    doc: "longest retry backoff (raised to `retryBackoffMs` if below it)",
  },
  metadataMaxAgeMs: {
    java: ["metadata.max.age.ms"],
    kind: "duration",
    default: 300000,
    min: 0,
    doc: "metadata refresh period",
  },
  metadataRecoveryStrategy: {
    java: ["metadata.recovery.strategy"],
    kind: "choice",
    default: "rebootstrap",
    values: ["rebootstrap", "none"],
    doc:
      "when no known broker answers: `rebootstrap` forgets them and starts again from `bootstrap`; `none` keeps to them",
  },
  metadataRecoveryRebootstrapTriggerMs: {
    java: ["metadata.recovery.rebootstrap.trigger.ms"],
    kind: "duration",
    default: 300000,
    min: 0,
    doc: "with `rebootstrap`: rebootstrap after this long without metadata from any broker",
  },
  connectTimeoutMs: {
    java: ["socket.connection.setup.timeout.ms"],
    kind: "duration",
    default: 10000,
    min: 1,
    doc: "TCP/TLS setup time",
  },
  compression: {
    java: ["compression.type"],
    kind: "choice",
    default: "none",
    values: COMPRESSION_NAMES,
    doc:
      '`"gzip"`, `"zstd"` from the runtime (gzip on Web Workers on Deno); `"snappy"`, `"lz4"` in TypeScript (framed as Java frames them)',
  },
  partitioner: {
    java: ["partitioner.class"],
    kind: "choice",
    default: "default",
    values: PARTITIONER_NAMES,
    orFunction: true,
    doc:
      '`"default"`, `"murmur2"`: murmur2 of the key, uniform sticky for null keys; `"sticky"`: keys ignored',
  },
  idempotent: {
    java: ["enable.idempotence"],
    kind: "boolean",
    default: true,
    doc:
      `no duplicates on retry; when not set, off if \`acks\` is not all or \`maxInFlight\` over ${IDEMPOTENT_MAX_IN_FLIGHT}`,
  },
  transactionalId: {
    java: ["transactional.id"],
    kind: "string",
    min: 1,
    doc: "makes the producer transactional (`producer.transaction()`); needs idempotence",
  },
  transactionTimeoutMs: {
    java: ["transaction.timeout.ms"],
    kind: "integer",
    default: 60000,
    min: 1,
    max: INT32_MAX,
    doc: "how long the coordinator lets a transaction stay open",
  },
  keySerializer: {
    java: ["key.serializer"],
    kind: "function",
    doc:
      "`(key, topic) => Uint8Array | null`; without it keys are `string`, `Uint8Array` or `null`",
  },
  valueSerializer: {
    java: ["value.serializer"],
    kind: "function",
    doc: "`(value, topic) => Uint8Array | null`; without it values are as keys",
  },
  connect: {
    java: [],
    kind: "function",
    doc: "opens sockets instead of the runtime, e.g. to map advertised addresses",
  },
  tls: {
    java: ["security.protocol", "ssl.truststore.*", "ssl.keystore.*"],
    kind: "tls",
    default: false,
    range: "`true`, `false` or `{ caCerts?: [pem], serverName?, cert?: pem, key?: pem }`",
    doc:
      "TLS to every broker (Java's `SSL`, with `sasl` `SASL_SSL`); `true` trusts the runtime's roots; `cert` and `key` for mutual TLS",
  },
  sasl: {
    java: ["security.protocol", "sasl.mechanism", "sasl.jaas.config"],
    kind: "sasl",
    range: `mechanism ${
      SASL_MECHANISMS.map((m) => `\`"${m}"\``).join(", ")
    }; non-empty username and password, or an OAUTHBEARER \`token\` function`,
    doc:
      '`{ mechanism, username, password }` or `{ mechanism: "OAUTHBEARER", token }` on every connection, re-authenticated in place (KIP-368); over TLS unless the network is trusted',
  },
  logger: {
    java: [],
    kind: "logger",
    range: "an object with `debug`, `info`, `warn` and `error` methods, such as `console`",
    doc:
      "logs what the producer's events say (retries and failures at warn and error); silent when not given",
  },
});

/**
 * The values of a `"choice"` as messages show them: `-1, 0, 1 or "all"`.
 *
 * @param spec The option's spec.
 * @param show How one value is shown.
 * @returns The alternatives, the last after "or".
 */
export function choiceList(spec: OptionSpec, show: (value: unknown) => string): string {
  const shown = (spec.values ?? []).map(show);
  if (spec.orFunction === true) shown.push("a function");
  return shown.length < 2
    ? shown.join("")
    : `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}
