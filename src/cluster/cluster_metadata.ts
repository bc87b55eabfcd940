/**
 * The producer's view of the cluster: the latest {@link MetadataSnapshot} for the
 * topics in use, refreshed on demand (leader errors, disconnects, a new topic),
 * every `metadataMaxAgeMs`, and coalesced so that many callers asking at once cause
 * one Metadata request. It does not talk to brokers itself: the fetch function it is
 * given does (the layer below owns the connections).
 *
 * @module
 */

import {
  KafkaAuthenticationError,
  KafkaClosedError,
  KafkaConnectionError,
  KafkaError,
  KafkaTimeoutError,
  KafkaUnsupportedVersionError,
  TopicNotFoundError,
} from "../errors.ts";
import type { MetadataResponse } from "../protocol/metadata.ts";
import { ErrorCode, errorInfo, isSaslErrorCode } from "../protocol/error_codes.ts";
import { type Cancel, type Clock, sleep } from "../timers.ts";
import {
  type BrokerInfo,
  MetadataSnapshot,
  type PartitionLeader,
  type TopicInfo,
} from "./metadata_snapshot.ts";

/** Fetches metadata for the given topics. */
export type MetadataFetcher = (topics: readonly string[]) => Promise<MetadataResponse>;

/** Options of {@link ClusterMetadata}. */
export interface ClusterMetadataOptions {
  /** Refresh at least this often (ms). */
  metadataMaxAgeMs: number;
  /** Wait at least this long between refreshes (ms). */
  retryBackoffMs: number;
  /** Time and timers. */
  clock: Clock;
  /**
   * Says which brokers a refresh still in progress is trying, for the error of a wait
   * that ends before any answered.
   */
  describeAttempts?: () => string;
  /**
   * Starts again from the bootstrap addresses (KIP-899, KIP-1102): called when no
   * refresh succeeded for `rebootstrapTriggerMs` and when a broker answers
   * REBOOTSTRAP_REQUIRED. Absent: never (Java's `metadata.recovery.strategy=none`).
   */
  rebootstrap?: (reason: string) => void;
  /**
   * How long refreshes may fail before a rebootstrap (ms); Java's
   * `metadata.recovery.rebootstrap.trigger.ms`.
   */
  rebootstrapTriggerMs?: number;
}

/** Raised inside a refresh whose rebootstrap deadline came first. */
const REBOOTSTRAP_DUE: unique symbol = Symbol("rebootstrap due");

/** The cluster metadata the producer works from. */
export class ClusterMetadata {
  readonly #fetch: MetadataFetcher;
  readonly #options: ClusterMetadataOptions;
  readonly #topics = new Set<string>();
  #snapshot: MetadataSnapshot;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #lastError: unknown = null;
  /** When the refreshes failing since the last success began (ms), null after a success. */
  #attemptStartMs: number | null = null;
  #cancelTimer: Cancel = () => {};
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
   * Calls `listener` after every refresh (successful or not), and after leaders a
   * broker named moved partitions ({@link ClusterMetadata.updateLeaders}).
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
   * Moves partitions to the leaders a broker named in a response (KIP-951: a Produce
   * response's CurrentLeader and NodeEndpoints), without waiting for a refresh; only
   * leaders with a newer epoch than the one known count (see
   * {@link MetadataSnapshot.withLeaders}).
   *
   * @param leaders The leaders named.
   * @param endpoints The addresses sent with them.
   * @returns Whether a partition moved (the listeners were called).
   */
  updateLeaders(leaders: readonly PartitionLeader[], endpoints: readonly BrokerInfo[]): boolean {
    const next = this.#snapshot.withLeaders(leaders, endpoints);
    if (next === this.#snapshot) return false;
    this.#snapshot = next;
    for (const listener of this.#listeners) listener();
    return true;
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
    const since = this.#options.clock.now() - this.#snapshot.fetchedMs;
    const delay = this.#lastError === null ? 0 : Math.max(0, this.#options.retryBackoffMs - since);
    this.#inFlight = (async () => {
      if (delay > 0) await sleep(this.#options.clock, delay);
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
   * @param timeoutMs How long to wait (Java's `max.block.ms`); 0 only asks for it.
   * @returns The topic's metadata.
   * @throws {KafkaError} At once for a topic the broker refuses for good (invalid
   * name, not authorized) and for bad credentials; at the timeout, the error
   * {@link ClusterMetadata.missingTopicError} describes.
   */
  async waitForTopic(topic: string, timeoutMs: number): Promise<TopicInfo> {
    const info = await this.whenTopic(topic, timeoutMs);
    if (info === undefined) throw this.missingTopicError(topic, timeoutMs);
    return info;
  }

  /**
   * Waits until a topic's metadata is usable, refreshing with backoff, for at most
   * `timeoutMs`.
   *
   * @param topic The topic (added to the topics in use).
   * @param timeoutMs How long to wait; 0 only asks for it.
   * @returns The topic's metadata, or undefined when the time is up.
   * @throws {KafkaError} At once for a topic the broker refuses for good (invalid
   * name, not authorized) and for bad credentials.
   */
  async whenTopic(topic: string, timeoutMs: number): Promise<TopicInfo | undefined> {
    const known = this.topic(topic);
    if (known !== undefined) return known;
    this.#topics.add(topic);
    const clock = this.#options.clock;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const refreshed = this.requestUpdate();
      const remaining = deadline - clock.now();
      let cancel: Cancel = () => {};
      const timedOut = remaining <= 0 || await Promise.race([
        refreshed.then(() => false),
        new Promise<boolean>((resolve) => cancel = clock.schedule(() => resolve(true), remaining)),
      ]);
      cancel();
      const info = this.#snapshot.topics.get(topic);
      if (info !== undefined && info.partitionCount > 0) return info;
      const code = info?.errorCode ?? ErrorCode.NONE;
      if (code !== ErrorCode.NONE && !errorInfo(code).retriable) {
        throw new KafkaError(code, { topic });
      }
      const last = this.#lastError;
      // Bad credentials or a broker too old will not get better by waiting: fail now, as Java does.
      if (last instanceof KafkaError && isSaslErrorCode(last.code)) throw last;
      if (last instanceof KafkaAuthenticationError) throw last;
      if (last instanceof KafkaUnsupportedVersionError) throw last;
      if (this.#closed) throw new KafkaClosedError("Cannot get metadata as the producer is closed");
      if (timedOut || clock.now() >= deadline) return undefined;
      await sleep(clock, Math.min(this.#options.retryBackoffMs, deadline - clock.now()));
    }
  }

  /**
   * Why a topic is not usable after a wait of `waitedMs`: {@link TopicNotFoundError}
   * when a broker answered for the topic (it does not exist, or has no usable
   * partitions yet); otherwise what kept every broker from answering, as a
   * {@link KafkaConnectionError} (none could be reached: every address tried is
   * named) or a {@link KafkaTimeoutError} (no answer in time).
   *
   * @param topic The topic.
   * @param waitedMs How long the record waited.
   * @returns The error.
   */
  missingTopicError(topic: string, waitedMs: number): Error {
    const info = this.#snapshot.topics.get(topic);
    if (info !== undefined) {
      return new TopicNotFoundError(
        topic,
        waitedMs,
        info.errorCode === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : info.errorCode,
      );
    }
    const what = `Cannot get metadata for topic ${topic} within ${waitedMs} ms (maxBlockMs)`;
    const last = this.#lastError;
    if (last instanceof KafkaConnectionError) {
      return new KafkaConnectionError(`${what}: ${last.message}`, {
        cause: last,
        ...(last.address === undefined ? {} : { address: last.address }),
      });
    }
    if (last instanceof Error) {
      return new KafkaTimeoutError(`${what}: ${last.message}`, { cause: last });
    }
    const attempts = this.#options.describeAttempts?.() ?? "";
    return new KafkaTimeoutError(
      `${what}: no broker answered${attempts === "" ? "" : ` (${attempts})`}`,
    );
  }

  /** Stops the periodic refresh. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer();
  }

  /** Starts again from the bootstrap addresses; the trigger clock starts again too. */
  #rebootstrap(reason: string): number {
    this.#options.rebootstrap!(reason);
    return this.#attemptStartMs = this.#options.clock.now();
  }

  async #refresh(): Promise<void> {
    const clock = this.#options.clock;
    const rebootstrap = this.#options.rebootstrap;
    const triggerMs = this.#options.rebootstrapTriggerMs ?? Infinity;
    let startedMs = this.#attemptStartMs ??= clock.now();
    // One more attempt after a rebootstrap in the middle of this one.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (rebootstrap !== undefined && clock.now() - startedMs > triggerMs) {
        startedMs = this.#rebootstrap(`no metadata for ${triggerMs} ms`);
      }
      const remaining = startedMs + triggerMs - clock.now();
      let cancel: Cancel = () => {};
      try {
        const fetched = this.#fetch([...this.#topics]);
        // An answer that comes after the deadline is moot.
        fetched.catch(() => {});
        // A broker that accepts connections and never answers holds a fetch until its
        // request timeout: the rebootstrap deadline does not wait for it.
        const response = rebootstrap === undefined || remaining === Infinity
          ? await fetched
          : await Promise.race([
            fetched,
            new Promise<never>((_, reject) => {
              cancel = clock.schedule(() => reject(REBOOTSTRAP_DUE), remaining);
            }),
          ]);
        if (response.errorCode === ErrorCode.REBOOTSTRAP_REQUIRED && rebootstrap !== undefined) {
          // The broker says this client must start again from its bootstrap addresses
          // (KIP-1102): at once, then this refresh goes there.
          startedMs = this.#rebootstrap("a broker answered REBOOTSTRAP_REQUIRED");
          this.#lastError = new KafkaError(response.errorCode, {
            message: "Metadata: the broker asked for a rebootstrap",
          });
          continue;
        }
        if (response.errorCode !== ErrorCode.NONE) {
          throw new KafkaError(response.errorCode, { message: "Metadata request" });
        }
        this.#snapshot = new MetadataSnapshot(response, clock.now(), this.#snapshot);
        this.#lastError = null;
        this.#attemptStartMs = null;
        return;
      } catch (error) {
        if (error === REBOOTSTRAP_DUE) {
          startedMs = this.#rebootstrap(`no metadata for ${triggerMs} ms`);
          this.#lastError = new KafkaTimeoutError(
            `Cannot get metadata as no broker answered within ${triggerMs} ms (metadataRecoveryRebootstrapTriggerMs)`,
          );
          continue;
        }
        this.#lastError = error;
        return;
      } finally {
        cancel();
      }
    }
  }

  #schedule(): void {
    this.#cancelTimer();
    if (this.#closed || this.#topics.size === 0) return;
    // A periodic refresh must not keep a finished program alive (unref).
    this.#cancelTimer = this.#options.clock.schedule(
      () => void this.requestUpdate(),
      this.#options.metadataMaxAgeMs,
      true,
    );
  }
}
