// Test doubles for the net layer: an in-memory transport, a manual clock, a tiny API
// descriptor, and helpers to parse request frames and build response frames.

import type { Api } from "../../src/protocol/api.ts";
import type { Timers } from "../../src/net/connection.ts";
import type { Transport } from "../../src/net/transport.ts";

/** A tiny API: the request is an int32, the response echoes it; flexible from v2. */
export interface Echo {
  value: number;
}

/** The fake API: key 100, versions 0-3, flexible from 2. */
export const echoApi: Api<Echo, Echo> = {
  key: 100,
  name: "Echo",
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 2,
  encode(w, version, request) {
    if (!Number.isInteger(request.value)) {
      throw new TypeError("Cannot encode Echo: value is not an integer");
    }
    w.int32(request.value);
    if (version >= 2) w.tags();
  },
  decode(r, version) {
    const value = r.int32();
    if (version >= 2) r.skipTags();
    return { value };
  },
};

/** Same wire format as {@link echoApi}, under the ApiVersions key (response header always v0). */
export const apiVersionsLikeApi: Api<Echo, Echo> = { ...echoApi, key: 18, name: "ApiVersionsLike" };

/** A request frame as the broker sees it. */
export interface SentRequest {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  /** The body after the header (and, for flexible headers, the tag section). */
  body: Uint8Array;
  /** The whole frame, size prefix included. */
  frame: Uint8Array;
}

/**
 * Parses one request frame (size prefix included). `flexible` says whether the
 * header has a tag section (which this helper expects to be empty).
 */
export function parseRequest(frame: Uint8Array, flexible: boolean): SentRequest {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const size = view.getInt32(0);
  if (size !== frame.length - 4) throw new Error(`frame size ${size} != ${frame.length - 4}`);
  const apiKey = view.getInt16(4);
  const apiVersion = view.getInt16(6);
  const correlationId = view.getInt32(8);
  const clientIdLength = view.getInt16(12);
  let at = 14;
  let clientId: string | null = null;
  if (clientIdLength >= 0) {
    clientId = new TextDecoder().decode(frame.subarray(at, at + clientIdLength));
    at += clientIdLength;
  }
  if (flexible) {
    if (frame[at] !== 0) throw new Error("expected an empty tag section in the request header");
    at += 1;
  }
  return { apiKey, apiVersion, correlationId, clientId, body: frame.subarray(at), frame };
}

/**
 * Builds a response frame: size, correlation id, an empty tag section when
 * `flexibleHeader`, then `body`.
 */
export function responseFrame(
  correlationId: number,
  body: Uint8Array,
  flexibleHeader = false,
): Uint8Array {
  const headerLength = 4 + (flexibleHeader ? 1 : 0);
  const frame = new Uint8Array(4 + headerLength + body.length);
  const view = new DataView(frame.buffer);
  view.setInt32(0, headerLength + body.length);
  view.setInt32(4, correlationId);
  frame.set(body, 4 + headerLength);
  return frame;
}

/** The body of an Echo response for `value` at `version`. */
export function echoBody(value: number, version: number): Uint8Array {
  const body = new Uint8Array(version >= 2 ? 5 : 4);
  new DataView(body.buffer).setInt32(0, value);
  return body;
}

/** A complete Echo response frame. */
export function echoResponse(correlationId: number, value: number, version: number): Uint8Array {
  return responseFrame(correlationId, echoBody(value, version), version >= 2);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Lets queued microtasks and stream reads run. */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => queueMicrotask(resolve));
}

/** Waits until `condition()` holds, flushing microtasks in between; fails after `rounds`. */
export async function until(condition: () => boolean, rounds = 1000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => queueMicrotask(resolve));
  }
  throw new Error("condition not reached");
}

/** An in-memory transport: records writes; the test pushes bytes, ends or fails it. */
export class FakeTransport implements Transport {
  readonly readable: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  /** Every write, in order. */
  readonly writes: Uint8Array[] = [];
  /** How many times close() was called. */
  closeCalls = 0;
  /** When set, each write waits for this gate before resolving (a socket that does not drain). */
  gate: Promise<void> | undefined;
  /** When set, the next write rejects with it. */
  writeError: Error | undefined;
  /** Called on each write (after recording it); may push responses synchronously. */
  onWrite: ((bytes: Uint8Array) => void) | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #open = true;
  #release!: () => void;

  constructor() {
    this.closed = new Promise((resolve) => this.#release = resolve);
    this.readable = new ReadableStream({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.close(),
    });
  }

  get isClosed(): boolean {
    return !this.#open;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#open) throw new Error("Cannot write to the socket as it is closed");
    if (this.writeError !== undefined) {
      const error = this.writeError;
      this.writeError = undefined;
      throw error;
    }
    this.writes.push(bytes.slice());
    this.onWrite?.(bytes);
    if (this.gate !== undefined) await this.gate;
  }

  /** Delivers bytes to the reader, as one chunk. */
  push(bytes: Uint8Array): void {
    this.#controller.enqueue(bytes);
  }

  /** The peer closes the connection (end of stream). */
  end(): void {
    if (!this.#open) return;
    this.#controller.close();
    this.#open = false;
    this.#release();
  }

  /** The socket fails. */
  fail(error: Error): void {
    if (!this.#open) return;
    this.#controller.error(error);
    this.#open = false;
    this.#release();
  }

  close(): void {
    this.closeCalls++;
    if (!this.#open) return;
    this.#open = false;
    try {
      this.#controller.close();
    } catch {
      // Already cancelled.
    }
    this.#release();
  }
}

/** A manual clock: timers fire only when the test advances time. */
export class FakeTimers implements Timers {
  now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers not fired or cleared yet. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let dueId: number | undefined;
      let dueAt = Infinity;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= end && timer.at < dueAt) {
          dueId = id;
          dueAt = timer.at;
        }
      }
      if (dueId === undefined) break;
      const timer = this.#timers.get(dueId)!;
      this.#timers.delete(dueId);
      this.now = timer.at;
      timer.callback();
    }
    this.now = end;
  }
}

/** A promise's outcome, observed without leaving a rejection unhandled. */
export interface Tracked<T> {
  /** Whether it settled yet. */
  readonly settled: boolean;
  /** Resolves with the outcome. */
  readonly outcome: Promise<PromiseSettledResult<T>>;
}

/** Attaches handlers to `promise` at once, so a rejection is never reported as unhandled. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state = { settled: false };
  const outcome = promise.then(
    (value): PromiseSettledResult<T> => {
      state.settled = true;
      return { status: "fulfilled", value };
    },
    (reason): PromiseSettledResult<T> => {
      state.settled = true;
      return { status: "rejected", reason };
    },
  );
  return {
    get settled() {
      return state.settled;
    },
    outcome,
  };
}

/** The value of a fulfilled tracked promise; throws if it was rejected. */
export async function valueOf<T>(tracked: Tracked<T>): Promise<T> {
  const result = await tracked.outcome;
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/** The reason of a rejected tracked promise; throws if it was fulfilled. */
export async function reasonOf<T>(tracked: Tracked<T>): Promise<unknown> {
  const result = await tracked.outcome;
  if (result.status === "fulfilled") {
    throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  }
  return result.reason;
}
