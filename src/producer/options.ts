/**
 * Producer options: what users pass ({@link ProducerOptions}), each named and
 * defaulted after the Java producer config it matches, and their validation into
 * the resolved form the producer uses.
 *
 * @module
 */

import { checkSasl, checkTls } from "../net/check_security.ts";
import { fitToEventHubs } from "../net/event_hubs.ts";
import type { SaslOptions } from "../net/sasl.ts";
import type { ConnectFunction, TlsOptions } from "../net/transport.ts";
import { CompressionId, hasCompressionCodec } from "../record/compression.ts";
import type { PartitionerFunction } from "../partition/partitioner.ts";
import type { Serializer } from "./serializer.ts";
import { topicNameProblem } from "./topic_name.ts";

/**
 * The compression types: `gzip` and `zstd` from the runtime, `snappy` and `lz4` in
 * TypeScript (framed as Java's client frames them).
 */
export type CompressionType = "none" | "gzip" | "snappy" | "lz4" | "zstd";

/** How the partition of a record without an explicit partition is chosen. */
export type PartitionerChoice =
  | "default"
  | "murmur2"
  | "sticky"
  | "round-robin"
  | PartitionerFunction;

/**
 * Options of {@link createProducer} and {@link kafkaSink}.
 *
 * @typeParam K The key type a `keySerializer` takes.
 * @typeParam V The value type a `valueSerializer` takes.
 */
export interface ProducerOptions<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  /**
   * Brokers to bootstrap from, as `host:port`: an array or a comma-separated string.
   * Java: `bootstrap.servers`.
   */
  bootstrap: string | readonly string[];
  /** The topic of records that name none. */
  topic?: string;
  /**
   * The client id sent with every request. Java: `client.id`.
   *
   * @default {"webstream-kafka"}
   */
  clientId?: string;
  /**
   * Acknowledgements: 0 (none), 1 (leader), -1 or "all" (all in-sync replicas). Java: `acks`.
   *
   * @default {"all"}
   */
  acks?: 0 | 1 | -1 | "all";
  /**
   * How long a batch waits for more records after its first. Java: `linger.ms`.
   * `Infinity`: batches close only when full or on `flush()`.
   *
   * @default {5}
   */
  lingerMs?: number;
  /**
   * A batch closes when it reaches this many bytes. Java: `batch.size`.
   *
   * @default {262144}
   */
  batchBytes?: number;
  /**
   * The most bytes buffered and in flight; past it, writes wait. Java: `buffer.memory`.
   * A sink also waits while a quarter of it is in closed batches not sent yet (more
   * would only wait for a free request slot).
   *
   * @default {33554432}
   */
  bufferBytes?: number;
  /**
   * How long a record may wait, from its own `send()` or `write()`, for its topic's
   * metadata and buffer space before failing with a {@link KafkaTimeoutError} (or,
   * when no broker could be reached, a {@link KafkaConnectionError} naming every
   * address tried; when a broker said the topic does not exist, a
   * {@link TopicNotFoundError}). Java: `max.block.ms`. `Infinity` waits for ever; any
   * delay is honoured, also past what runtime timers hold.
   *
   * @default {60000}
   */
  maxBlockMs?: number;
  /**
   * The largest Produce request, and so the largest record. Java: `max.request.size`.
   *
   * @default {1048576}
   */
  maxRequestBytes?: number;
  /**
   * Requests in flight per broker connection. Java: `max.in.flight.requests.per.connection`.
   *
   * @default {5}
   */
  maxInFlight?: number;
  /**
   * How long to wait for a response before retrying. Java: `request.timeout.ms`.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * The most time from a record's buffering (its batch's creation) to its
   * acknowledgement, retries included; a record then fails with a
   * {@link KafkaTimeoutError} naming the last error, neither earlier (a retry whose
   * backoff would end after it still waits until then) nor later. Java:
   * `delivery.timeout.ms`. `Infinity` retries for ever.
   *
   * @default {120000}
   */
  deliveryTimeoutMs?: number;
  /**
   * The first retry's backoff; it doubles per attempt, with jitter. Java: `retry.backoff.ms`.
   *
   * @default {100}
   */
  retryBackoffMs?: number;
  /**
   * The longest retry backoff. Java: `retry.backoff.max.ms`.
   *
   * @default {1000}
   */
  retryBackoffMaxMs?: number;
  /**
   * Metadata is refreshed at least this often. Java: `metadata.max.age.ms`.
   *
   * @default {300000}
   */
  metadataMaxAgeMs?: number;
  /**
   * How long to wait for a TCP (or TLS) connection. Java: `socket.connection.setup.timeout.ms`.
   *
   * @default {10000}
   */
  connectTimeoutMs?: number;
  /**
   * Batch compression. Java: `compression.type`.
   *
   * @default {"none"}
   */
  compression?: CompressionType;
  /**
   * How partitions are chosen for records without an explicit one: "default" (murmur2
   * of the key, uniform sticky for null keys; Java's built-in partitioner), "murmur2"
   * (the same), "sticky" (ignore keys; Java's `partitioner.ignore.keys`),
   * "round-robin" (Java's `RoundRobinPartitioner`) or a function. Java: `partitioner.class`.
   *
   * @default {"default"}
   */
  partitioner?: PartitionerChoice;
  /**
   * Idempotent delivery (no duplicates on retry). Java: `enable.idempotence`.
   *
   * @default {true}
   */
  idempotent?: boolean;
  /**
   * Makes the producer transactional: records are sent inside transactions
   * (`producer.transaction()`), committed or aborted together. Java: `transactional.id`.
   */
  transactionalId?: string;
  /**
   * How long the coordinator lets a transaction stay open (at most 2^31 - 1, an int32
   * on the wire). Java: `transaction.timeout.ms`.
   *
   * @default {60000}
   */
  transactionTimeoutMs?: number;
  /** Serializes keys; by default keys are `string` (UTF-8), `Uint8Array` or `null`. */
  keySerializer?: Serializer<K>;
  /** Serializes values; by default values are `string` (UTF-8), `Uint8Array` or `null`. */
  valueSerializer?: Serializer<V>;
  /** Opens sockets; replaces the runtime's own (for example to map advertised addresses). */
  connect?: ConnectFunction;
  /**
   * TLS to every broker: `true` trusts the runtime's root certificates; an object adds
   * PEM certificates (`caCerts`), names the broker's certificate (`serverName`), or
   * gives a client certificate and key (`cert`, `key`) for mutual TLS.
   * Java: `security.protocol` `SSL` or `SASL_SSL`, `ssl.truststore.*`, `ssl.keystore.*`.
   *
   * @default {false}
   */
  tls?: boolean | TlsOptions;
  /**
   * SASL authentication on every connection: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
   * with a user and password, or OAUTHBEARER with a token provider (see also
   * `awsMskIamSasl`). Sessions the broker limits (`connections.max.reauth.ms`) are
   * re-authenticated in place before they end (KIP-368). Java: `security.protocol`
   * `SASL_PLAINTEXT` or `SASL_SSL`, `sasl.mechanism`, and `sasl.jaas.config`. Send it
   * over TLS unless the network is trusted: PLAIN sends the password as it is.
   *
   * @default {undefined}
   */
  sasl?: SaslOptions;
}

/** What a key or value may be without a serializer: UTF-8 text, bytes, or none. */
export type PlainBytes = string | Uint8Array | null | undefined;

/**
 * The serializers a producer of keys `K` and values `V` must be given: none when
 * both are {@link PlainBytes}, else a `keySerializer` and/or `valueSerializer`, so
 * that `kafkaSink<string, { n: number }>({ bootstrap, topic })` does not type-check
 * and fail at run time.
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 */
export type RequiredSerializers<K, V> =
  & ([K] extends [PlainBytes] ? unknown : { keySerializer: Serializer<K> })
  & ([V] extends [PlainBytes] ? unknown : { valueSerializer: Serializer<V> });

/** Options after validation, with every default applied. */
export interface ResolvedProducerOptions<K, V> {
  bootstrap: { host: string; port: number }[];
  topic: string | undefined;
  clientId: string;
  acks: -1 | 0 | 1;
  lingerMs: number;
  batchBytes: number;
  bufferBytes: number;
  maxBlockMs: number;
  maxRequestBytes: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  metadataMaxAgeMs: number;
  connectTimeoutMs: number;
  compression: CompressionType;
  partitioner: PartitionerChoice;
  idempotent: boolean;
  transactionalId: string | undefined;
  transactionTimeoutMs: number;
  keySerializer: Serializer<K> | undefined;
  valueSerializer: Serializer<V> | undefined;
  connect: ConnectFunction | undefined;
  tls: boolean | TlsOptions | undefined;
  sasl: SaslOptions | undefined;
}

const WHAT = "Cannot create producer";
/** The largest value of an int32 field on the wire. */
const INT32_MAX = 2 ** 31 - 1;

/** A value as an error message shows it: strings quoted, so `"1"` does not read as `1`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

function integer(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `${WHAT} as ${name} must be an integer: current value is ${describeValue(value)}`,
    );
  }
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`${WHAT} as ${name} must be ${range}: current value is ${value}`);
  }
  return value;
}

/**
 * A duration in ms: a non-negative integer, or `Infinity` for no limit. Delays past
 * what runtime timers hold (2^31 - 1 ms) are waited out in steps, never cut short.
 */
function duration(name: string, value: unknown, fallback: number, min: number): number {
  return value === Infinity ? Infinity : integer(name, value, fallback, min);
}

/**
 * Parses a `host:port` address (`[v6]:port` for IPv6).
 *
 * @param address The address.
 * @returns Host and port.
 */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new TypeError(
      `${WHAT} as a bootstrap address must be host:port: current value is "${address}"`,
    );
  }
  return { host: (match[1] ?? match[2])!, port };
}

/**
 * Validates options and applies defaults.
 *
 * @param options What the user passed.
 * @returns The resolved options.
 * @throws {TypeError | RangeError} Naming the bad option and its value.
 */
export function resolveProducerOptions<K, V>(
  options: ProducerOptions<K, V>,
): ResolvedProducerOptions<K, V> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${WHAT} as options must be an object: current value is ${describeValue(options)}`,
    );
  }
  const list = typeof options.bootstrap === "string"
    ? options.bootstrap.split(",")
    : options.bootstrap;
  if (
    !Array.isArray(list) || list.length === 0 ||
    list.every((a) => typeof a === "string" && a.trim() === "")
  ) {
    throw new TypeError(
      `${WHAT} as bootstrap must list at least one host:port: current value is ${
        JSON.stringify(options.bootstrap)
      }`,
    );
  }
  const bootstrap = list.filter((a) => String(a).trim() !== "").map((a) => parseAddress(String(a)));
  const acksOption = options.acks ?? "all";
  if (acksOption !== "all" && acksOption !== -1 && acksOption !== 0 && acksOption !== 1) {
    throw new RangeError(
      `${WHAT} as acks must be -1, 0, 1 or "all": current value is ${describeValue(acksOption)}`,
    );
  }
  const acks = acksOption === "all" ? -1 : acksOption;
  if (options.topic !== undefined) {
    const problem = topicNameProblem(options.topic);
    if (problem !== null) {
      throw new TypeError(
        `${WHAT} as topic must be a valid topic name (${problem}): current value is ${
          describeValue(options.topic)
        }`,
      );
    }
  }
  const compression = options.compression ?? "none";
  if (!["none", "gzip", "snappy", "lz4", "zstd"].includes(compression)) {
    throw new RangeError(
      `${WHAT} as compression must be "none", "gzip", "snappy", "lz4" or "zstd": current value is ${
        describeValue(compression)
      }`,
    );
  }
  if (compression !== "none" && !hasCompressionCodec(CompressionId[compression])) {
    throw new RangeError(
      `${WHAT} as compression ${compression} has no codec in this runtime: register one with registerCompressionCodec() from @webstream/kafka/protocol`,
    );
  }
  const partitioner = options.partitioner ?? "default";
  if (
    typeof partitioner !== "function" &&
    !["default", "murmur2", "sticky", "round-robin"].includes(partitioner)
  ) {
    throw new RangeError(
      `${WHAT} as partitioner must be "default", "murmur2", "sticky", "round-robin" or a function: current value is ${
        describeValue(partitioner)
      }`,
    );
  }
  if (options.idempotent !== undefined && typeof options.idempotent !== "boolean") {
    throw new TypeError(
      `${WHAT} as idempotent must be a boolean: current value is ${
        describeValue(options.idempotent)
      }`,
    );
  }
  // As Java since 3.2: idempotence is on unless turned off, or unless acks or
  // maxInFlight (not idempotence itself) were set to values it cannot work with.
  const idempotentFits = acks === -1 && (options.maxInFlight ?? 5) <= 5;
  if (options.idempotent === true && !idempotentFits) {
    throw new RangeError(
      `${WHAT} as idempotent requires acks "all" and maxInFlight at most 5: current values are acks ${
        describeValue(acksOption)
      }, maxInFlight ${describeValue(options.maxInFlight ?? 5)}`,
    );
  }
  const idempotent = options.idempotent ?? idempotentFits;
  const transactionalId = options.transactionalId;
  if (transactionalId !== undefined) {
    if (typeof transactionalId !== "string" || transactionalId === "") {
      throw new TypeError(
        `${WHAT} as transactionalId must be a non-empty string: current value is ${
          describeValue(transactionalId)
        }`,
      );
    }
    if (!idempotent) {
      throw new RangeError(
        `${WHAT} as transactionalId requires idempotence (acks "all", maxInFlight at most 5, idempotent not false)`,
      );
    }
  }
  for (const name of ["keySerializer", "valueSerializer", "connect"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(
        `${WHAT} as ${name} must be a function: current value is ${describeValue(value)}`,
      );
    }
  }
  const resolved: ResolvedProducerOptions<K, V> = {
    bootstrap,
    topic: options.topic,
    clientId: options.clientId ?? "webstream-kafka",
    acks,
    lingerMs: duration("lingerMs", options.lingerMs, 5, 0),
    batchBytes: integer("batchBytes", options.batchBytes, 262144, 1),
    bufferBytes: integer("bufferBytes", options.bufferBytes, 32 * 1024 * 1024, 1),
    maxBlockMs: duration("maxBlockMs", options.maxBlockMs, 60000, 0),
    maxRequestBytes: integer("maxRequestBytes", options.maxRequestBytes, 1048576, 1),
    maxInFlight: integer("maxInFlight", options.maxInFlight, 5, 1),
    requestTimeoutMs: duration("requestTimeoutMs", options.requestTimeoutMs, 30000, 1),
    deliveryTimeoutMs: duration("deliveryTimeoutMs", options.deliveryTimeoutMs, 120000, 1),
    retryBackoffMs: integer("retryBackoffMs", options.retryBackoffMs, 100, 0),
    retryBackoffMaxMs: integer("retryBackoffMaxMs", options.retryBackoffMaxMs, 1000, 0),
    metadataMaxAgeMs: duration("metadataMaxAgeMs", options.metadataMaxAgeMs, 300000, 0),
    connectTimeoutMs: duration("connectTimeoutMs", options.connectTimeoutMs, 10000, 1),
    compression,
    partitioner,
    idempotent,
    transactionalId,
    transactionTimeoutMs: integer(
      "transactionTimeoutMs",
      options.transactionTimeoutMs,
      60000,
      1,
      INT32_MAX,
    ),
    keySerializer: options.keySerializer,
    valueSerializer: options.valueSerializer,
    connect: options.connect,
    tls: checkTls(options.tls, WHAT),
    sasl: checkSasl(options.sasl, WHAT),
  };
  fitToEventHubs(resolved, options);
  if (typeof resolved.clientId !== "string") {
    throw new TypeError(
      `${WHAT} as clientId must be a string: current value is ${describeValue(resolved.clientId)}`,
    );
  }
  if (resolved.deliveryTimeoutMs < resolved.lingerMs + resolved.requestTimeoutMs) {
    throw new RangeError(
      `${WHAT} as deliveryTimeoutMs must be at least lingerMs + requestTimeoutMs (${
        resolved.lingerMs + resolved.requestTimeoutMs
      }), as in Java: current value is ${resolved.deliveryTimeoutMs}`,
    );
  }
  if (resolved.retryBackoffMaxMs < resolved.retryBackoffMs) {
    resolved.retryBackoffMaxMs = resolved.retryBackoffMs;
  }
  return resolved;
}
