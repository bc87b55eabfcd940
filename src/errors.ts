/**
 * The error classes callers catch. Broker error codes become {@link KafkaError};
 * everything the client itself detects has a class of its own, so a `catch` can
 * tell a malformed frame from a refused record from a timeout.
 *
 * @module
 */

import { ApiKey } from "./protocol/api.ts";
import { ErrorCode, errorInfo } from "./protocol/error_codes.ts";
import type { ApiVersionRange, BrokerAddress, VersionedApi } from "./protocol/versions.ts";

/** Where a {@link KafkaError} happened, when it concerns one partition. */
export interface KafkaErrorOptions extends ErrorOptions {
  /** The topic concerned. */
  topic?: string;
  /** The partition concerned. */
  partition?: number;
  /**
   * A detail: after a broker's code, what the broker said or what was asked; for a
   * refusal by the client itself (`byClient`), the whole sentence saying what could
   * not be done and why.
   */
  message?: string;
  /**
   * Whether the client itself refused, before any broker was asked (a record too
   * large, an invalid topic name), with the code Kafka would have answered.
   *
   * @default {false}
   */
  byClient?: boolean;
}

/**
 * A Kafka error code: returned by a broker, or the code the client itself applies
 * when it refuses something before asking one (`byClient`: an invalid topic name, a
 * record over `maxRequestBytes`). `name` is Kafka's own name for the code (as in the
 * Java client's `Errors` enum), `retriable` whether the Java producer would retry it.
 *
 * @example Inspecting a broker error
 * ```ts
 * import { KafkaError } from "@webstream/kafka";
 * import { ErrorCode } from "@webstream/kafka/protocol";
 *
 * const error = new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, { topic: "events", partition: 2 });
 * console.log(error.name, error.retriable); // NOT_LEADER_OR_FOLLOWER true
 * console.log(error.message); // Kafka broker returned NOT_LEADER_OR_FOLLOWER (code 6) for events-2
 * ```
 */
export class KafkaError extends Error {
  /** Kafka's numeric error code. */
  readonly code: number;
  /** Whether retrying the same request may succeed. */
  readonly retriable: boolean;
  /** The topic concerned, if any. */
  readonly topic: string | undefined;
  /** The partition concerned, if any. */
  readonly partition: number | undefined;
  /** Whether the client refused before asking a broker. */
  readonly byClient: boolean;

  /**
   * Builds the error for an error code.
   *
   * @param code Kafka's numeric error code.
   * @param options Topic, partition, a detail message, whether the client refused, and a cause.
   */
  constructor(code: number, options: KafkaErrorOptions = {}) {
    const info = errorInfo(code);
    const byClient = options.byClient === true;
    let message: string;
    if (byClient) {
      message = `${options.message ?? `Cannot go on as ${info.name}`} (${info.name})`;
    } else {
      const where = options.topic === undefined
        ? ""
        : ` for ${options.topic}${options.partition === undefined ? "" : `-${options.partition}`}`;
      const detail = options.message ? `: ${options.message}` : "";
      message = `Kafka broker returned ${info.name} (code ${code})${where}${detail}`;
    }
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = info.name;
    this.code = code;
    this.retriable = info.retriable;
    this.topic = options.topic;
    this.partition = options.partition;
    this.byClient = byClient;
  }
}

/**
 * Bytes from a broker (or given to a decoder) that do not follow the Kafka protocol:
 * truncated, negative or oversized lengths, over-long varints, bad CRCs.
 *
 * @example Catching a malformed frame
 * ```ts
 * import { KafkaProtocolError } from "@webstream/kafka";
 *
 * const error = new KafkaProtocolError("Cannot read int32 at offset 4: only 2 bytes left");
 * console.log(error instanceof KafkaProtocolError); // true
 * ```
 */
export class KafkaProtocolError extends Error {
  /**
   * Builds the error.
   *
   * @param message What was wrong, and where.
   * @param options The cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KafkaProtocolError";
  }
}

/**
 * A record's key, value or header could not be serialized: the serializer threw or
 * returned something that is not a `Uint8Array`.
 *
 * @example Catching a serialization failure
 * ```ts
 * import { KafkaSerializationError } from "@webstream/kafka";
 *
 * const error = new KafkaSerializationError("value", "events", new TypeError("cyclic"));
 * console.log(error.field); // "value"
 * ```
 */
export class KafkaSerializationError extends Error {
  /** Which part of the record failed: `"key"`, `"value"` or `"header"`. */
  readonly field: "key" | "value" | "header";
  /** The topic of the record, if known. */
  readonly topic: string | undefined;

  /**
   * Builds the error.
   *
   * @param field The part of the record that failed.
   * @param topic The record's topic, if known.
   * @param cause What the serializer threw, or a description of what it returned.
   * @param detail A message naming the record (its index or key), if known.
   */
  constructor(
    field: "key" | "value" | "header",
    topic: string | undefined,
    cause: unknown,
    detail?: string,
  ) {
    const causeText = cause instanceof Error ? cause.message : String(cause);
    super(
      `Cannot serialize the ${field} of a record${
        topic === undefined ? "" : ` for topic ${topic}`
      }${detail ? ` (${detail})` : ""}: ${causeText}`,
      { cause },
    );
    this.name = "KafkaSerializationError";
    this.field = field;
    this.topic = topic;
  }
}

/**
 * A `partitioner` function threw for a record; `cause` is what it threw. The record
 * fails alone; nothing else is affected.
 *
 * @example Catching a failing partitioner
 * ```ts
 * import { KafkaPartitionerError } from "@webstream/kafka";
 *
 * const error = new KafkaPartitionerError("events", new Error("no region"));
 * console.log(error.message); // Cannot partition record for topic "events" as the partitioner function threw: no region
 * ```
 */
export class KafkaPartitionerError extends Error {
  /** The record's topic. */
  readonly topic: string;

  /**
   * Builds the error.
   *
   * @param topic The record's topic.
   * @param cause What the partitioner threw.
   */
  constructor(topic: string, cause: unknown) {
    super(
      `Cannot partition record for topic ${
        JSON.stringify(topic)
      } as the partitioner function threw: ${
        cause instanceof Error
          ? cause.message
          : typeof cause === "string"
          ? JSON.stringify(cause)
          : String(cause)
      }`,
      { cause },
    );
    this.name = "KafkaPartitionerError";
    this.topic = topic;
  }
}

/**
 * Some records of a stream or a `send(records)` call were not delivered. `cause` is
 * the first failure; `errors` holds one error of each kind seen (by name), so the
 * reasons are all there without one entry per record.
 *
 * @example Reporting a failed pipe
 * ```ts
 * import { KafkaDeliveryError } from "@webstream/kafka";
 *
 * const error = new KafkaDeliveryError(3, 997, [new Error("broker down")]);
 * console.log(error.message);
 * // Cannot deliver 3 of 1000 records: broker down
 * ```
 */
export class KafkaDeliveryError extends Error {
  /** Records that were not delivered. */
  readonly failed: number;
  /** Records that were delivered. */
  readonly delivered: number;
  /** One error per distinct kind of failure, first seen first. */
  readonly errors: readonly Error[];

  /**
   * Builds the error.
   *
   * @param failed How many records were not delivered.
   * @param delivered How many were.
   * @param errors The distinct failures, first first.
   */
  constructor(failed: number, delivered: number, errors: readonly Error[]) {
    const reasons = errors.map((e) => e.message).join("; ");
    super(`Cannot deliver ${failed} of ${failed + delivered} records: ${reasons}`, {
      cause: errors[0],
    });
    this.name = "KafkaDeliveryError";
    this.failed = failed;
    this.delivered = delivered;
    this.errors = errors;
  }
}

/**
 * A record was written to a producer or sink that is closed (or closing).
 *
 * @example Catching a write after close
 * ```ts
 * import { KafkaClosedError } from "@webstream/kafka";
 *
 * const error = new KafkaClosedError("Cannot send record as the producer is closed");
 * console.log(error.name); // "KafkaClosedError"
 * ```
 */
export class KafkaClosedError extends Error {
  /**
   * Builds the error.
   *
   * @param message What could not be done.
   */
  constructor(message: string) {
    super(message);
    this.name = "KafkaClosedError";
  }
}

/**
 * A transactional call that the transaction's state does not allow: sending outside a
 * transaction, beginning one while one is open, committing one whose records failed
 * (abort it instead), or a transactional call on a producer without `transactionalId`.
 *
 * @example Catching a send outside a transaction
 * ```ts
 * import { KafkaTransactionError } from "@webstream/kafka";
 *
 * const error = new KafkaTransactionError("Cannot send record as no transaction is open");
 * console.log(error.name); // "KafkaTransactionError"
 * ```
 */
export class KafkaTransactionError extends Error {
  /**
   * Builds the error.
   *
   * @param message What could not be done, and why.
   * @param options The cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KafkaTransactionError";
  }
}

/** Options of the network errors. */
export interface KafkaNetworkErrorOptions extends ErrorOptions {
  /** The broker's address, as `host:port`. */
  address?: string;
}

/**
 * A connection to a broker could not be opened, or was lost (closed by the peer, a
 * socket error, a protocol error on another request, or {@linkcode Connection.close}).
 * Requests that were pending on it fail with this error; whether the broker
 * processed them is unknown, so only idempotent producers retry them safely.
 *
 * @example Catching a refused connection
 * ```ts
 * import { KafkaConnectionError } from "@webstream/kafka";
 *
 * const error = new KafkaConnectionError(
 *   "Cannot connect to broker at 127.0.0.1:9092: connection refused",
 *   { address: "127.0.0.1:9092" },
 * );
 * console.log(error.retriable, error.address); // true "127.0.0.1:9092"
 * ```
 */
export class KafkaConnectionError extends Error {
  /** Always true: the request may succeed on a new connection. */
  readonly retriable: boolean = true;
  /** The broker's address, as `host:port`, if known. */
  readonly address: string | undefined;

  /**
   * Builds the error.
   *
   * @param message What failed, naming the broker.
   * @param options The broker's address and the underlying cause.
   */
  constructor(message: string, options: KafkaNetworkErrorOptions = {}) {
    super(message, options);
    this.name = "KafkaConnectionError";
    this.address = options.address;
  }
}

/**
 * A request got no response (or could not be written) within its timeout. The
 * connection it was sent on is closed, as the Java client does, since its
 * responses can no longer be matched to requests.
 *
 * @example Catching a timeout
 * ```ts
 * import { KafkaTimeoutError } from "@webstream/kafka";
 *
 * const error = new KafkaTimeoutError(
 *   "Cannot get a response to Produce v9 request from broker at 127.0.0.1:9092 within 30000 ms",
 *   { address: "127.0.0.1:9092" },
 * );
 * console.log(error.name, error.retriable); // "KafkaTimeoutError" true
 * ```
 */
export class KafkaTimeoutError extends Error {
  /** Always true: the request may succeed when sent again. */
  readonly retriable: boolean = true;
  /** The broker's address, as `host:port`, if known. */
  readonly address: string | undefined;

  /**
   * Builds the error.
   *
   * @param message What timed out, naming the broker and the timeout.
   * @param options The broker's address and the underlying cause.
   */
  constructor(message: string, options: KafkaNetworkErrorOptions = {}) {
    super(message, options);
    this.name = "KafkaTimeoutError";
    this.address = options.address;
  }
}

/**
 * `close({ timeoutMs })` ran out of time before every record was acknowledged: each
 * record still unsettled then (buffered, waiting for metadata or buffer space, queued
 * or in flight) fails with this error, and `close()` rejects with it once the producer
 * is closed. Records that were in a request already sent may have been written
 * (`inFlight` says how many), as with Java's `close(Duration)`.
 *
 * @example What a close past its deadline says
 * ```ts
 * import { KafkaCloseTimeoutError, KafkaTimeoutError } from "@webstream/kafka";
 *
 * const error = new KafkaCloseTimeoutError(1200, 300, 5000);
 * console.log(error instanceof KafkaTimeoutError, error.records); // true 1200
 * console.log(error.message);
 * // "Cannot deliver 1200 records as close() reached its timeoutMs (5000) before they were
 * // acknowledged; 300 of them were in requests already sent, so they may have been written"
 * ```
 */
export class KafkaCloseTimeoutError extends KafkaTimeoutError {
  /** How many records failed. */
  readonly records: number;
  /** How many of them were in requests already sent (they may have been written). */
  readonly inFlight: number;
  /** The `timeoutMs` given to `close()`. */
  readonly timeoutMs: number;

  /**
   * Builds the error.
   *
   * @param records How many records failed.
   * @param inFlight How many of them were in requests already sent.
   * @param timeoutMs The `timeoutMs` given to `close()`.
   */
  constructor(records: number, inFlight: number, timeoutMs: number) {
    super(
      `Cannot deliver ${records} record${
        records === 1 ? "" : "s"
      } as close() reached its timeoutMs (${timeoutMs}) before ${
        records === 1 ? "it was" : "they were"
      } acknowledged${
        inFlight === 0
          ? ""
          : `; ${inFlight} of them ${
            inFlight === 1 ? "was" : "were"
          } in requests already sent, so they may have been written`
      }`,
    );
    this.name = "KafkaCloseTimeoutError";
    this.records = records;
    this.inFlight = inFlight;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A broker said a topic does not exist (UNKNOWN_TOPIC_OR_PARTITION), or had no usable
 * partitions for it, for as long as a record could wait (`maxBlockMs`); as Java's
 * "Topic X not present in metadata after N ms". Only a broker's answer makes this
 * error: when no broker answered, the record fails with the
 * {@link KafkaConnectionError} or {@link KafkaTimeoutError} that says why.
 *
 * @example Catching a missing topic
 * ```ts
 * import { TopicNotFoundError } from "@webstream/kafka";
 *
 * const error = new TopicNotFoundError("events", 60000);
 * console.log(error.name); // "UNKNOWN_TOPIC_OR_PARTITION"
 * ```
 */
export class TopicNotFoundError extends KafkaError {
  /**
   * Builds the error.
   *
   * @param topic The topic.
   * @param waitedMs How long the record waited (Java's `max.block.ms`).
   * @param code The broker's last error code for the topic.
   */
  constructor(
    topic: string,
    waitedMs: number,
    code: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ) {
    super(code, {
      topic,
      message: `topic ${topic} not present in metadata after ${waitedMs} ms (maxBlockMs)`,
    });
  }
}

/** Options of {@link KafkaAuthenticationError}. */
export interface KafkaAuthenticationErrorOptions extends ErrorOptions {
  /** The broker's address, as `host:port`. */
  address?: string;
  /** What authenticated: `"TLS"` or the SASL mechanism. */
  mechanism: string;
}

/**
 * Authentication failed where no broker error code says so: the TLS handshake (the
 * broker refused the client certificate or asked for one that was not given, or the
 * broker's certificate is not trusted), or the client's half of SASL (the OAUTHBEARER
 * token provider failed or returned an unusable token). Like a SASL_AUTHENTICATION_FAILED
 * {@link KafkaError}, it is not retriable: the producer fails at once rather than waiting
 * out its timeouts. Java's `SslAuthenticationException` and `SaslAuthenticationException`.
 *
 * @example Telling a refused client certificate apart
 * ```ts
 * import { KafkaAuthenticationError } from "@webstream/kafka";
 *
 * const error = new KafkaAuthenticationError(
 *   "Cannot authenticate with TLS to broker at 127.0.0.1:9093 as it refused the client certificate",
 *   { address: "127.0.0.1:9093", mechanism: "TLS" },
 * );
 * console.log(error.mechanism, error.retriable); // "TLS" false
 * ```
 */
export class KafkaAuthenticationError extends Error {
  /** Always false: the same credentials fail again. */
  readonly retriable: boolean = false;
  /** The broker's address, as `host:port`, if known. */
  readonly address: string | undefined;
  /** What authenticated: `"TLS"` or the SASL mechanism. */
  readonly mechanism: string;

  /**
   * Builds the error.
   *
   * @param message What failed and why, naming the broker; never a secret.
   * @param options The broker's address, the mechanism and the cause.
   */
  constructor(message: string, options: KafkaAuthenticationErrorOptions) {
    super(message, options);
    this.name = "KafkaAuthenticationError";
    this.address = options.address;
    this.mechanism = options.mechanism;
  }
}

/** What {@link KafkaUnsupportedVersionError} reports. */
export interface KafkaUnsupportedVersionErrorOptions extends ErrorOptions {
  /** The API that could not be negotiated. */
  api: VersionedApi;
  /** The broker's range for it, or undefined if the broker does not list the API. */
  brokerRange: ApiVersionRange | undefined;
  /** The broker concerned. */
  broker: BrokerAddress;
}

/**
 * A broker supports no version of an API that this client speaks (for Produce:
 * nothing from v3, the first version carrying record batch v2). Not retriable
 * against the same broker.
 *
 * @example Refusing an old broker
 * ```ts
 * import { KafkaUnsupportedVersionError, produceApi } from "@webstream/kafka/protocol";
 *
 * const error = new KafkaUnsupportedVersionError({
 *   api: produceApi,
 *   brokerRange: { apiKey: 0, minVersion: 0, maxVersion: 2 },
 *   broker: { nodeId: 1, host: "localhost", port: 9092 },
 * });
 * console.log(error.message);
 * // Cannot produce to broker 1 at localhost:9092 as it does not support Produce v3 or
 * // later (record batch v2): it supports v0-v2
 * ```
 */
export class KafkaUnsupportedVersionError extends Error {
  /** The API key. */
  readonly apiKey: number;
  /** The API name. */
  readonly apiName: string;
  /** The broker's oldest version of the API, or undefined if it does not list it. */
  readonly brokerMinVersion: number | undefined;
  /** The broker's newest version of the API, or undefined if it does not list it. */
  readonly brokerMaxVersion: number | undefined;
  /** The oldest version this client speaks. */
  readonly clientMinVersion: number;
  /** The newest version this client speaks. */
  readonly clientMaxVersion: number;
  /** The broker's node id, if known. */
  readonly nodeId: number | undefined;
  /** The broker's host. */
  readonly host: string;
  /** The broker's port. */
  readonly port: number;

  /**
   * Builds the error.
   *
   * @param options The API, the broker's range for it and the broker.
   */
  constructor(options: KafkaUnsupportedVersionErrorOptions) {
    const { api, brokerRange, broker } = options;
    super(unsupportedMessage(api, brokerRange, broker), options);
    this.name = "KafkaUnsupportedVersionError";
    this.apiKey = api.key;
    this.apiName = api.name;
    this.brokerMinVersion = brokerRange?.minVersion;
    this.brokerMaxVersion = brokerRange?.maxVersion;
    this.clientMinVersion = api.minVersion;
    this.clientMaxVersion = api.maxVersion;
    this.nodeId = broker.nodeId !== undefined && broker.nodeId >= 0 ? broker.nodeId : undefined;
    this.host = broker.host;
    this.port = broker.port;
  }
}

function describeBroker(broker: BrokerAddress): string {
  const host = broker.host.includes(":") ? `[${broker.host}]` : broker.host;
  const id = broker.nodeId !== undefined && broker.nodeId >= 0 ? ` ${broker.nodeId}` : "";
  return `broker${id} at ${host}:${broker.port}`;
}

function unsupportedMessage(
  api: VersionedApi,
  range: ApiVersionRange | undefined,
  broker: BrokerAddress,
): string {
  const supports = range === undefined || range.minVersion > range.maxVersion
    ? `it does not list ${api.name} at all`
    : `it supports v${range.minVersion}-v${range.maxVersion}`;
  if (api.key === ApiKey.Produce) {
    return `Cannot produce to ${
      describeBroker(broker)
    } as it does not support Produce v${api.minVersion} or later (record batch v2): ${supports}`;
  }
  return `Cannot send ${api.name} to ${
    describeBroker(broker)
  } as it supports none of v${api.minVersion}-v${api.maxVersion}: ${supports}`;
}
