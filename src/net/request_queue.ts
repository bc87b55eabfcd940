/**
 * The requests of one connection, from the call to their settling: in-flight slots,
 * correlation ids, the FIFO of requests awaiting a response, timeouts, and the hold
 * that lets an exclusive task (KIP-368 re-authentication) go before everyone else.
 *
 * Kafka answers the requests of a connection in the order they were sent, so the
 * requests awaiting a response form a FIFO whose head the next response answers.
 *
 * @module
 */

import { KafkaTimeoutError } from "../errors.ts";
import type { Api } from "../protocol/api.ts";
import { MAX_TIMER_MS } from "../timers.ts";
import type { Timers } from "./timers.ts";

/** Where a request is: waiting for an in-flight slot, sent, or settled. */
export type RequestState = "waiting" | "sent" | "done";

/**
 * One request of a connection, from the call until it settles.
 *
 * @example What a request looks like once sent
 * ```ts
 * import type { QueuedRequest } from "./request_queue.ts";
 * import { apiVersionsApi } from "@webstream/kafka/protocol";
 *
 * const request: QueuedRequest = {
 *   api: apiVersionsApi as QueuedRequest["api"],
 *   version: 3,
 *   body: { clientSoftwareVersion: "0.1.0" },
 *   expectResponse: true,
 *   timeoutMs: 30_000,
 *   resolve: () => {},
 *   reject: () => {},
 *   priority: false,
 *   state: "sent",
 *   correlationId: 0,
 *   timer: undefined,
 * };
 * ```
 */
export interface QueuedRequest {
  /** The API descriptor. */
  readonly api: Api<unknown, unknown>;
  /** The API version. */
  readonly version: number;
  /** The request body. */
  readonly body: unknown;
  /** Whether the broker answers it (false for Produce with acks=0). */
  readonly expectResponse: boolean;
  /** Its timeout, from the call (ms). */
  readonly timeoutMs: number;
  /** Settles the caller's promise with the response. */
  readonly resolve: (value: unknown) => void;
  /** Settles the caller's promise with an error. */
  readonly reject: (error: unknown) => void;
  /** Sent by an exclusive task: goes before the requests held back meanwhile. */
  readonly priority: boolean;
  /** Where it is. */
  state: RequestState;
  /** Its correlation id once sent; -1 before. */
  correlationId: number;
  /** Its timeout timer, until it fires or the request settles. */
  timer: unknown;
}

/** Options of a {@linkcode RequestQueue}. */
export interface RequestQueueOptions {
  /** How many requests may be sent and not settled at once. */
  maxInFlight: number;
  /** Where timeout timers come from. */
  timers: Timers;
  /** The broker's address, named in timeout errors. */
  address: string;
  /**
   * Called with each request given an in-flight slot and a correlation id, in order:
   * encode and write it.
   */
  send: (request: QueuedRequest) => void;
  /**
   * Called when a request times out after it was sent, once it has failed with
   * `error`: a response may still come, so the connection must close. (A request that
   * times out still waiting for a slot just fails.)
   */
  onTimeout: (request: QueuedRequest, error: KafkaTimeoutError) => void;
}

/**
 * The requests of one connection: admits them to in-flight slots in call order
 * (requests of an exclusive task first), numbers them, keeps the ones awaiting a
 * response in send order, and times them out.
 *
 * @example Two slots, three requests
 * ```ts
 * import { type QueuedRequest, RequestQueue } from "./request_queue.ts";
 * import { globalTimers } from "./timers.ts";
 * import { apiVersionsApi } from "@webstream/kafka/protocol";
 *
 * const sent: number[] = [];
 * const queue = new RequestQueue({
 *   maxInFlight: 2,
 *   timers: globalTimers,
 *   address: "in-memory:9092",
 *   send: (request) => {
 *     sent.push(request.correlationId);
 *     queue.awaitResponse(request);
 *   },
 *   onTimeout: () => {},
 * });
 * const api = apiVersionsApi as QueuedRequest["api"];
 * const body = { clientSoftwareVersion: "0.1.0" };
 * const responses = [0, 1, 2].map(() => queue.add(api, 3, body, true, 1000, false));
 * console.log(sent, queue.inFlight); // [ 0, 1 ] 2: the third waits for a slot
 *
 * queue.settle(queue.oldest!, true, "first response");
 * queue.answered();
 * console.log(sent); // [ 0, 1, 2 ]
 * console.log(await responses[0]); // "first response"
 * queue.close(() => new Error("closed"));
 * await Promise.allSettled(responses);
 * ```
 */
export class RequestQueue {
  readonly #maxInFlight: number;
  readonly #timers: Timers;
  readonly #address: string;
  readonly #send: (request: QueuedRequest) => void;
  readonly #onTimeout: (request: QueuedRequest, error: KafkaTimeoutError) => void;
  #closed = false;
  #nextCorrelationId = 0;
  #inFlight = 0;
  /** Every request not settled yet, in call order. */
  readonly #live = new Set<QueuedRequest>();
  /** Requests sent and awaiting a response, in send order. */
  readonly #awaiting: QueuedRequest[] = [];
  /** Requests waiting for an in-flight slot, in call order. */
  readonly #waiting: QueuedRequest[] = [];
  /** Requests of the exclusive task waiting for an in-flight slot; they go first. */
  readonly #priority: QueuedRequest[] = [];
  /** Whether an exclusive task runs: requests of others wait in #waiting meanwhile. */
  #held = false;
  /** Settles once the exclusive tasks started so far are done; the next one waits for it. */
  #exclusiveTail: Promise<void> = Promise.resolve();

  /**
   * Starts empty.
   *
   * @param options The in-flight limit, the timers, and what to do to send a request
   * and when one times out.
   */
  constructor(options: RequestQueueOptions) {
    this.#maxInFlight = options.maxInFlight;
    this.#timers = options.timers;
    this.#address = options.address;
    this.#send = options.send;
    this.#onTimeout = options.onTimeout;
  }

  /** How many requests are sent and not settled yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The oldest request awaiting a response: the one the next response answers. */
  get oldest(): QueuedRequest | undefined {
    return this.#awaiting[0];
  }

  /**
   * Adds a request: sent at once if a slot is free and nothing waits before it, else
   * queued. Its timeout runs from now (a timeout over 2^31 - 1 ms never fires).
   *
   * @param api The API descriptor.
   * @param version The API version.
   * @param body The request body.
   * @param expectResponse Whether the broker answers it.
   * @param timeoutMs Its timeout (ms).
   * @param priority Whether it belongs to the exclusive task.
   * @returns Settles with the response (or `undefined` once written, if none is expected).
   */
  add(
    api: Api<unknown, unknown>,
    version: number,
    body: unknown,
    expectResponse: boolean,
    timeoutMs: number,
    priority: boolean,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const request: QueuedRequest = {
        api,
        version,
        body,
        expectResponse,
        timeoutMs,
        resolve,
        reject,
        priority,
        state: "waiting",
        correlationId: -1,
        timer: undefined,
      };
      this.#live.add(request);
      if (timeoutMs <= MAX_TIMER_MS) {
        request.timer = this.#timers.setTimeout(() => this.#expire(request), timeoutMs);
      }
      const free = this.#inFlight < this.#maxInFlight;
      if (priority) {
        if (free && this.#priority.length === 0) this.#dispatch(request);
        else this.#priority.push(request);
      } else if (free && this.#waiting.length === 0 && !this.#held) {
        this.#dispatch(request);
      } else {
        this.#waiting.push(request);
      }
    });
  }

  /**
   * Records that a sent request awaits its response, after those sent before it.
   *
   * @param request The request, just written or about to be.
   */
  awaitResponse(request: QueuedRequest): void {
    this.#awaiting.push(request);
  }

  /** Removes the oldest request awaiting a response, once its response is read. */
  answered(): void {
    this.#awaiting.shift();
  }

  /**
   * Settles a request (once: later calls do nothing) and gives its slot to the next.
   *
   * @param request The request.
   * @param ok Whether it succeeded.
   * @param result The response, or the error.
   */
  settle(request: QueuedRequest, ok: boolean, result: unknown): void {
    if (request.state === "done") return;
    const wasSent = request.state === "sent";
    request.state = "done";
    this.#live.delete(request);
    if (request.timer !== undefined) {
      this.#timers.clearTimeout(request.timer);
      request.timer = undefined;
    }
    if (ok) request.resolve(result);
    else request.reject(result);
    if (wasSent) {
      this.#inFlight--;
      this.#admit();
    }
  }

  /**
   * Runs `task` alone: requests sent already keep their place, requests added with
   * `priority` go first, and the others wait until the task settles. Tasks run one at
   * a time, in call order.
   *
   * @typeParam T What the task resolves with.
   * @param task The work; its requests are added with `priority`.
   * @returns What the task resolves (or rejects) with.
   */
  async exclusive<T>(task: () => Promise<T>): Promise<T> {
    const before = this.#exclusiveTail;
    let done!: () => void;
    this.#exclusiveTail = new Promise<void>((resolve) => done = resolve);
    await before;
    this.#held = true;
    try {
      return await task();
    } finally {
      this.#held = false;
      done();
      this.#admit();
    }
  }

  /**
   * Empties the queue and fails every request not settled yet, in call order. Nothing
   * is sent afterwards.
   *
   * @param errorFor The error for each request.
   */
  close(errorFor: (request: QueuedRequest) => Error): void {
    this.#closed = true;
    this.#waiting.length = 0;
    this.#priority.length = 0;
    this.#awaiting.length = 0;
    for (const request of [...this.#live]) this.settle(request, false, errorFor(request));
  }

  #dispatch(request: QueuedRequest): void {
    request.state = "sent";
    this.#inFlight++;
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = correlationId === 0x7fffffff ? 0 : correlationId + 1;
    request.correlationId = correlationId;
    this.#send(request);
  }

  /** Sends waiting requests while in-flight slots are free, the exclusive task's first. */
  #admit(): void {
    while (!this.#closed && this.#inFlight < this.#maxInFlight) {
      const next = this.#priority.shift() ?? (this.#held ? undefined : this.#waiting.shift());
      if (next === undefined) return;
      this.#dispatch(next);
    }
  }

  #expire(request: QueuedRequest): void {
    request.timer = undefined;
    if (request.state === "done") return;
    const where = `broker at ${this.#address} within ${request.timeoutMs} ms`;
    if (request.state === "waiting") {
      // Never sent: the connection's request/response pairing is intact.
      const queue = request.priority ? this.#priority : this.#waiting;
      queue.splice(queue.indexOf(request), 1);
      this.settle(
        request,
        false,
        new KafkaTimeoutError(
          `Cannot send ${
            describeRequest(request)
          } request to ${where}: ${this.#inFlight} requests were still in flight`,
          { address: this.#address },
        ),
      );
      return;
    }
    const error = new KafkaTimeoutError(
      request.expectResponse
        ? `Cannot get a response to ${describeRequest(request)} request from ${where}`
        : `Cannot write ${describeRequest(request)} request to ${where}`,
      { address: this.#address },
    );
    this.settle(request, false, error);
    this.#onTimeout(request, error);
  }
}

/**
 * Names a request in error messages.
 *
 * @param request The request.
 * @returns Its API name and version, e.g. "Produce v9".
 *
 * @example Naming a request
 * ```ts
 * import { describeRequest, type QueuedRequest } from "./request_queue.ts";
 * import { produceApi } from "@webstream/kafka/protocol";
 *
 * const request = { api: produceApi, version: 9 } as unknown as QueuedRequest;
 * console.log(describeRequest(request)); // "Produce v9"
 * ```
 */
export function describeRequest(request: QueuedRequest): string {
  return `${request.api.name} v${request.version}`;
}
