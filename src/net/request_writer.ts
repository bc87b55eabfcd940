/**
 * The sending side of a connection: each request encoded once, header and body, into
 * a size-prefixed frame, and the frames written to the transport one after another
 * in the order they were encoded.
 *
 * @module
 */

import { writeRequestHeader } from "../protocol/headers.ts";
import { Writer } from "../protocol/writer.ts";
import { describeRequest, type QueuedRequest } from "./request_queue.ts";
import type { Transport } from "./transport.ts";

/** Request buffers kept for reuse per connection. */
const MAX_SPARE_WRITERS = 2;

/** Options of a {@linkcode RequestWriter}. */
export interface RequestWriterOptions {
  /** The client id sent in every request header. */
  clientId: string | null;
  /** The broker's address, named in error messages. */
  address: string;
  /** The size a request frame must stay under, and why, if there is such a limit. */
  requestLimit: { bytes: number; why: string } | undefined;
  /** Called once a request that expects no response is written. */
  onWritten: (request: QueuedRequest) => void;
  /** Called when the transport fails a write; nothing more is written. */
  onError: (error: unknown) => void;
}

/** A request encoded into a frame, not yet written. */
export interface RequestFrame {
  /** The request. */
  readonly request: QueuedRequest;
  /** The frame, size prefix included: a view of `writer`'s buffer. */
  readonly bytes: Uint8Array;
  /** The buffer, reused once the frame is written. */
  readonly writer: Writer;
}

/**
 * Encodes requests into frames and writes them to a transport in order. Request
 * buffers are reused once written (a transport is done with a chunk when its
 * `write()` resolves), and each API's last request size is the next one's initial
 * buffer size, so a stream of Produce requests does not allocate a buffer each.
 *
 * @example Writing one request
 * ```ts
 * import type { Transport } from "@webstream/kafka";
 * import { apiVersionsApi } from "@webstream/kafka/protocol";
 * import { describeRequest, type QueuedRequest } from "./request_queue.ts";
 * import { RequestWriter } from "./request_writer.ts";
 *
 * const frames: Uint8Array[] = [];
 * const transport = {
 *   write: (bytes: Uint8Array) => (frames.push(bytes.slice()), Promise.resolve()),
 * } as Transport;
 * const { promise: written, resolve } = Promise.withResolvers<void>();
 * const writer = new RequestWriter(transport, {
 *   clientId: "app",
 *   address: "in-memory:9092",
 *   requestLimit: undefined,
 *   onWritten: () => resolve(),
 *   onError: console.error,
 * });
 * const request = {
 *   api: apiVersionsApi,
 *   version: 0,
 *   body: { clientSoftwareVersion: "0.1.0" },
 *   expectResponse: false,
 *   correlationId: 7,
 * } as unknown as QueuedRequest;
 * writer.write(writer.encode(request));
 * await written;
 * console.log(frames[0]!.length); // 17: size, api key, version, correlation id, client id
 * ```
 */
export class RequestWriter {
  readonly #transport: Transport;
  readonly #clientId: string | null;
  readonly #address: string;
  readonly #requestLimit: { bytes: number; why: string } | undefined;
  readonly #onWritten: (request: QueuedRequest) => void;
  readonly #onError: (error: unknown) => void;
  /** Frames encoded and not yet handed to the transport. */
  readonly #queue: RequestFrame[] = [];
  readonly #spareWriters: Writer[] = [];
  /** The size of the last request of each API key: the next one's initial buffer size. */
  readonly #sizeHints = new Map<number, number>();
  #writing = false;
  #stopped = false;

  /**
   * Writes to `transport` once given frames.
   *
   * @param transport Where frames go.
   * @param options The client id, the address and size limit, and the callbacks.
   */
  constructor(transport: Transport, options: RequestWriterOptions) {
    this.#transport = transport;
    this.#clientId = options.clientId;
    this.#address = options.address;
    this.#requestLimit = options.requestLimit;
    this.#onWritten = options.onWritten;
    this.#onError = options.onError;
  }

  /**
   * Encodes a request (its correlation id already given) into a frame.
   *
   * @param request The request.
   * @returns The frame, for {@linkcode RequestWriter.write}.
   * @throws What the encoder throws; a `RangeError` for a frame over the request limit.
   */
  encode(request: QueuedRequest): RequestFrame {
    const { api, version } = request;
    const w = this.#spareWriters.pop() ?? new Writer(this.#sizeHints.get(api.key));
    w.reset();
    const sizeAt = w.reserve(4);
    writeRequestHeader(
      w,
      api.key,
      version,
      request.correlationId,
      this.#clientId,
      version >= api.flexibleFrom,
    );
    api.encode(w, version, request.body);
    const limit = this.#requestLimit;
    if (limit !== undefined && w.length >= limit.bytes) {
      this.#recycle(w);
      throw new RangeError(
        `Cannot send ${
          describeRequest(request)
        } request of ${w.length} bytes to broker at ${this.#address} as ${limit.why}`,
      );
    }
    w.patchInt32(sizeAt, w.length - 4);
    this.#sizeHints.set(api.key, w.length);
    return { request, bytes: w.bytes(), writer: w };
  }

  /**
   * Writes a frame after those given before it.
   *
   * @param frame What {@linkcode RequestWriter.encode} returned.
   */
  write(frame: RequestFrame): void {
    this.#queue.push(frame);
    if (!this.#writing) void this.#writeLoop();
  }

  /** Drops the frames not written yet; nothing more is written. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (!this.#stopped) {
        const frame = this.#queue.shift();
        if (frame === undefined) break;
        try {
          await this.#transport.write(frame.bytes);
        } catch (error) {
          this.#onError(error);
          return;
        }
        this.#recycle(frame.writer);
        if (!frame.request.expectResponse) this.#onWritten(frame.request);
      }
    } finally {
      this.#writing = false;
    }
  }

  #recycle(w: Writer): void {
    if (this.#spareWriters.length < MAX_SPARE_WRITERS) this.#spareWriters.push(w);
  }
}
