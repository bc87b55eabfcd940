/**
 * The receiving side of a connection: it reads the transport, reassembles the frames,
 * and decodes each one as the response to the oldest request awaiting one, checking
 * its correlation id.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { readResponseHeader, responseHeaderIsFlexible } from "../protocol/headers.ts";
import { Reader } from "../protocol/reader.ts";
import { FrameReader } from "./frame_reader.ts";
import { describeRequest, type RequestQueue } from "./request_queue.ts";

/** Options of a {@linkcode ResponseReader}. */
export interface ResponseReaderOptions {
  /** The broker's address, named in error messages. */
  address: string;
  /** The largest response frame accepted, in bytes. */
  maxFrameBytes: number;
  /** The requests the responses answer. */
  queue: RequestQueue;
  /**
   * Called when the bytes read break the request/response pairing; the oldest request
   * awaiting a response (the one the bad bytes answer) has failed with `error`.
   */
  onProtocolError: (error: KafkaProtocolError) => void;
  /** Called when the socket ends or fails: `how`, and the socket's error if any. */
  onLost: (how: string, cause: unknown) => void;
}

/**
 * Reads the responses of one connection and settles the requests they answer. A
 * malformed frame, a wrong correlation id or a response that does not decode fail
 * the oldest request with a {@linkcode KafkaProtocolError}; nothing is read after.
 *
 * @example Reading one response
 * ```ts
 * import { apiVersionsApi, Writer } from "@webstream/kafka/protocol";
 * import { type QueuedRequest, RequestQueue } from "./request_queue.ts";
 * import { ResponseReader } from "./response_reader.ts";
 * import { globalTimers } from "./timers.ts";
 *
 * const queue = new RequestQueue({
 *   maxInFlight: 1,
 *   timers: globalTimers,
 *   address: "in-memory:9092",
 *   send: (request) => queue.awaitResponse(request),
 *   onTimeout: () => {},
 * });
 * const api = apiVersionsApi as QueuedRequest["api"];
 * const response = queue.add(api, 0, { clientSoftwareVersion: "0.1.0" }, true, 1000, false);
 *
 * // Correlation id 0, error code NONE, no APIs.
 * const frame = new Writer().int32(10).int32(0).int16(0).int32(0).bytes();
 * const readable = new ReadableStream<Uint8Array>({
 *   start: (controller) => (controller.enqueue(frame), controller.close()),
 * });
 * const reader = new ResponseReader(readable, {
 *   address: "in-memory:9092",
 *   maxFrameBytes: 1024,
 *   queue,
 *   onProtocolError: console.error,
 *   onLost: (how) => console.log(`lost ${how}`), // lost as the broker closed it
 * });
 * await reader.read();
 * const { errorCode, apiKeys } = await response as { errorCode: number; apiKeys: unknown[] };
 * console.log(errorCode, apiKeys); // 0 []
 * ```
 */
export class ResponseReader {
  readonly #readable: ReadableStream<Uint8Array>;
  readonly #address: string;
  readonly #queue: RequestQueue;
  readonly #frames: FrameReader;
  readonly #onProtocolError: (error: KafkaProtocolError) => void;
  readonly #onLost: (how: string, cause: unknown) => void;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #stopped = false;

  /**
   * Reads from `readable` once {@linkcode ResponseReader.read} is called.
   *
   * @param readable The transport's readable side.
   * @param options The address, the frame limit, the queue, and the callbacks.
   */
  constructor(readable: ReadableStream<Uint8Array>, options: ResponseReaderOptions) {
    this.#readable = readable;
    this.#address = options.address;
    this.#queue = options.queue;
    this.#onProtocolError = options.onProtocolError;
    this.#onLost = options.onLost;
    this.#frames = new FrameReader(
      options.maxFrameBytes,
      (frame) => this.#onFrame(frame),
      (reason) => this.#fail(`Cannot read response from broker at ${this.#address} as ${reason}`),
    );
  }

  /**
   * Reads until the socket ends or fails, or the reader is stopped.
   *
   * @returns Resolves once reading is over; never rejects.
   */
  async read(): Promise<void> {
    let reader: ReadableStreamDefaultReader<Uint8Array>;
    try {
      reader = this.#readable.getReader();
    } catch (error) {
      this.#onLost("as its socket cannot be read", error);
      return;
    }
    this.#reader = reader;
    try {
      while (!this.#stopped) {
        const { done, value } = await reader.read();
        if (this.#stopped) return;
        if (done) {
          this.#onLost(
            this.#frames.midFrame
              ? "as the broker closed it in the middle of a response"
              : "as the broker closed it",
            undefined,
          );
          return;
        }
        this.#frames.push(value);
      }
    } catch (error) {
      if (!this.#stopped) this.#onLost("as its socket failed", error);
    } finally {
      reader.releaseLock();
    }
  }

  /**
   * Stops reading and cancels the read under way: what is buffered and anything read
   * later is dropped, and `onLost` is not called.
   */
  stop(): void {
    this.#stopped = true;
    this.#frames.stop();
    this.#reader?.cancel().catch(() => {});
  }

  #onFrame(frame: Uint8Array): void {
    const request = this.#queue.oldest;
    if (request === undefined) {
      this.#fail(
        `Cannot read response from broker at ${this.#address} as no request awaits one: got ${frame.length} bytes`,
      );
      return;
    }
    const { api, version } = request;
    const reader = new Reader(frame);
    let response: unknown;
    try {
      const flexible = responseHeaderIsFlexible(api.key, version >= api.flexibleFrom);
      const correlationId = readResponseHeader(reader, flexible);
      if (correlationId !== request.correlationId) {
        throw new KafkaProtocolError(
          `Cannot read ${
            describeRequest(request)
          } response from broker at ${this.#address} as its correlation id is ${correlationId}, expected ${request.correlationId}`,
        );
      }
      response = api.decode(reader, version);
      reader.end(`${describeRequest(request)} response`);
    } catch (error) {
      this.#fail(
        error instanceof KafkaProtocolError ? error : new KafkaProtocolError(
          `Cannot decode ${describeRequest(request)} response from broker at ${this.#address}: ${
            error instanceof Error ? error.message : String(error)
          }`,
          { cause: error },
        ),
      );
      return;
    }
    this.#queue.answered();
    this.#queue.settle(request, true, response);
  }

  /**
   * Stops at bytes that break the pairing, and fails the oldest request awaiting a
   * response (the one they answer).
   */
  #fail(problem: string | KafkaProtocolError): void {
    this.#stopped = true;
    this.#frames.stop();
    const error = typeof problem === "string" ? new KafkaProtocolError(problem) : problem;
    const head = this.#queue.oldest;
    if (head !== undefined) this.#queue.settle(head, false, error);
    this.#onProtocolError(error);
  }
}
