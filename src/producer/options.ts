/**
 * Producer options: what users pass ({@link ProducerOptions}), each named and
 * defaulted after the Java producer config it matches, and their validation into
 * the resolved form the producer uses. What each option takes and its default come
 * from the table in `option_specs.ts`; the `@default` of each field below is checked
 * against it by `tests/producer/options_test.ts`.
 *
 * @module
 */

import { fitToEventHubs } from "../net/event_hubs.ts";
import type { SaslOptions } from "../net/sasl.ts";
import type { ConnectFunction, TlsOptions } from "../net/transport.ts";
import { CompressionId, type CompressionName, hasCompressionCodec } from "../record/compression.ts";
import type { PartitionerOption } from "../partition/partitioner.ts";
import type { Logger } from "./producer_events.ts";
import type { Serializer } from "./serializer.ts";
import { checkOption, describeValue } from "./check_option.ts";
import { IDEMPOTENT_MAX_IN_FLIGHT, OPTION_SPECS, type ProducerOptionName } from "./option_specs.ts";

export { describeValue, parseAddress } from "./check_option.ts";

/**
 * The compression types: `gzip` and `zstd` from the runtime, `snappy` and `lz4` in
 * TypeScript (framed as Java's client frames them).
 */
export type CompressionType = CompressionName;

/**
 * How the partition of a record without an explicit partition is chosen: a built-in
 * strategy's name (see {@link ProducerOptions.partitioner}) or a
 * {@link PartitionerFunction}.
 */
export type PartitionerChoice = PartitionerOption;

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
   * `Infinity`: batches close only when full or on `flush()`. When not set, batching
   * is natural: a batch whose partition has nothing in flight or queued goes at once
   * (a lone `send()` waits for no timer), and one opened while earlier batches of its
   * partition are on their way waits for more records, up to 5 ms.
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
   * What to do when none of the brokers the producer learnt of answers (a cluster
   * replaced behind the same bootstrap names, KIP-899): `"rebootstrap"` forgets them and
   * starts again from the `bootstrap` addresses, resolved anew, at once when every known
   * broker refuses connections, after `metadataRecoveryRebootstrapTriggerMs` without
   * metadata otherwise, and when a broker answers REBOOTSTRAP_REQUIRED (KIP-1102);
   * `"none"` keeps to the brokers learnt, as Java before 4.0. Java:
   * `metadata.recovery.strategy`.
   *
   * @default {"rebootstrap"}
   */
  metadataRecoveryStrategy?: "rebootstrap" | "none";
  /**
   * With `metadataRecoveryStrategy` `"rebootstrap"`: how long metadata may fail to come
   * (brokers that accept connections but never answer, or answer errors) before the
   * producer starts again from the `bootstrap` addresses (KIP-1102). Java:
   * `metadata.recovery.rebootstrap.trigger.ms`.
   *
   * @default {300000}
   */
  metadataRecoveryRebootstrapTriggerMs?: number;
  /**
   * How long to wait for a TCP (or TLS) connection. Java: `socket.connection.setup.timeout.ms`.
   *
   * @default {10000}
   */
  connectTimeoutMs?: number;
  /**
   * Batch compression. Java: `compression.type`. On Deno batches of 64 KiB and more
   * are gzipped on Web Workers (one per core) when the package's modules may be read
   * (or imported, from a remote package) without a prompt, else on the event loop.
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
  /**
   * Serializes keys; by default keys are `string` (UTF-8), `Uint8Array` or `null`.
   * Java: `key.serializer`.
   */
  keySerializer?: Serializer<K>;
  /**
   * Serializes values; by default values are `string` (UTF-8), `Uint8Array` or `null`.
   * Java: `value.serializer`.
   */
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
   */
  sasl?: SaslOptions;
  /**
   * Where the producer logs: `console`, or any object with `debug`, `info`, `warn` and
   * `error` methods. It logs what its events say, one line each: retries at warn,
   * records that failed for good at error, connections, leader changes, epoch bumps
   * and throttling at info, metadata changes at debug. Nothing secret is logged.
   * Silent when not given.
   */
  logger?: Logger;
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
  /** Whether `lingerMs` was left unset: batches go at once when their partition is idle. */
  naturalBatching: boolean;
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
  metadataRecoveryStrategy: "rebootstrap" | "none";
  metadataRecoveryRebootstrapTriggerMs: number;
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
  logger: Logger | undefined;
}

const WHAT = "Cannot create producer";

/**
 * The options as each spec's check left them (defaults applied, `bootstrap` parsed),
 * before the rules that join several options.
 */
type CheckedOptions<K, V> =
  & Omit<ResolvedProducerOptions<K, V>, "acks">
  & { acks: ResolvedProducerOptions<K, V>["acks"] | "all" };

/**
 * Validates options and applies defaults, each option as its spec in
 * `OPTION_SPECS` says, then the rules that join several options.
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
  const given = options as Readonly<Record<ProducerOptionName, unknown>>;
  const checked: Partial<Record<ProducerOptionName, unknown>> = {};
  for (const name of Object.keys(OPTION_SPECS) as ProducerOptionName[]) {
    checked[name] = checkOption(name, OPTION_SPECS[name], given[name]);
  }
  // Each kind's check returns its option's resolved type (see checkOption).
  const v = checked as CheckedOptions<K, V>;
  if (v.compression !== "none" && !hasCompressionCodec(CompressionId[v.compression])) {
    throw new RangeError(
      `${WHAT} as compression ${v.compression} has no codec in this runtime: register one with registerCompressionCodec() from @webstream/kafka/protocol`,
    );
  }
  const acks = v.acks === "all" ? -1 : v.acks;
  // As Java since 3.2: idempotence is on unless turned off, or unless acks or
  // maxInFlight (not idempotence itself) were set to values it cannot work with.
  const idempotentFits = acks === -1 && v.maxInFlight <= IDEMPOTENT_MAX_IN_FLIGHT;
  if (options.idempotent === true && !idempotentFits) {
    throw new RangeError(
      `${WHAT} as idempotent requires acks "all" and maxInFlight at most ${IDEMPOTENT_MAX_IN_FLIGHT}: current values are acks ${
        describeValue(v.acks)
      }, maxInFlight ${v.maxInFlight}`,
    );
  }
  const idempotent = options.idempotent ?? (v.idempotent && idempotentFits);
  if (v.transactionalId !== undefined && !idempotent) {
    throw new RangeError(
      `${WHAT} as transactionalId requires idempotence (acks "all", maxInFlight at most ${IDEMPOTENT_MAX_IN_FLIGHT}, idempotent not false)`,
    );
  }
  if (v.deliveryTimeoutMs < v.lingerMs + v.requestTimeoutMs) {
    throw new RangeError(
      `${WHAT} as deliveryTimeoutMs must be at least lingerMs + requestTimeoutMs (${
        v.lingerMs + v.requestTimeoutMs
      }), as in Java: current value is ${v.deliveryTimeoutMs}`,
    );
  }
  const resolved: ResolvedProducerOptions<K, V> = {
    ...v,
    acks,
    idempotent,
    naturalBatching: options.lingerMs === undefined,
    retryBackoffMaxMs: Math.max(v.retryBackoffMaxMs, v.retryBackoffMs),
  };
  // Azure Event Hubs refuses some codecs and large requests: fitted or refused here.
  fitToEventHubs(resolved, options);
  return resolved;
}
