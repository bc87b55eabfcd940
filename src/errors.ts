/**
 * The error classes callers catch. Broker error codes become {@link KafkaError};
 * everything the client itself detects has a class of its own, so a `catch` can
 * tell a malformed frame from a refused record from a timeout.
 *
 * @module
 */

import { errorInfo } from "./protocol/error_codes.ts";

/** Where a {@link KafkaError} happened, when it concerns one partition. */
export interface KafkaErrorOptions extends ErrorOptions {
  /** The topic concerned. */
  topic?: string;
  /** The partition concerned. */
  partition?: number;
}

/**
 * An error code returned by a Kafka broker. `name` is Kafka's own name for the code
 * (as in the Java client's `Errors` enum), `retriable` whether the Java producer would
 * retry it.
 *
 * @example Inspecting a broker error
 * ```ts
 * import { KafkaError } from "@webstream/kafka";
 *
 * const error = new KafkaError(6, { topic: "events", partition: 2 });
 * console.log(error.name, error.retriable); // NOT_LEADER_OR_FOLLOWER true
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

  /**
   * Builds the error for a broker error code.
   *
   * @param code Kafka's numeric error code.
   * @param options Topic, partition, a detail message and a cause.
   */
  constructor(code: number, options: KafkaErrorOptions & { message?: string } = {}) {
    const info = errorInfo(code);
    const where = options.topic === undefined
      ? ""
      : ` for ${options.topic}${options.partition === undefined ? "" : `-${options.partition}`}`;
    const detail = options.message ? `: ${options.message}` : "";
    super(`Kafka broker returned ${info.name} (code ${code})${where}${detail}`, options);
    this.name = info.name;
    this.code = code;
    this.retriable = info.retriable;
    this.topic = options.topic;
    this.partition = options.partition;
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
