/**
 * One connection per broker, opened on demand with API versions negotiated
 * (ApiVersions v3, falling back to what the broker lists or v0 on
 * UNSUPPORTED_VERSION), reopened with exponential backoff after a failure, and a
 * bootstrap that tries each configured address in turn. Once brokers are known from
 * metadata, metadata is asked of them; when none of them can be reached, the pool
 * rebootstraps (KIP-899): it forgets them and starts again from the bootstrap
 * addresses, whose names the runtime resolves anew at each connect.
 *
 * @module
 */

import { KafkaAuthenticationError, KafkaConnectionError, KafkaError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import {
  apiVersionsApi,
  apiVersionsFallbackVersion,
  type ApiVersionsResponse,
} from "../protocol/api_versions.ts";
import { apiList } from "../protocol/apis.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import { negotiateVersion, requireVersion } from "../protocol/versions.ts";
import { produceApi } from "../protocol/produce.ts";
import type { BrokerInfo } from "../cluster/metadata_snapshot.ts";
import { connectBroker, formatAddress } from "./connect_broker.ts";
import type { Connection } from "./connection.ts";
import { eventHubsRequestLimit } from "./event_hubs.ts";
import { keepAuthenticated } from "./reauthentication.ts";
import { authenticate, isAuthenticationError, type SaslOptions } from "./sasl.ts";
import { tlsFailure } from "./tls_failure.ts";
import { globalTimers, type Timers } from "./timers.ts";
import type { ConnectFunction, TlsOptions } from "./transport.ts";
import { backoffMs } from "../timers.ts";

/** The ApiVersions version asked first. */
const FIRST_API_VERSIONS_VERSION = 3;
/** This package's version, sent in ApiVersions v3+. */
export const CLIENT_VERSION = "0.1.0";

/** A connection to one broker with the versions agreed for each API. */
export interface BrokerSession {
  /** The broker id; -1 for a bootstrap address whose id is not known yet. */
  readonly nodeId: number;
  /** `host:port`. */
  readonly address: string;
  /** The connection. */
  readonly connection: Connection;
  /** The version to use per API key (absent: the broker supports none we speak). */
  readonly versions: ReadonlyMap<number, number>;
  /**
   * The cluster-wide finalized feature levels the broker reported in ApiVersions
   * (v3+), e.g. `transaction.version`; absent or empty when it reported none.
   */
  readonly features?: FinalizedFeatures;
}

/** Finalized feature levels, as one broker's ApiVersions response reported them. */
export interface FinalizedFeatures {
  /** Their epoch (-1 unknown): a newer report has a larger one. */
  readonly epoch: bigint;
  /** The finalized maximum level per feature name. */
  readonly levels: ReadonlyMap<string, number>;
}

/** Options of {@link BrokerPool}. */
export interface BrokerPoolOptions {
  /** Bootstrap addresses, tried in order. */
  bootstrap: readonly { host: string; port: number }[];
  /** The client id. */
  clientId: string;
  /** Opens sockets instead of the runtime's own. */
  connect: ConnectFunction | undefined;
  /** TLS to the brokers, and how; undefined or false for plain TCP. */
  tls: boolean | TlsOptions | undefined;
  /** SASL credentials; undefined for none. */
  sasl: SaslOptions | undefined;
  /** TCP/TLS setup timeout (ms). */
  connectTimeoutMs: number;
  /** Request timeout (ms). */
  requestTimeoutMs: number;
  /** Requests in flight per connection. */
  maxInFlight: number;
  /** First reconnect backoff (ms); it doubles per failure. Java: `reconnect.backoff.ms`. */
  reconnectBackoffMs: number;
  /** Longest reconnect backoff (ms). Java: `reconnect.backoff.max.ms`. */
  reconnectBackoffMaxMs: number;
  /**
   * `"rebootstrap"`: when no known broker can be reached, start again from the
   * bootstrap addresses; `"none"`: once brokers are known, ask only them (Java's
   * `metadata.recovery.strategy`). Rebootstrap when absent.
   */
  metadataRecovery?: "rebootstrap" | "none";
  /** Told of each rebootstrap and why (for the log). */
  onRebootstrap?: (reason: string) => void;
  /** Where the connections' timers (and re-authentication's) come from; the global ones if absent. */
  timers?: Timers;
}

/**
 * Opens a connection, negotiates versions and authenticates with SASL when configured;
 * a SASL session with a lifetime is then re-authenticated in place before it ends
 * (KIP-368). A TLS handshake that fails over certificates (either side's) fails with a
 * {@linkcode KafkaAuthenticationError}, not a retriable connection error.
 *
 * @param host The host.
 * @param port The port.
 * @param nodeId The broker id, or -1.
 * @param options Pool options.
 * @param signal Abandons the attempt (the pool closing): the socket is closed.
 * @returns The session.
 */
export async function openBrokerSession(
  host: string,
  port: number,
  nodeId: number,
  options: BrokerPoolOptions,
  signal?: AbortSignal,
): Promise<BrokerSession> {
  const address = formatAddress(host, port);
  const requestLimit = eventHubsRequestLimit(host);
  const { tls, sasl } = options;
  let connection: Connection;
  try {
    connection = await connectBroker({
      ...(signal === undefined ? {} : { signal }),
      host,
      port,
      address,
      clientId: options.clientId,
      connectTimeoutMs: options.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      maxInFlight: options.maxInFlight,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
      ...(requestLimit === undefined ? {} : { requestLimit }),
      ...(options.connect === undefined ? {} : { connect: options.connect }),
      ...(tls ? { tls } : {}),
    });
  } catch (error) {
    throw tlsRefused(error, tls, address);
  }
  // Closing the connection fails whatever request the session is waiting on.
  const abandon = (): void => connection.close();
  signal?.addEventListener("abort", abandon, { once: true });
  try {
    const { versions, features } = await negotiateVersions(connection, { host, port, nodeId });
    if (sasl !== undefined) {
      const lifetimeMs = await authenticate(connection, versions, sasl, address);
      keepAuthenticated(connection, lifetimeMs, {
        versions,
        sasl,
        timers: options.timers ?? globalTimers,
      });
    }
    return { nodeId, address, connection, versions, features };
  } catch (error) {
    connection.close();
    throw tlsRefused(error, tls, address);
  } finally {
    signal?.removeEventListener("abort", abandon);
  }
}

/**
 * Asks a new connection's broker which API versions it supports (ApiVersions v3,
 * again at the version it lists, or v0, on UNSUPPORTED_VERSION) and picks, per API,
 * the highest version both sides speak.
 *
 * @param connection The connection, before any other request.
 * @param broker The broker, for error messages.
 * @returns The version to use per API key, and the finalized features reported.
 * @throws {KafkaError} When ApiVersions fails, or the broker cannot take Produce v3.
 */
async function negotiateVersions(
  connection: Connection,
  broker: { host: string; port: number; nodeId: number },
): Promise<{ versions: Map<number, number>; features: FinalizedFeatures }> {
  const request = { clientSoftwareVersion: CLIENT_VERSION };
  let response: ApiVersionsResponse = await connection.request(
    apiVersionsApi,
    FIRST_API_VERSIONS_VERSION,
    request,
  );
  if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    const version = Math.min(
      apiVersionsFallbackVersion(response),
      FIRST_API_VERSIONS_VERSION - 1,
    );
    response = await connection.request(apiVersionsApi, version, request);
  }
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaError(response.errorCode, {
      message: `ApiVersions request to broker at ${connection.address}`,
    });
  }
  const versions = new Map<number, number>();
  for (const api of apiList) {
    const version = negotiateVersion(api, response.apiKeys);
    if (version !== null) versions.set(api.key, version);
  }
  // A broker that cannot take record batch v2 is refused here, with a clear error.
  versions.set(ApiKey.Produce, requireVersion(produceApi, response.apiKeys, broker));
  const levels = new Map<string, number>();
  for (const f of response.finalizedFeatures) levels.set(f.name, f.maxVersionLevel);
  return { versions, features: { epoch: response.finalizedFeaturesEpoch, levels } };
}

/**
 * A TLS handshake that failed over certificates (either side's), as the
 * non-retriable {@linkcode KafkaAuthenticationError} it is; any other error as it is.
 */
function tlsRefused(
  error: unknown,
  tls: boolean | TlsOptions | undefined,
  address: string,
): unknown {
  if (!tls || error instanceof KafkaError) return error;
  const failure = tlsFailure(error, typeof tls === "object" && tls.cert !== undefined);
  if (failure === undefined) return error;
  return new KafkaAuthenticationError(
    `Cannot authenticate with TLS to broker at ${address} as ${failure.reason}`,
    { address, mechanism: "TLS", cause: error },
  );
}

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
    const s = state;
    const wait = Math.max(0, s.retryAtMs - Date.now());
    const opening = s.opening = formatAddress(broker.host, broker.port);
    const generation = ++s.generation;
    s.session = (async () => {
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
        s.ready = session;
        s.failures = 0;
        session.connection.closed.then(() => {
          if (s.ready === session) s.ready = null;
          this.#notify(nodeId);
        }, () => {});
        this.#notify(nodeId);
        return session;
      } catch (error) {
        if (s.generation !== generation) throw error;
        s.failures++;
        s.retryAtMs = Date.now() + backoffMs(
          s.failures,
          this.#options.reconnectBackoffMs,
          this.#options.reconnectBackoffMaxMs,
          Math.random,
        );
        this.#notify(nodeId);
        throw error;
      } finally {
        if (s.generation === generation) {
          s.session = null;
          s.opening = null;
        }
      }
    })();
    return s.session;
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
