/**
 * The errors the network layer raises: a connection that cannot be opened or was
 * lost ({@link KafkaConnectionError}) and a request that got no answer in time
 * ({@link KafkaTimeoutError}). Both are retriable, as the Java client's
 * `NetworkException` and `TimeoutException` are: the request may be sent again,
 * on a new connection.
 *
 * @module
 */

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
