/**
 * Records whose topic has no metadata yet wait here, in write order, each until its
 * own deadline (`maxBlockMs` from its own write, however many wait before it). Once
 * the topic is known they go on in the order they came, so order per partition holds
 * through the wait; records whose time is up fail with what kept the topic unknown
 * (a broker saying it does not exist, or no broker answering).
 *
 * @module
 */

import type { ClusterMetadata } from "../cluster/cluster_metadata.ts";
import type { Clock } from "../timers.ts";

/** Appends a record once its topic is known; the deadline bounds any further wait. */
export type AppendKnown<R> = (
  topic: string,
  record: R,
  deadlineMs: number,
) => Promise<void> | undefined;

interface Waiting<R> {
  readonly record: R;
  readonly deadlineMs: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Told how many records of a topic failed while waiting, and why. */
export type WaitsFailed = (topic: string, records: number, error: unknown) => void;

/** The records waiting for their topics' metadata. */
export class TopicWaits<R> {
  readonly #metadata: ClusterMetadata;
  readonly #clock: Clock;
  readonly #maxBlockMs: number;
  readonly #append: AppendKnown<R>;
  readonly #failed: WaitsFailed;
  readonly #queues = new Map<string, Waiting<R>[]>();

  /**
   * @param metadata Where topics become known.
   * @param clock Time and timers.
   * @param maxBlockMs How long each record may wait.
   * @param append Appends a record whose topic is known.
   * @param failed Told of records that failed waiting (not of those `append` failed).
   */
  constructor(
    metadata: ClusterMetadata,
    clock: Clock,
    maxBlockMs: number,
    append: AppendKnown<R>,
    failed: WaitsFailed = () => {},
  ) {
    this.#metadata = metadata;
    this.#clock = clock;
    this.#maxBlockMs = maxBlockMs;
    this.#append = append;
    this.#failed = failed;
  }

  /** Records waiting, all topics. */
  get size(): number {
    let size = 0;
    for (const queue of this.#queues.values()) size += queue.length;
    return size;
  }

  /**
   * Fails every waiting record with `error` (a close whose deadline passed).
   *
   * @param error Why.
   */
  failAll(error: unknown): void {
    for (const [topic, queue] of this.#queues) {
      const waiting = queue.splice(0);
      for (const w of waiting) w.reject(error);
      if (waiting.length > 0) this.#failed(topic, waiting.length, error);
    }
  }

  /**
   * Whether records of `topic` are waiting (a new record must then wait behind them).
   *
   * @param topic The topic.
   * @returns Whether any wait.
   */
  has(topic: string): boolean {
    return this.#queues.has(topic);
  }

  /**
   * Queues a record behind the others of its topic until the topic is known.
   *
   * @param topic The topic.
   * @param record The record.
   * @returns Resolves once the record is appended (or waits no more for metadata).
   */
  wait(topic: string, record: R): Promise<void> {
    const deadlineMs = this.#clock.now() + this.#maxBlockMs;
    return new Promise<void>((resolve, reject) => {
      let queue = this.#queues.get(topic);
      const start = queue === undefined;
      if (queue === undefined) this.#queues.set(topic, queue = []);
      queue.push({ record, deadlineMs, resolve, reject });
      if (start) void this.#run(topic, queue);
    });
  }

  async #run(topic: string, queue: Waiting<R>[]): Promise<void> {
    try {
      while (queue.length > 0) {
        if (this.#metadata.topic(topic) !== undefined) {
          for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
            this.#release(topic, next);
          }
          break;
        }
        // Asked for even when no time is left (maxBlockMs 0), so a later record finds it.
        const left = Math.max(0, queue[0]!.deadlineMs - this.#clock.now());
        let info;
        try {
          info = await this.#metadata.whenTopic(topic, left);
        } catch (error) {
          // Refused for good (an invalid or unauthorized topic, bad credentials).
          const refused = queue.splice(0);
          for (const waiting of refused) waiting.reject(error);
          if (refused.length > 0) this.#failed(topic, refused.length, error);
          break;
        }
        // Failed meanwhile by failAll().
        if (info !== undefined || queue.length === 0) continue;
        const now = this.#clock.now();
        if (queue[0]!.deadlineMs <= now) {
          const error = this.#metadata.missingTopicError(topic, this.#maxBlockMs);
          let expired = 0;
          for (; queue.length > 0 && queue[0]!.deadlineMs <= now; expired++) {
            queue.shift()!.reject(error);
          }
          this.#failed(topic, expired, error);
        }
      }
    } finally {
      this.#queues.delete(topic);
    }
  }

  #release(topic: string, waiting: Waiting<R>): void {
    try {
      const appended = this.#append(topic, waiting.record, waiting.deadlineMs);
      if (appended === undefined) waiting.resolve();
      else appended.then(waiting.resolve, waiting.reject);
    } catch (error) {
      waiting.reject(error);
    }
  }
}
