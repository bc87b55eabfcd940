/**
 * One connection to a broker: size-prefixed framing, correlation ids, pipelining and
 * timeouts over a {@linkcode Transport}.
 *
 * Kafka answers the requests of a connection in the order they were sent, so the
 * pending requests form a FIFO and each response is checked against its head. Up to
 * `maxInFlight` requests are on the wire at once; more wait their turn in order.
 * Anything that breaks the request/response pairing (a malformed frame, a wrong
 * correlation id, a response that does not decode, a timeout, a lost socket) closes
 * the connection and fails every pending request, as the Java client does.
 *
 * The parts, one job each: {@linkcode RequestQueue} (slots, correlation ids, the FIFO,
 * timeouts, the exclusive section), {@linkcode RequestWriter} (encoding and writing
 * frames) and {@linkcode ResponseReader} (reading, reassembling and decoding them).
 *
 * @module
 */

import type { Api } from "../protocol/api.ts";
import { KafkaConnectionError } from "../errors.ts";
import {
  checkTimeout,
  type ConnectionOptions,
  type RequestOptions,
  resolveConnectionOptions,
} from "./connection_options.ts";
import { describeRequest as describe, type QueuedRequest, RequestQueue } from "./request_queue.ts";
import type { Requester } from "./requester.ts";
import { type RequestFrame, RequestWriter } from "./request_writer.ts";
import { ResponseReader } from "./response_reader.ts";
import type { Transport } from "./transport.ts";

export type { ConnectionOptions, RequestOptions } from "./connection_options.ts";
export type { Requester } from "./requester.ts";
export type { Timers } from "./timers.ts";

/**
 * A connection to one broker. It owns its transport: closing the connection closes
 * the socket, and a socket that ends or fails closes the connection.
 *
 * @example Sending a request and reading its response
 * ```ts
 * import type { Transport } from "@webstream/kafka";
 * import { apiVersionsApi, Writer } from "@webstream/kafka/protocol";
 * import { Connection } from "./connection.ts";
 *
 * // A broker in memory: it answers every request frame with an ApiVersions v0 body
 * // (error code NONE, one API: Produce v3-v13) under the request's correlation id.
 * let controller!: ReadableStreamDefaultController<Uint8Array>;
 * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
 * const broker: Transport = {
 *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
 *   write: (frame) => {
 *     const correlationId = new DataView(frame.buffer, frame.byteOffset).getInt32(8);
 *     const w = new Writer();
 *     const size = w.reserve(4);
 *     w.int32(correlationId).int16(0).int32(1).int16(0).int16(3).int16(13);
 *     w.patchInt32(size, w.length - 4);
 *     controller.enqueue(w.bytes());
 *     return Promise.resolve();
 *   },
 *   close: () => (controller.close(), released()),
 *   closed,
 * };
 *
 * const connection = new Connection(broker, { address: "in-memory:9092" });
 * const versions = await connection.request(apiVersionsApi, 0, { clientSoftwareVersion: "0.1.0" });
 * console.log(versions.apiKeys); // [ { apiKey: 0, minVersion: 3, maxVersion: 13 } ]
 * connection.close();
 * await connection.closed;
 * ```
 */
export class Connection {
  readonly #transport: Transport;
  readonly #address: string;
  readonly #requestTimeoutMs: number;
  readonly #closed: Promise<void>;
  readonly #queue: RequestQueue;
  readonly #writer: RequestWriter;
  readonly #responses: ResponseReader;
  #isClosed = false;

  /**
   * Takes over a connected transport and starts reading from it.
   *
   * @param transport The connected transport.
   * @param options Address, client id, in-flight limit, timeouts, frame limit, timers.
   */
  constructor(transport: Transport, options: ConnectionOptions = {}) {
    const { address, maxFrameBytes, ...resolved } = resolveConnectionOptions(options);
    this.#transport = transport;
    this.#address = address;
    this.#requestTimeoutMs = resolved.requestTimeoutMs;
    this.#queue = new RequestQueue({
      maxInFlight: resolved.maxInFlight,
      timers: resolved.timers,
      address,
      send: (request) => this.#send(request),
      onTimeout: (request, error) =>
        this.#shutdown(`closed as a ${describe(request)} request timed out`, error),
    });
    this.#writer = new RequestWriter(transport, {
      clientId: resolved.clientId,
      address,
      requestLimit: resolved.requestLimit,
      onWritten: (request) => this.#queue.settle(request, true, undefined),
      onError: (error) => this.#lost("while writing a request", error),
    });
    this.#responses = new ResponseReader(transport.readable, {
      address,
      maxFrameBytes,
      queue: this.#queue,
      onProtocolError: (error) =>
        this.#shutdown(`closed after a protocol error: ${error.message}`, error),
      onLost: (how, cause) => this.#lost(how, cause),
    });
    const reading = this.#responses.read();
    this.#closed = Promise.all([reading, transport.closed]).then(() => {});
  }

  /** The broker's address, as given in the options. */
  get address(): string {
    return this.#address;
  }

  /** Whether the connection is closed: no request can be sent on it any more. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** How many requests are sent and not answered yet (or, with no response expected, not written yet). */
  get inFlight(): number {
    return this.#queue.inFlight;
  }

  /** Resolves once the connection is closed and its socket released; never rejects. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Sends a request and resolves with its decoded response; with
   * `expectResponse: false`, resolves with `undefined` once the request is written.
   *
   * Rejects with a `RangeError` for a version outside the API's range, with what the
   * encoder threw if the body does not encode, with {@linkcode KafkaConnectionError}
   * if the connection is or gets closed, with {@linkcode KafkaTimeoutError} after the
   * timeout, and with `KafkaProtocolError` if the response is malformed. The last
   * three close the connection.
   *
   * @typeParam Req The request body.
   * @typeParam Res The decoded response.
   * @param api The API descriptor.
   * @param version The API version; the request header is flexible from
   * `api.flexibleFrom`.
   * @param body The request body.
   * @param options Whether a response is expected, and a timeout.
   * @returns The decoded response, or `undefined` if none is expected.
   *
   * @example A request with no response (Produce with acks=0)
   * ```ts
   * import type { Transport } from "@webstream/kafka";
   * import { encodeRecordBatch, produceApi } from "@webstream/kafka/protocol";
   * import { Connection } from "./connection.ts";
   *
   * // In place of a socket: takes what it is sent and never answers.
   * let controller!: ReadableStreamDefaultController<Uint8Array>;
   * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
   * const socket: Transport = {
   *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
   *   write: () => Promise.resolve(),
   *   close: () => (controller.close(), released()),
   *   closed,
   * };
   *
   * const connection = new Connection(socket);
   * const records = await encodeRecordBatch({ records: [{ value: "hello" }] });
   * const response = await connection.request(produceApi, 9, {
   *   transactionalId: null,
   *   acks: 0,
   *   timeoutMs: 30000,
   *   topicData: [{ name: "events", partitionData: [{ index: 0, records }] }],
   * }, { expectResponse: false });
   * console.log(response); // undefined, once the request is written
   * connection.close();
   * await connection.closed;
   * ```
   */
  request<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    body: Req,
    options: RequestOptions & { expectResponse: false },
  ): Promise<undefined>;
  /**
   * Sends a request and resolves with its decoded response.
   *
   * @typeParam Req The request body.
   * @typeParam Res The decoded response.
   * @param api The API descriptor.
   * @param version The API version.
   * @param body The request body.
   * @param options A timeout.
   * @returns The decoded response.
   *
   * @example Sending a request
   * ```ts
   * import { KafkaTimeoutError, type Transport } from "@webstream/kafka";
   * import { metadataApi } from "@webstream/kafka/protocol";
   * import { Connection } from "./connection.ts";
   *
   * // In place of a socket: takes what it is sent and never answers.
   * let controller!: ReadableStreamDefaultController<Uint8Array>;
   * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
   * const socket: Transport = {
   *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
   *   write: () => Promise.resolve(),
   *   close: () => (controller.close(), released()),
   *   closed,
   * };
   *
   * const connection = new Connection(socket, { address: "in-memory:9092" });
   * try {
   *   await connection.request(metadataApi, 12, { topics: null }, { timeoutMs: 10 });
   * } catch (error) {
   *   console.log(error instanceof KafkaTimeoutError); // true: no answer within 10 ms
   * }
   * // Later responses could not be matched to their requests any more.
   * console.log(connection.isClosed); // true
   * await connection.closed;
   * ```
   */
  request<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    body: Req,
    options?: RequestOptions & { expectResponse?: true },
  ): Promise<Res>;
  /**
   * Sends a request; whether a response is expected is known only at run time.
   *
   * @typeParam Req The request body.
   * @typeParam Res The decoded response.
   * @param api The API descriptor.
   * @param version The API version.
   * @param body The request body.
   * @param options Whether a response is expected, and a timeout.
   * @returns The decoded response, or `undefined` if none is expected.
   *
   * @example Produce whose acks come from the user
   * ```ts
   * import type { Transport } from "@webstream/kafka";
   * import { type ProduceRequest, produceApi } from "@webstream/kafka/protocol";
   * import { Connection } from "./connection.ts";
   *
   * // In place of a socket: takes what it is sent and never answers.
   * let controller!: ReadableStreamDefaultController<Uint8Array>;
   * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
   * const socket: Transport = {
   *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
   *   write: () => Promise.resolve(),
   *   close: () => (controller.close(), released()),
   *   closed,
   * };
   *
   * const connection = new Connection(socket);
   * const request: ProduceRequest = { transactionalId: null, acks: 0, timeoutMs: 30000, topicData: [] };
   * const response = await connection.request(produceApi, 9, request, {
   *   expectResponse: request.acks !== 0,
   * });
   * console.log(response); // undefined: acks=0 gets no response
   * connection.close();
   * await connection.closed;
   * ```
   */
  request<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    body: Req,
    options?: RequestOptions,
  ): Promise<Res | undefined>;
  request<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    body: Req,
    options: RequestOptions = {},
  ): Promise<Res | undefined> {
    return this.#enqueue(api, version, body, options, false);
  }

  /**
   * Runs `task` alone on the connection, as KIP-368 re-authentication needs: requests
   * already sent keep their place (Kafka answers them first), requests made meanwhile
   * through {@linkcode Connection.request} wait until the task settles, and the task's
   * own requests, made through the requester it is given, go before them. Tasks run
   * one at a time, in call order.
   *
   * @typeParam T What the task resolves with.
   * @param task The work, given a requester whose requests jump the queue.
   * @returns What the task resolves (or rejects) with.
   *
   * @example Re-authenticating while producers keep calling request()
   * ```ts
   * import type { Transport } from "@webstream/kafka";
   * import { apiVersionsApi, Writer } from "@webstream/kafka/protocol";
   * import { Connection } from "./connection.ts";
   *
   * // A broker in memory that answers every request with an empty ApiVersions v0 body.
   * let controller!: ReadableStreamDefaultController<Uint8Array>;
   * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
   * const broker: Transport = {
   *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
   *   write: (frame) => {
   *     const correlationId = new DataView(frame.buffer, frame.byteOffset).getInt32(8);
   *     controller.enqueue(new Writer().int32(10).int32(correlationId).int16(0).int32(0).bytes());
   *     return Promise.resolve();
   *   },
   *   close: () => (controller.close(), released()),
   *   closed,
   * };
   * const connection = new Connection(broker);
   * const request = { clientSoftwareVersion: "0.1.0" };
   *
   * const order: string[] = [];
   * const meanwhile: Promise<unknown>[] = [];
   * await connection.exclusive(async (requester) => {
   *   // A producer's request made now waits until the task is done...
   *   meanwhile.push(connection.request(apiVersionsApi, 0, request).then(() => order.push("request()")));
   *   // ...while the task's own (SaslHandshake, SaslAuthenticate) go first.
   *   await requester.request(apiVersionsApi, 0, request);
   *   order.push("requester");
   * });
   * await Promise.all(meanwhile);
   * console.log(order); // [ "requester", "request()" ]
   * connection.close();
   * await connection.closed;
   * ```
   */
  exclusive<T>(task: (requester: Requester) => Promise<T>): Promise<T> {
    const requester: Requester = {
      request: <Req, Res>(api: Api<Req, Res>, version: number, body: Req) =>
        this.#enqueue(api, version, body, {}, true) as Promise<Res>,
    };
    return this.#queue.exclusive(() => task(requester));
  }

  #enqueue<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    body: Req,
    options: RequestOptions,
    priority: boolean,
  ): Promise<Res | undefined> {
    if (!Number.isInteger(version) || version < api.minVersion || version > api.maxVersion) {
      return Promise.reject(
        new RangeError(
          `Cannot send ${api.name} request as version must be an integer from ${api.minVersion} to ${api.maxVersion}: current value is ${version}`,
        ),
      );
    }
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    try {
      checkTimeout("timeoutMs", timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#isClosed) {
      return Promise.reject(
        new KafkaConnectionError(
          `Cannot send ${api.name} v${version} request to broker at ${this.#address}: the connection is closed`,
          { address: this.#address },
        ),
      );
    }
    const request = this.#queue.add(
      api as Api<unknown, unknown>,
      version,
      body,
      options.expectResponse ?? true,
      timeoutMs,
      priority,
    );
    return request as Promise<Res | undefined>;
  }

  /**
   * Closes the connection and its socket. Pending and waiting requests fail with a
   * {@linkcode KafkaConnectionError}, which carries `cause` and ends with its message
   * when one is given. Calling it again does nothing.
   *
   * @param cause Why the connection is closed, if it is closed over a failure.
   *
   * @example Closing a connection
   * ```ts
   * import { KafkaConnectionError, type Transport } from "@webstream/kafka";
   * import { apiVersionsApi } from "@webstream/kafka/protocol";
   * import { Connection } from "./connection.ts";
   *
   * // In place of a socket: takes what it is sent and never answers.
   * let controller!: ReadableStreamDefaultController<Uint8Array>;
   * const { promise: closed, resolve: released } = Promise.withResolvers<void>();
   * const socket: Transport = {
   *   readable: new ReadableStream({ start: (c) => void (controller = c) }),
   *   write: () => Promise.resolve(),
   *   close: () => (controller.close(), released()),
   *   closed,
   * };
   *
   * const connection = new Connection(socket, { address: "in-memory:9092" });
   * const pending = connection.request(apiVersionsApi, 3, { clientSoftwareVersion: "0.1.0" });
   * connection.close();
   * await pending.catch((error) => console.log(error instanceof KafkaConnectionError)); // true
   * await connection.closed;
   * ```
   */
  close(cause?: Error): void {
    this.#shutdown(cause === undefined ? "closed" : `closed: ${cause.message}`, cause);
  }

  // ---- sending ------------------------------------------------------------

  /** Encodes and writes a request the queue gave a slot and a correlation id. */
  #send(request: QueuedRequest): void {
    let frame: RequestFrame;
    try {
      frame = this.#writer.encode(request);
    } catch (error) {
      this.#queue.settle(request, false, error);
      return;
    }
    if (request.expectResponse) this.#queue.awaitResponse(request);
    this.#writer.write(frame);
  }

  // ---- closing ------------------------------------------------------------

  /** The socket ended or failed: fail everything with a retriable error. */
  #lost(how: string, cause: unknown): void {
    this.#shutdown(`lost ${how}${cause === undefined ? "" : `: ${message(cause)}`}`, cause);
  }

  /**
   * Closes the connection and its socket, failing every request not settled yet with
   * a {@linkcode KafkaConnectionError} saying the connection was `how`.
   */
  #shutdown(how: string, cause: unknown): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#writer.stop();
    this.#queue.close((request) =>
      new KafkaConnectionError(
        `Cannot complete ${
          describe(request)
        } request to broker at ${this.#address}: the connection was ${how}`,
        cause === undefined ? { address: this.#address } : { address: this.#address, cause },
      )
    );
    this.#transport.close();
    this.#responses.stop();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
