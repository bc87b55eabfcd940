/**
 * Faults injected into a test cluster, as librdkafka's mock cluster and franz-go's
 * kfake do: the next requests of an API (optionally on one broker, or for one
 * partition) answered with error codes; a connection dropped when a request arrives,
 * after it took effect (the answer is lost) or halfway through the answer; and added
 * latency. Each is consumed by the requests it matches, in order.
 *
 * @module
 */

import { ApiKey } from "../protocol/api.ts";
import { ErrorCode } from "../protocol/error_codes.ts";

/** An API by name (as in {@link ApiKey}) or by key. */
export type ApiSelector = keyof typeof ApiKey | number;

/** Which requests a fault applies to. */
export interface FaultScope {
  /**
   * Only requests to this broker.
   *
   * @default {any broker}
   */
  broker?: number;
  /**
   * Only this topic's partitions (Produce, Fetch, ListOffsets, OffsetForLeaderEpoch).
   *
   * @default {any topic}
   */
  topic?: string;
  /**
   * Only this partition of `topic`.
   *
   * @default {any partition}
   */
  partition?: number;
}

/** When a dropped connection closes. */
export type DropPoint = "before" | "after" | "mid-response";

/** Options of {@link Faults.dropNext}. */
export interface DropOptions {
  /**
   * How many requests lose their connection.
   *
   * @default {1}
   */
  count?: number;
  /**
   * Only requests to this broker.
   *
   * @default {any broker}
   */
  broker?: number;
  /**
   * `"before"`: as the request arrives, so nothing of it happens; `"after"`: once it
   * took effect, so its answer is lost; `"mid-response"`: halfway through writing the
   * answer.
   *
   * @default {"before"}
   */
  when?: DropPoint;
}

/** Options of {@link Faults.delay}. */
export interface DelayOptions {
  /**
   * Only requests of this API.
   *
   * @default {every API}
   */
  api?: ApiSelector;
  /**
   * Only requests to this broker.
   *
   * @default {any broker}
   */
  broker?: number;
  /**
   * How many requests are delayed.
   *
   * @default {Infinity}
   */
  count?: number;
}

interface ErrorFault {
  apiKey: number;
  codes: number[];
  scope: FaultScope;
}

interface DropFault {
  apiKey: number;
  count: number;
  broker: number | undefined;
  when: DropPoint;
}

interface DelayFault {
  ms: number;
  apiKey: number | undefined;
  broker: number | undefined;
  count: number;
}

/**
 * Resolves an API selector to its key.
 *
 * @param api A name of {@link ApiKey} or a key.
 * @returns The key.
 */
export function apiKeyOf(api: ApiSelector): number {
  if (typeof api === "number") {
    if (!Number.isInteger(api) || api < 0 || api > 32767) {
      throw new RangeError(
        `Cannot inject a fault as the API key must be 0-32767: current value is ${api}`,
      );
    }
    return api;
  }
  const key = Object.hasOwn(ApiKey, api) ? (ApiKey as Record<string, number>)[api] : undefined;
  if (key === undefined) {
    throw new TypeError(
      `Cannot inject a fault as the API must be one of ${
        Object.keys(ApiKey).join(", ")
      }: current value is ${api}`,
    );
  }
  return key;
}

/**
 * Resolves an error code given by number or by Kafka's name.
 *
 * @param code A code, or a name such as `"NOT_LEADER_OR_FOLLOWER"`.
 * @returns The code.
 */
export function errorCodeOf(code: number | string): number {
  if (typeof code === "number") {
    if (!Number.isInteger(code) || code < -1 || code > 32767) {
      throw new RangeError(
        `Cannot inject error code as it must be -1 to 32767: current value is ${code}`,
      );
    }
    return code;
  }
  const found = Object.hasOwn(ErrorCode, code)
    ? (ErrorCode as Readonly<Record<string, number>>)[code]
    : undefined;
  if (found === undefined) {
    throw new TypeError(`Cannot inject error code as Kafka has no error named ${code}`);
  }
  return found;
}

function count(value: number | undefined, what: string): number {
  const n = value ?? 1;
  if (!(n === Infinity || (Number.isInteger(n) && n > 0))) {
    throw new RangeError(
      `Cannot inject a fault as ${what} must be a positive integer: current value is ${n}`,
    );
  }
  return n;
}

function inScope(scope: FaultScope, broker: number, topic?: string, partition?: number): boolean {
  if (scope.broker !== undefined && scope.broker !== broker) return false;
  if (scope.topic !== undefined && scope.topic !== topic) return false;
  if (scope.partition !== undefined && scope.partition !== partition) return false;
  return true;
}

/**
 * The faults of a test cluster, consumed by the requests they match.
 *
 * @example Failing the next two Produce requests, then dropping a connection
 * ```ts
 * import { Faults } from "./faults.ts";
 *
 * const faults = new Faults();
 * faults.failNext("Produce", ["NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT"]);
 * faults.dropNext("Produce", { when: "after" });
 * console.log(faults.pending); // 2
 * ```
 */
export class Faults {
  #errors: ErrorFault[] = [];
  #drops: DropFault[] = [];
  #delays: DelayFault[] = [];

  /** How many error and drop faults wait for their requests (delays are not counted). */
  get pending(): number {
    return this.#errors.length + this.#drops.length;
  }

  /**
   * Answers the next requests of an API with error codes, one code per request in
   * order. Produce, Fetch, ListOffsets and OffsetForLeaderEpoch put the code on each
   * partition of the request that is in scope (the others are served as usual); other
   * APIs answer with the code where their response has one.
   *
   * @param api The API.
   * @param codes The codes, by number or name; `count` repeats a single code.
   * @param options Which requests, and how many.
   */
  failNext(
    api: ApiSelector,
    codes: number | string | readonly (number | string)[],
    options: FaultScope & { count?: number } = {},
  ): void {
    const list = (Array.isArray(codes) ? codes : [codes]).map(errorCodeOf);
    const repeat = Array.isArray(codes) ? 1 : count(options.count, "count");
    if (repeat === Infinity) {
      throw new RangeError("Cannot inject errors for ever: give a finite count");
    }
    const all: number[] = [];
    for (let i = 0; i < repeat; i++) all.push(...list);
    if (all.length === 0) return;
    const { broker, topic, partition } = options;
    if (partition !== undefined && topic === undefined) {
      throw new TypeError("Cannot inject errors for a partition without its topic");
    }
    this.#errors.push({
      apiKey: apiKeyOf(api),
      codes: all,
      scope: {
        ...(broker === undefined ? {} : { broker }),
        ...(topic === undefined ? {} : { topic }),
        ...(partition === undefined ? {} : { partition }),
      },
    });
  }

  /**
   * Drops the connection of the next requests of an API.
   *
   * @param api The API.
   * @param options How many, which broker, and when the connection closes.
   */
  dropNext(api: ApiSelector, options: DropOptions = {}): void {
    const when = options.when ?? "before";
    if (when !== "before" && when !== "after" && when !== "mid-response") {
      throw new TypeError(
        `Cannot drop a connection as when must be "before", "after" or "mid-response": current value is ${when}`,
      );
    }
    this.#drops.push({
      apiKey: apiKeyOf(api),
      count: count(options.count, "count"),
      broker: options.broker,
      when,
    });
  }

  /**
   * Adds latency before answering requests.
   *
   * @param ms The delay in milliseconds.
   * @param options Which requests, and how many.
   */
  delay(ms: number, options: DelayOptions = {}): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(
        `Cannot add latency as ms must be a finite number >= 0: current value is ${ms}`,
      );
    }
    this.#delays.push({
      ms,
      apiKey: options.api === undefined ? undefined : apiKeyOf(options.api),
      broker: options.broker,
      count: options.count === undefined ? Infinity : count(options.count, "count"),
    });
  }

  /** Removes every fault not consumed yet, latency included. */
  clear(): void {
    this.#errors = [];
    this.#drops = [];
    this.#delays = [];
  }

  /**
   * Takes the drop fault a request matches, if any.
   *
   * @param apiKey The request's API.
   * @param broker The broker it came to.
   * @returns When to drop, or undefined.
   */
  takeDrop(apiKey: number, broker: number): DropPoint | undefined {
    const i = this.#drops.findIndex((d) =>
      d.apiKey === apiKey && (d.broker === undefined || d.broker === broker)
    );
    if (i < 0) return undefined;
    const drop = this.#drops[i]!;
    if (--drop.count <= 0) this.#drops.splice(i, 1);
    return drop.when;
  }

  /**
   * Takes the latency a request gets: the sum of the delays it matches.
   *
   * @param apiKey The request's API.
   * @param broker The broker it came to.
   * @returns The delay in milliseconds (0 for none).
   */
  takeDelay(apiKey: number, broker: number): number {
    let ms = 0;
    for (const d of this.#delays) {
      if (d.apiKey !== undefined && d.apiKey !== apiKey) continue;
      if (d.broker !== undefined && d.broker !== broker) continue;
      ms += d.ms;
      d.count--;
    }
    this.#delays = this.#delays.filter((d) => d.count > 0);
    return ms;
  }

  /**
   * Takes the error a request without partitions gets, if any.
   *
   * @param apiKey The request's API.
   * @param broker The broker it came to.
   * @returns The code, or undefined.
   */
  takeError(apiKey: number, broker: number): number | undefined {
    const i = this.#errors.findIndex((e) =>
      e.apiKey === apiKey && e.scope.topic === undefined && inScope(e.scope, broker)
    );
    return i < 0 ? undefined : this.#consume(i);
  }

  /**
   * Takes the errors of a request with partitions: each error fault in scope of at
   * least one of its partitions gives its next code to all of them.
   *
   * @param apiKey The request's API.
   * @param broker The broker it came to.
   * @param partitions The request's partitions.
   * @returns The code per partition (absent: served as usual).
   */
  takePartitionErrors(
    apiKey: number,
    broker: number,
    partitions: readonly { topic: string; partition: number }[],
  ): Map<string, number> {
    const codes = new Map<string, number>();
    for (let i = 0; i < this.#errors.length; i++) {
      const fault = this.#errors[i]!;
      if (fault.apiKey !== apiKey) continue;
      const hit = partitions.filter((p) => inScope(fault.scope, broker, p.topic, p.partition));
      if (hit.length === 0) continue;
      const code = fault.codes[0]!;
      for (const p of hit) {
        const key = `${p.topic}\u0000${p.partition}`;
        if (!codes.has(key)) codes.set(key, code);
      }
      this.#consume(i);
      if (!this.#errors.includes(fault)) i--;
    }
    return codes;
  }

  #consume(i: number): number {
    const fault = this.#errors[i]!;
    const code = fault.codes.shift()!;
    if (fault.codes.length === 0) this.#errors.splice(i, 1);
    return code;
  }
}

/**
 * The key {@link Faults.takePartitionErrors} uses for a partition.
 *
 * @param topic The topic.
 * @param partition The partition.
 * @returns The key.
 */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
