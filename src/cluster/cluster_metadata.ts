/**
 * The producer's view of the cluster: the latest {@link MetadataSnapshot} for the
 * topics in use, refreshed on demand (leader errors, disconnects, a new topic),
 * every `metadataMaxAgeMs`, and coalesced so that many callers asking at once cause
 * one Metadata request. It does not talk to brokers itself: the fetch function it is
 * given does (the layer below owns the connections).
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import type { MetadataResponse } from "../protocol/metadata.ts";
import { errorInfo, isSaslErrorCode } from "../protocol/error_codes.ts";
import { MetadataSnapshot, type TopicInfo } from "./metadata_snapshot.ts";

/** Fetches metadata for the given topics. */
export type MetadataFetcher = (topics: readonly string[]) => Promise<MetadataResponse>;

/** Options of {@link ClusterMetadata}. */
export interface ClusterMetadataOptions {
  /** Refresh at least this often (ms). */
  metadataMaxAgeMs: number;
  /** Wait at least this long between refreshes (ms). */
  retryBackoffMs: number;
  /** The clock (ms). */
  now: () => number;
}

/**
 * A topic did not appear in metadata within `maxBlockMs`, as Java's "Topic X not
 * present in metadata after N ms". `code` is the broker's last answer for it
 * (UNKNOWN_TOPIC_OR_PARTITION when it does not exist); `cause`, when set, is why the
 * last metadata request failed (for example no broker answering).
 *
 * @example Catching a missing topic
 * ```ts
 * import { TopicNotFoundError } from "@webstream/kafka";
 *
 * const error = new TopicNotFoundError("events", 60000, 3);
 * console.log(error.name); // "UNKNOWN_TOPIC_OR_PARTITION"
 * ```
 */
export class TopicNotFoundError extends KafkaError {
  /**
   * Builds the error.
   *
   * @param topic The topic.
   * @param waitedMs How long the producer waited (Java's `max.block.ms`).
   * @param code The last error code the broker gave for it.
   * @param cause Why the last metadata refresh failed, if it did.
   */
  constructor(topic: string, waitedMs: number, code: number, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : "";
    super(code, {
      topic,
      message: `topic ${topic} not present in metadata after ${waitedMs} ms (maxBlockMs)${why}`,
      ...(cause === undefined || cause === null ? {} : { cause }),
    });
  }
}

/** The cluster metadata the producer works from. */
export class ClusterMetadata {
  readonly #fetch: MetadataFetcher;
  readonly #options: ClusterMetadataOptions;
  readonly #topics = new Set<string>();
  #snapshot: MetadataSnapshot;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #lastError: unknown = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  readonly #listeners: (() => void)[] = [];

  /**
   * @param fetch Fetches a Metadata response.
   * @param options Refresh timing and the clock.
   */
  constructor(fetch: MetadataFetcher, options: ClusterMetadataOptions) {
    this.#fetch = fetch;
    this.#options = options;
    this.#snapshot = new MetadataSnapshot(null, 0);
  }

  /** The latest snapshot. */
  get snapshot(): MetadataSnapshot {
    return this.#snapshot;
  }

  /**
   * Calls `listener` after every refresh (successful or not).
   *
   * @param listener The callback.
   */
  onUpdate(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /**
   * A topic's metadata if it is known and usable (no error, at least one partition).
   * Synchronous: asked per record.
   *
   * @param topic The topic.
   * @returns Its metadata, or undefined.
   */
  topic(topic: string): TopicInfo | undefined {
    const info = this.#snapshot.topics.get(topic);
    return info !== undefined && info.partitionCount > 0 ? info : undefined;
  }

  /**
   * Asks for a refresh; concurrent asks share one request, and an ask during a
   * request causes one more after it.
   *
   * @returns Resolves when a refresh that started after this call has finished
   * (successfully or not).
   */
  requestUpdate(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#inFlight !== null) {
      this.#again = true;
      return this.#inFlight.then(() => this.#inFlight ?? undefined);
    }
    const since = this.#options.now() - this.#snapshot.fetchedMs;
    const delay = this.#lastError === null ? 0 : Math.max(0, this.#options.retryBackoffMs - since);
    this.#inFlight = (async () => {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      do {
        this.#again = false;
        await this.#refresh();
      } while (this.#again && !this.#closed);
      this.#inFlight = null;
      this.#schedule();
      for (const listener of this.#listeners) listener();
    })();
    return this.#inFlight;
  }

  /**
   * Waits until a topic's metadata is usable, refreshing with backoff.
   *
   * @param topic The topic (added to the topics in use).
   * @param timeoutMs How long to wait (Java's `max.block.ms`).
   * @returns The topic's metadata.
   * @throws {KafkaError} At once for a topic the broker refuses for good (invalid
   * name, not authorized); {@link TopicNotFoundError} after `timeoutMs` otherwise.
   */
  async waitForTopic(topic: string, timeoutMs: number): Promise<TopicInfo> {
    const known = this.topic(topic);
    if (known !== undefined) return known;
    this.#topics.add(topic);
    const deadline = this.#options.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - this.#options.now();
      const refreshed = this.requestUpdate();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        refreshed.then(() => false),
        new Promise<boolean>((resolve) =>
          timer = setTimeout(() => resolve(true), Math.max(0, remaining))
        ),
      ]);
      clearTimeout(timer);
      const info = this.#snapshot.topics.get(topic);
      if (info !== undefined && info.partitionCount > 0) return info;
      const code = info?.errorCode ?? 3;
      if (info !== undefined && code !== 0 && !errorInfo(code).retriable) {
        throw new KafkaError(code, { topic });
      }
      // Bad credentials will not get better by waiting: fail now, as Java does.
      const last = this.#lastError;
      if (last instanceof KafkaError && isSaslErrorCode(last.code)) throw last;
      if (timedOut || this.#options.now() >= deadline || this.#closed) {
        throw new TopicNotFoundError(topic, timeoutMs, code, this.#lastError);
      }
      await new Promise((resolve) => setTimeout(resolve, this.#options.retryBackoffMs));
    }
  }

  /** Stops the periodic refresh. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #refresh(): Promise<void> {
    try {
      const response = await this.#fetch([...this.#topics]);
      this.#snapshot = new MetadataSnapshot(response, this.#options.now());
      this.#lastError = null;
    } catch (error) {
      this.#lastError = error;
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    if (this.#closed || this.#topics.size === 0) return;
    this.#timer = setTimeout(() => void this.requestUpdate(), this.#options.metadataMaxAgeMs);
    // A periodic refresh must not keep a finished program alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }
}
