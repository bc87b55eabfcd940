/**
 * One connection per broker, opened on demand (open_broker_session.ts) and reopened
 * with exponential backoff after a failure, and a bootstrap that tries each
 * configured address in turn. Once brokers are known from metadata, metadata is
 * asked of them; when none of them can be reached, the pool rebootstraps (KIP-899):
 * it forgets them and starts again from the bootstrap addresses, whose names the
 * runtime resolves anew at each connect.
 *
 * @module
 */

import { KafkaConnectionError, KafkaError } from "../errors.ts";
import type { BrokerInfo } from "../cluster/metadata_snapshot.ts";
import type { BrokerPoolOptions } from "./broker_pool_options.ts";
import { formatAddress } from "./connect_broker.ts";
import { type BrokerSession, openBrokerSession } from "./open_broker_session.ts";
import { isAuthenticationError } from "./sasl.ts";
import { backoffMs } from "../timers.ts";

// The names callers have always imported from here; they live in the files that hold them.
export type { BrokerPoolOptions } from "./broker_pool_options.ts";
export { CLIENT_VERSION, type FinalizedFeatures } from "./negotiate_versions.ts";
export { type BrokerSession, openBrokerSession } from "./open_broker_session.ts";

interface NodeState {
  session: Promise<BrokerSession> | null;
  /** The address `session` is being opened to. */
  opening: string | null;
  /** Counts the sessions started; one abandoned (its broker moved) is no longer the latest. */
  generation: number;
  ready: BrokerSession | null;
  failures: number;
  retryAtMs: number;
}

/** Connections to the cluster's brokers. */
export class BrokerPool {
  readonly #options: BrokerPoolOptions;
  readonly #nodes = new Map<number, NodeState>();
  #brokers: ReadonlyMap<number, BrokerInfo> = new Map();
  /** The map metadata gave last (a rebootstrap forgets it; the same map again is not news). */
  #learnt: ReadonlyMap<number, BrokerInfo> | null = null;
  #bootstrap: BrokerSession | null = null;
  /** Set by a rebootstrap until metadata names brokers again: open sessions are not asked. */
  #rebootstrapped = false;
  #closed = false;
  /** Aborted on close: connections being opened are abandoned, so no socket or timer outlives the pool. */
  readonly #closing = new AbortController();
  /** Addresses `any()` tried and failed in its latest round, and the one it is trying now. */
  #tried: string[] = [];
  #trying: string | null = null;
  readonly #listeners: ((nodeId: number) => void)[] = [];

  /**
   * @param options Addresses, timeouts and the connect function.
   */
  constructor(options: BrokerPoolOptions) {
    this.#options = options;
  }

  /**
   * Calls `listener` when a broker's connection opens or closes.
   *
   * @param listener The callback, given the broker id.
   */
  onChange(listener: (nodeId: number) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Sets the brokers known from metadata.
   *
   * @param brokers Brokers by id.
   */
  setBrokers(brokers: ReadonlyMap<number, BrokerInfo>): void {
    if (brokers.size === 0 || brokers === this.#learnt) return;
    this.#brokers = this.#learnt = brokers;
    this.#rebootstrapped = false;
    // A broker id now at another address (a cluster replaced, ids reused): its
    // connection reaches the broker that had it, so it goes.
    for (const [nodeId, state] of this.#nodes) {
      const broker = brokers.get(nodeId);
      if (broker === undefined) continue;
      const address = formatAddress(broker.host, broker.port);
      if (state.ready !== null && state.ready.address !== address) {
        state.ready.connection.close();
        state.ready = null;
        state.failures = 0;
        state.retryAtMs = 0;
      }
      if (state.session !== null && state.opening !== address) {
        state.generation++;
        state.session = null;
        state.opening = null;
        state.failures = 0;
        state.retryAtMs = 0;
      }
    }
  }

  /**
   * Forgets the brokers learnt (KIP-899): metadata is asked of the bootstrap addresses
   * again, not of the open connections, until {@link BrokerPool.setBrokers} names brokers
   * again. Connections in use stay open until they fail.
   *
   * @param reason Why, for the log.
   */
  rebootstrap(reason: string): void {
    this.#options.onRebootstrap?.(reason);
    this.#brokers = new Map();
    this.#rebootstrapped = true;
    this.#bootstrap?.connection.close();
    this.#bootstrap = null;
  }

  /**
   * Adds a broker learnt outside metadata (a coordinator's address).
   *
   * @param broker The broker.
   */
  learnBroker(broker: BrokerInfo): void {
    if (this.#brokers.has(broker.nodeId)) return;
    this.#brokers = new Map(this.#brokers).set(broker.nodeId, broker);
  }

  /**
   * The open session to a broker, if there is one (synchronous).
   *
   * @param nodeId The broker id.
   * @returns The session, or undefined.
   */
  ready(nodeId: number): BrokerSession | undefined {
    const state = this.#nodes.get(nodeId);
    const session = state?.ready;
    if (session === undefined || session === null || session.connection.isClosed) return undefined;
    return session;
  }

  /**
   * The session to a broker, connecting (after the backoff of earlier failures) if needed.
   *
   * @param nodeId The broker id.
   * @returns The session.
   */
  session(nodeId: number): Promise<BrokerSession> {
    if (this.#closed) {
      return Promise.reject(new KafkaConnectionError("Cannot connect: the producer is closed"));
    }
    const state = this.#state(nodeId);
    if (state.ready !== null && !state.ready.connection.isClosed) {
      return Promise.resolve(state.ready);
    }
    if (state.session !== null) return state.session;
    const broker = this.#brokers.get(nodeId);
    if (broker === undefined) {
      return Promise.reject(
        new KafkaConnectionError(`Cannot connect to broker ${nodeId}: its address is not known`),
      );
    }
    const wait = Math.max(0, state.retryAtMs - Date.now());
    state.opening = formatAddress(broker.host, broker.port);
    return state.session = this.#open(nodeId, broker, state, ++state.generation, wait);
  }

  /**
   * Any usable session, for metadata: an open one, else a known broker, else (before
   * brokers are known, or with rebootstrap once none of them could be reached) the
   * bootstrap addresses in order.
   *
   * @returns The session.
   * @throws {KafkaConnectionError} Naming every address tried, when none answers.
   */
  async any(): Promise<BrokerSession> {
    if (!this.#rebootstrapped) {
      for (const state of this.#nodes.values()) {
        if (state.ready !== null && !state.ready.connection.isClosed) return state.ready;
      }
    }
    if (this.#bootstrap !== null && !this.#bootstrap.connection.isClosed) return this.#bootstrap;
    const failures: string[] = this.#tried = [];
    try {
      const known = this.#brokers;
      for (const nodeId of known.keys()) {
        this.#trying = this.#describe(nodeId);
        try {
          return await this.session(nodeId);
        } catch (error) {
          // The same credentials will not do better with another broker.
          if (isAuthenticationError(error)) throw error;
          failures.push(`${this.#describe(nodeId)} (${(error as Error).message})`);
        }
      }
      if (known.size > 0) {
        // Asked only of the brokers learnt, as Java's "none"; or, every one of them out
        // of reach, rebootstrap (KIP-899).
        if (this.#options.metadataRecovery === "none") {
          throw new KafkaConnectionError(
            `Cannot connect to any known broker: tried ${failures.join(", ")}`,
          );
        }
        this.rebootstrap("no known broker can be reached");
      }
      for (const { host, port } of this.#options.bootstrap) {
        if (this.#closed) break;
        this.#trying = formatAddress(host, port);
        try {
          this.#bootstrap = await openBrokerSession(
            host,
            port,
            -1,
            this.#options,
            this.#closing.signal,
          );
          if (this.#closed) this.#bootstrap.connection.close();
          return this.#bootstrap;
        } catch (error) {
          if (isAuthenticationError(error)) throw error;
          if (!(error instanceof KafkaConnectionError) && !(error instanceof KafkaError)) {
            throw error;
          }
          failures.push(`${formatAddress(host, port)} (${error.message})`);
        }
      }
    } finally {
      this.#trying = null;
    }
    throw new KafkaConnectionError(
      `Cannot connect to any broker: tried ${failures.join(", ")}`,
    );
  }

  /**
   * Which addresses the latest search for a broker tried and is trying, for an error
   * raised before it ended (a broker that accepts connections but never answers).
   *
   * @returns For example "tried 10.0.0.1:9092 (connection refused); waiting for 10.0.0.2:9092".
   */
  describeAttempts(): string {
    const parts: string[] = [];
    if (this.#tried.length > 0) parts.push(`tried ${this.#tried.join(", ")}`);
    if (this.#trying !== null) parts.push(`waiting for ${this.#trying} to answer`);
    return parts.join("; ");
  }

  /** Closes every connection, and abandons those being opened. */
  close(): void {
    this.#closed = true;
    this.#closing.abort(new KafkaConnectionError("Cannot connect: the producer is closed"));
    for (const state of this.#nodes.values()) state.ready?.connection.close();
    this.#bootstrap?.connection.close();
  }

  /** The state kept for a broker, created on first use. */
  #state(nodeId: number): NodeState {
    let state = this.#nodes.get(nodeId);
    if (state === undefined) {
      state = {
        session: null,
        opening: null,
        generation: 0,
        ready: null,
        failures: 0,
        retryAtMs: 0,
      };
      this.#nodes.set(nodeId, state);
    }
    return state;
  }

  /**
   * Waits out the backoff, then opens the session `state.session` stands for; a
   * later generation (the broker moved, setBrokers) owns the state, so this one
   * then leaves it alone.
   */
  async #open(
    nodeId: number,
    broker: BrokerInfo,
    s: NodeState,
    generation: number,
    wait: number,
  ): Promise<BrokerSession> {
    const opening = formatAddress(broker.host, broker.port);
    if (wait > 0) await this.#backoff(wait);
    try {
      const session = await openBrokerSession(
        broker.host,
        broker.port,
        nodeId,
        this.#options,
        this.#closing.signal,
      );
      if (this.#closed) {
        session.connection.close();
        throw new KafkaConnectionError("Cannot connect: the producer is closed");
      }
      if (s.generation !== generation) {
        // The broker id moved to another address meanwhile (setBrokers).
        session.connection.close();
        throw new KafkaConnectionError(
          `Cannot use the connection to ${opening} as broker ${nodeId} is now at another address`,
          { address: opening },
        );
      }
      this.#opened(nodeId, s, session);
      return session;
    } catch (error) {
      if (s.generation === generation) this.#failed(nodeId, s);
      throw error;
    } finally {
      if (s.generation === generation) {
        s.session = null;
        s.opening = null;
      }
    }
  }

  /** Records a session opened; its connection closing later clears it. */
  #opened(nodeId: number, s: NodeState, session: BrokerSession): void {
    s.ready = session;
    s.failures = 0;
    session.connection.closed.then(() => {
      if (s.ready === session) s.ready = null;
      this.#notify(nodeId);
    }, () => {});
    this.#notify(nodeId);
  }

  /** Records a failed attempt: the next waits longer (jittered, capped). */
  #failed(nodeId: number, s: NodeState): void {
    s.failures++;
    s.retryAtMs = Date.now() + backoffMs(
      s.failures,
      this.#options.reconnectBackoffMs,
      this.#options.reconnectBackoffMaxMs,
      Math.random,
    );
    this.#notify(nodeId);
  }
  /** Waits out a reconnect backoff, or until the pool closes. */
  #backoff(ms: number): Promise<void> {
    const signal = this.#closing.signal;
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
  }

  #describe(nodeId: number): string {
    const b = this.#brokers.get(nodeId);
    return b === undefined ? `broker ${nodeId}` : formatAddress(b.host, b.port);
  }

  #notify(nodeId: number): void {
    for (const listener of this.#listeners) listener(nodeId);
  }
}
