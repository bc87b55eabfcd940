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
 * @module
 */

import type { Api } from "../protocol/api.ts";
import {
  readResponseHeader,
  responseHeaderIsFlexible,
  writeRequestHeader,
} from "../protocol/headers.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { KafkaConnectionError, KafkaProtocolError, KafkaTimeoutError } from "../errors.ts";
import type { Transport } from "./transport.ts";

/**
 * The timer functions the connection uses; tests inject a fake clock.
 *
 * @example A timer source that counts the timers it starts
 * ```ts
 * import type { Timers } from "./connection.ts";
 *
 * let started = 0;
 * const timers: Timers = {
 *   setTimeout: (callback: () => void, ms: number) => (started++, setTimeout(callback, ms)),
 *   clearTimeout: (handle: unknown) => clearTimeout(handle as number),
 * };
 * ```
 */
export interface Timers {
  /**
   * Calls `callback` once after `ms` milliseconds.
   *
   * @param callback What to call.
   * @param ms The delay.
   * @returns A handle for {@linkcode Timers.clearTimeout}.
   */
  setTimeout(callback: () => void, ms: number): unknown;
  /**
   * Cancels a timer; a handle of a timer that already fired is ignored.
   *
   * @param handle What {@linkcode Timers.setTimeout} returned.
   */
  clearTimeout(handle: unknown): void;
}

/** The runtime's own timers. */
const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Options of a {@linkcode Connection}. */
export interface ConnectionOptions {
  /**
   * The broker's address, `host:port`, named in error messages.
   *
   * @default {"unknown"}
   */
  address?: string;
  /**
   * The client id sent in every request header.
   *
   * @default {null}
   */
  clientId?: string | null;
  /**
   * How many requests may await their response (or their write, when no response
   * is expected) at once; further requests wait their turn, in order. Java's
   * `max.in.flight.requests.per.connection`.
   *
   * @default {5}
   */
  maxInFlight?: number;
  /**
   * How long a request may take, from the call to {@linkcode Connection.request}
   * until its response (including time waiting for an in-flight slot and for the
   * socket to drain), unless the request sets its own. Java's `request.timeout.ms`.
   * `Infinity` (or anything above 2^31 - 1, which timers cannot hold) disables it.
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
  /**
   * The largest response frame accepted, in bytes; a larger (or negative) size is a
   * protocol error that closes the connection.
   *
   * @default {104857600}
   */
  maxFrameBytes?: number;
  /**
   * Where timers come from.
   *
   * @default {the global setTimeout and clearTimeout}
   */
  timers?: Timers;
  /**
   * The size a request frame (its size prefix included) must stay under, for brokers
   * that close the connection over larger ones rather than answer with an error (Azure
   * Event Hubs). A request that encodes to `bytes` or more fails with a `RangeError`
   * that ends with `why`, and is not sent.
   *
   * @default {undefined}
   */
  requestLimit?: { bytes: number; why: string };
}

/**
 * What SASL needs of a connection: to send a request and read its response. A
 * {@linkcode Connection} is one; so is the requester {@linkcode Connection.exclusive}
 * hands its task.
 *
 * @example A requester that counts what it sends
 * ```ts
 * import type { Requester } from "./connection.ts";
 *
 * function counting(inner: Requester): Requester & { sent: number } {
 *   const wrapper = {
 *     sent: 0,
 *     request: <Req, Res>(api: Parameters<Requester["request"]>[0], version: number, body: Req) => {
 *       wrapper.sent++;
 *       return inner.request(api, version, body) as Promise<Res>;
 *     },
 *   };
 *   return wrapper as Requester & { sent: number };
 * }
 * ```
 */
export interface Requester {
  /**
   * Sends a request and resolves with its decoded response.
   *
   * @typeParam Req The request body.
   * @typeParam Res The decoded response.
   * @param api The API descriptor.
   * @param version The API version.
   * @param body The request body.
   * @returns The decoded response.
   */
  request<Req, Res>(api: Api<Req, Res>, version: number, body: Req): Promise<Res>;
}

/** Options of one request. */
export interface RequestOptions {
  /**
   * Whether the broker answers this request. Produce with `acks=0` is the one request
   * that gets no response: it resolves once written.
   *
   * @default {true}
   */
  expectResponse?: boolean;
  /**
   * This request's timeout in milliseconds, instead of the connection's
   * `requestTimeoutMs`.
   *
   * @default {the connection's requestTimeoutMs}
   */
  timeoutMs?: number;
}

const DEFAULT_MAX_IN_FLIGHT = 5;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;
/** Request buffers kept for reuse per connection. */
const MAX_SPARE_WRITERS = 2;
/** Longer delays overflow the runtimes' timers (and fire at once): treated as no timeout. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type State = "waiting" | "sent" | "done";

interface Entry {
  readonly api: Api<unknown, unknown>;
  readonly version: number;
  readonly body: unknown;
  readonly expectResponse: boolean;
  readonly timeoutMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Sent by an exclusive task: goes before the requests held back meanwhile. */
  readonly priority: boolean;
  state: State;
  correlationId: number;
  timer: unknown;
}

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
  readonly #clientId: string | null;
  readonly #maxInFlight: number;
  readonly #requestTimeoutMs: number;
  readonly #maxFrameBytes: number;
  readonly #timers: Timers;
  readonly #requestLimit: { bytes: number; why: string } | undefined;
  readonly #closed: Promise<void>;

  #isClosed = false;
  #nextCorrelationId = 0;
  /** Every request not settled yet, in call order. */
  readonly #live = new Set<Entry>();
  /** Requests sent and awaiting a response, in send order. */
  readonly #pending: Entry[] = [];
  /** Requests waiting for an in-flight slot, in call order. */
  readonly #waiting: Entry[] = [];
  /** Requests of the exclusive task waiting for an in-flight slot; they go first. */
  readonly #priority: Entry[] = [];
  /** Whether an exclusive task runs: requests of others wait in #waiting meanwhile. */
  #held = false;
  /** Settles once the exclusive tasks started so far are done; the next one waits for it. */
  #exclusiveTail: Promise<void> = Promise.resolve();
  /** Frames encoded and not yet handed to the transport, with their request. */
  readonly #writeQueue: { entry: Entry; bytes: Uint8Array; writer: Writer }[] = [];
  // Request buffers are reused once written (transports are done with a chunk when
  // write() resolves), so a stream of Produce requests does not allocate one each.
  readonly #spareWriters: Writer[] = [];
  #inFlight = 0;
  #writing = false;
  /** The size of the last request of each API key: the next one's initial buffer size. */
  readonly #sizeHints = new Map<number, number>();

  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The 4-byte size prefix, when it is split over reads. */
  readonly #sizeBytes = new Uint8Array(4);
  #sizeFill = 0;
  /** The frame being assembled from several reads, if any. */
  #frame: Uint8Array | undefined;
  #frameFill = 0;

  /**
   * Takes over a connected transport and starts reading from it.
   *
   * @param transport The connected transport.
   * @param options Address, client id, in-flight limit, timeouts, frame limit, timers.
   */
  constructor(transport: Transport, options: ConnectionOptions = {}) {
    this.#transport = transport;
    this.#address = options.address ?? "unknown";
    this.#clientId = options.clientId ?? null;
    this.#maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#timers = options.timers ?? globalTimers;
    this.#requestLimit = options.requestLimit;
    if (!Number.isInteger(this.#maxInFlight) || this.#maxInFlight < 1) {
      throw new RangeError(
        `Cannot create connection as maxInFlight must be a positive integer: current value is ${this.#maxInFlight}`,
      );
    }
    checkTimeout("requestTimeoutMs", this.#requestTimeoutMs);
    if (!Number.isInteger(this.#maxFrameBytes) || this.#maxFrameBytes < 4) {
      throw new RangeError(
        `Cannot create connection as maxFrameBytes must be an integer of at least 4: current value is ${this.#maxFrameBytes}`,
      );
    }
    const reading = this.#readLoop();
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
    return this.#inFlight;
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
  async exclusive<T>(task: (requester: Requester) => Promise<T>): Promise<T> {
    const before = this.#exclusiveTail;
    let done!: () => void;
    this.#exclusiveTail = new Promise<void>((resolve) => done = resolve);
    await before;
    this.#held = true;
    const requester: Requester = {
      request: <Req, Res>(api: Api<Req, Res>, version: number, body: Req) =>
        this.#enqueue(api, version, body, {}, true) as Promise<Res>,
    };
    try {
      return await task(requester);
    } finally {
      this.#held = false;
      done();
      this.#admit();
    }
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
    return new Promise<Res | undefined>((resolve, reject) => {
      const entry: Entry = {
        api: api as Api<unknown, unknown>,
        version,
        body,
        expectResponse: options.expectResponse ?? true,
        timeoutMs,
        resolve: resolve as (value: unknown) => void,
        reject,
        priority,
        state: "waiting",
        correlationId: -1,
        timer: undefined,
      };
      this.#live.add(entry);
      if (timeoutMs <= MAX_TIMER_MS) {
        entry.timer = this.#timers.setTimeout(() => this.#onTimeout(entry), timeoutMs);
      }
      if (priority) {
        if (this.#inFlight < this.#maxInFlight && this.#priority.length === 0) {
          this.#send(entry);
        } else {
          this.#priority.push(entry);
        }
      } else if (
        this.#inFlight < this.#maxInFlight && this.#waiting.length === 0 && !this.#held
      ) {
        this.#send(entry);
      } else {
        this.#waiting.push(entry);
      }
    });
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
    const detail = cause === undefined ? "" : `: ${cause.message}`;
    this.#shutdown((entry) =>
      new KafkaConnectionError(
        `Cannot complete ${
          describe(entry)
        } request to broker at ${this.#address}: the connection was closed${detail}`,
        cause === undefined ? { address: this.#address } : { address: this.#address, cause },
      )
    );
  }

  // ---- sending ------------------------------------------------------------

  #send(entry: Entry): void {
    entry.state = "sent";
    this.#inFlight++;
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = correlationId === 0x7fffffff ? 0 : correlationId + 1;
    entry.correlationId = correlationId;

    const { api, version } = entry;
    const w = this.#spareWriters.pop() ?? new Writer(this.#sizeHints.get(api.key));
    w.reset();
    const sizeAt = w.reserve(4);
    try {
      writeRequestHeader(
        w,
        api.key,
        version,
        correlationId,
        this.#clientId,
        version >= api.flexibleFrom,
      );
      api.encode(w, version, entry.body);
    } catch (error) {
      this.#settle(entry, false, error);
      return;
    }
    const limit = this.#requestLimit;
    if (limit !== undefined && w.length >= limit.bytes) {
      if (this.#spareWriters.length < MAX_SPARE_WRITERS) this.#spareWriters.push(w);
      this.#settle(
        entry,
        false,
        new RangeError(
          `Cannot send ${
            describe(entry)
          } request of ${w.length} bytes to broker at ${this.#address} as ${limit.why}`,
        ),
      );
      return;
    }
    w.patchInt32(sizeAt, w.length - 4);
    this.#sizeHints.set(api.key, w.length);
    if (entry.expectResponse) this.#pending.push(entry);
    this.#writeQueue.push({ entry, bytes: w.bytes(), writer: w });
    if (!this.#writing) void this.#writeLoop();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (!this.#isClosed) {
        const item = this.#writeQueue.shift();
        if (item === undefined) break;
        try {
          await this.#transport.write(item.bytes);
        } catch (error) {
          this.#lost("while writing a request", error);
          return;
        }
        if (this.#spareWriters.length < MAX_SPARE_WRITERS) this.#spareWriters.push(item.writer);
        if (!item.entry.expectResponse) this.#settle(item.entry, true, undefined);
      }
    } finally {
      this.#writing = false;
    }
  }

  #settle(entry: Entry, ok: boolean, result: unknown): void {
    if (entry.state === "done") return;
    const wasSent = entry.state === "sent";
    entry.state = "done";
    this.#live.delete(entry);
    if (entry.timer !== undefined) {
      this.#timers.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (ok) entry.resolve(result);
    else entry.reject(result);
    if (wasSent) {
      this.#inFlight--;
      this.#admit();
    }
  }

  /** Sends waiting requests while in-flight slots are free, the exclusive task's first. */
  #admit(): void {
    while (!this.#isClosed && this.#inFlight < this.#maxInFlight) {
      const next = this.#priority.shift() ?? (this.#held ? undefined : this.#waiting.shift());
      if (next === undefined) return;
      this.#send(next);
    }
  }

  #onTimeout(entry: Entry): void {
    entry.timer = undefined;
    if (entry.state === "done") return;
    const where = `broker at ${this.#address} within ${entry.timeoutMs} ms`;
    if (entry.state === "waiting") {
      // Never sent: the connection's request/response pairing is intact.
      const queue = entry.priority ? this.#priority : this.#waiting;
      queue.splice(queue.indexOf(entry), 1);
      this.#settle(
        entry,
        false,
        new KafkaTimeoutError(
          `Cannot send ${
            describe(entry)
          } request to ${where}: ${this.#inFlight} requests were still in flight`,
          { address: this.#address },
        ),
      );
      return;
    }
    const error = new KafkaTimeoutError(
      entry.expectResponse
        ? `Cannot get a response to ${describe(entry)} request from ${where}`
        : `Cannot write ${describe(entry)} request to ${where}`,
      { address: this.#address },
    );
    this.#settle(entry, false, error);
    this.#shutdown((other) =>
      new KafkaConnectionError(
        `Cannot complete ${
          describe(other)
        } request to broker at ${this.#address}: the connection was closed as a ${
          describe(entry)
        } request timed out`,
        { address: this.#address, cause: error },
      )
    );
  }

  // ---- receiving ----------------------------------------------------------

  async #readLoop(): Promise<void> {
    let reader: ReadableStreamDefaultReader<Uint8Array>;
    try {
      reader = this.#transport.readable.getReader();
    } catch (error) {
      this.#lost("as its socket cannot be read", error);
      return;
    }
    this.#reader = reader;
    try {
      while (!this.#isClosed) {
        const { done, value } = await reader.read();
        if (done) {
          this.#lost(
            this.#sizeFill > 0 || this.#frame !== undefined
              ? "as the broker closed it in the middle of a response"
              : "as the broker closed it",
            undefined,
          );
          return;
        }
        this.#onChunk(value);
      }
    } catch (error) {
      this.#lost("as its socket failed", error);
    } finally {
      reader.releaseLock();
    }
  }

  /** Splits a chunk into frames; copies only frames that straddle reads, each byte once. */
  #onChunk(chunk: Uint8Array): void {
    const length = chunk.length;
    let at = 0;
    while (at < length && !this.#isClosed) {
      const frame = this.#frame;
      if (frame !== undefined) {
        const n = Math.min(frame.length - this.#frameFill, length - at);
        frame.set(chunk.subarray(at, at + n), this.#frameFill);
        this.#frameFill += n;
        at += n;
        if (this.#frameFill === frame.length) {
          this.#frame = undefined;
          this.#onFrame(frame);
        }
        continue;
      }
      let size: number;
      if (this.#sizeFill === 0 && length - at >= 4) {
        size = (chunk[at]! << 24) | (chunk[at + 1]! << 16) | (chunk[at + 2]! << 8) | chunk[at + 3]!;
        at += 4;
      } else {
        const n = Math.min(4 - this.#sizeFill, length - at);
        this.#sizeBytes.set(chunk.subarray(at, at + n), this.#sizeFill);
        this.#sizeFill += n;
        at += n;
        if (this.#sizeFill < 4) return;
        this.#sizeFill = 0;
        const b = this.#sizeBytes;
        size = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
      }
      if (size < 0 || size > this.#maxFrameBytes) {
        this.#protocolError(
          `Cannot read response from broker at ${this.#address} as its size ${size} is ${
            size < 0 ? "negative" : `over the limit of ${this.#maxFrameBytes} bytes`
          }`,
        );
        return;
      }
      if (length - at >= size) {
        // The whole frame is in this chunk: a view, no copy.
        const whole = chunk.subarray(at, at + size);
        at += size;
        this.#onFrame(whole);
      } else {
        const partial = new Uint8Array(size);
        partial.set(chunk.subarray(at));
        this.#frame = partial;
        this.#frameFill = length - at;
        at = length;
      }
    }
  }

  #onFrame(frame: Uint8Array): void {
    const entry = this.#pending[0];
    if (entry === undefined) {
      this.#protocolError(
        `Cannot read response from broker at ${this.#address} as no request awaits one: got ${frame.length} bytes`,
      );
      return;
    }
    const { api, version } = entry;
    const reader = new Reader(frame);
    let response: unknown;
    try {
      const flexible = responseHeaderIsFlexible(api.key, version >= api.flexibleFrom);
      const correlationId = readResponseHeader(reader, flexible);
      if (correlationId !== entry.correlationId) {
        throw new KafkaProtocolError(
          `Cannot read ${
            describe(entry)
          } response from broker at ${this.#address} as its correlation id is ${correlationId}, expected ${entry.correlationId}`,
        );
      }
      response = api.decode(reader, version);
      reader.end(`${describe(entry)} response`);
    } catch (error) {
      this.#protocolError(
        error instanceof KafkaProtocolError ? error : new KafkaProtocolError(
          `Cannot decode ${describe(entry)} response from broker at ${this.#address}: ${
            message(error)
          }`,
          { cause: error },
        ),
      );
      return;
    }
    this.#pending.shift();
    this.#settle(entry, true, response);
  }

  // ---- closing ------------------------------------------------------------

  /**
   * Fails the oldest pending request (the one the bad bytes answer) with a protocol
   * error, and closes the connection.
   */
  #protocolError(problem: string | KafkaProtocolError): void {
    const error = typeof problem === "string" ? new KafkaProtocolError(problem) : problem;
    const head = this.#pending[0];
    if (head !== undefined) this.#settle(head, false, error);
    this.#shutdown((other) =>
      new KafkaConnectionError(
        `Cannot complete ${
          describe(other)
        } request to broker at ${this.#address}: the connection was closed after a protocol error: ${error.message}`,
        { address: this.#address, cause: error },
      )
    );
  }

  /** The socket ended or failed: fail everything with a retriable error. */
  #lost(how: string, cause: unknown): void {
    const detail = cause === undefined ? "" : `: ${message(cause)}`;
    this.#shutdown((entry) =>
      new KafkaConnectionError(
        `Cannot complete ${
          describe(entry)
        } request to broker at ${this.#address}: the connection was lost ${how}${detail}`,
        cause === undefined ? { address: this.#address } : { address: this.#address, cause },
      )
    );
  }

  #shutdown(errorFor: (entry: Entry) => Error): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#waiting.length = 0;
    this.#priority.length = 0;
    this.#pending.length = 0;
    this.#writeQueue.length = 0;
    this.#frame = undefined;
    for (const entry of [...this.#live]) this.#settle(entry, false, errorFor(entry));
    this.#transport.close();
    this.#reader?.cancel().catch(() => {});
  }
}

function describe(entry: Entry): string {
  return `${entry.api.name} v${entry.version}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkTimeout(name: string, ms: number): void {
  if (!(ms > 0)) {
    throw new RangeError(
      `Cannot use ${name} as it must be a positive number of milliseconds: current value is ${ms}`,
    );
  }
}
