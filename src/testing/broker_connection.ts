/**
 * One client connection to a test broker: size-prefixed frames in, one request at a
 * time (Kafka answers a connection's requests in order), the request header and
 * body decoded by the API's broker-side codec, the handler run, the response framed
 * and written. Whatever a client sends, the broker never crashes or hangs on it: a
 * frame that is too large, a header or body that does not decode, an API or version
 * not served, or a request out of turn during SASL closes the connection (as Kafka
 * does) and is reported with a typed {@link KafkaProtocolError}; the broker goes on.
 * Memory per connection is bounded by the largest frame accepted.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import { apiVersionsApi } from "../protocol/api_versions.ts";
import {
  readRequestHeader,
  type RequestHeader,
  responseHeaderIsFlexible,
  writeResponseHeader,
} from "../protocol/headers.ts";
import { Reader } from "../protocol/reader.ts";
import type { ApiVersionRange } from "../protocol/versions.ts";
import { Writer } from "../protocol/writer.ts";
import type { Transport } from "../net/transport.ts";
import { ByteQueue } from "./byte_queue.ts";
import type { BrokerNodeState, ClusterState } from "./cluster_state.ts";
import type { DropPoint, Faults } from "./faults.ts";
import type {
  AnyRequestHandler,
  BrokerContext,
  BrokerSettings,
  ConnectionSession,
} from "./handler.ts";
import { handlers } from "./handlers.ts";
import { unsupportedApiVersions } from "./handlers/api_versions.ts";
import { completeAuthentication } from "./handlers/sasl_authenticate.ts";
import { mayReauthenticate } from "./handlers/sasl_handshake.ts";
import type { TransactionCoordinator } from "./transaction_coordinator.ts";

/** What a connection needs from its broker. */
export interface ConnectionHost {
  /** The cluster model. */
  readonly cluster: ClusterState;
  /** The transaction coordinator. */
  readonly coordinator: TransactionCoordinator;
  /** The faults. */
  readonly faults: Faults;
  /** The broker. */
  readonly node: BrokerNodeState;
  /** The broker settings. */
  readonly settings: BrokerSettings;
  /** What ApiVersions advertises, and the only versions served. */
  readonly served: readonly ApiVersionRange[];
  /** Counts a request received (served or not). */
  readonly received: (apiKey: number, version: number) => void;
  /** The largest request frame accepted (`socket.request.max.bytes`). */
  readonly maxRequestBytes: number;
  /** Reports a connection that ended, and why, for `--verbose` logs. */
  readonly onEnd: (connection: BrokerConnection, summary: string) => void;
  /** Reports a request that broke the protocol (the connection is closed). */
  readonly onProtocolError: (error: KafkaProtocolError) => void;
}

/** What {@link BrokerConnection} decodes a body to when it did not decode. */
const NOT_DECODED = Symbol("not decoded");

const SASL_APIS = new Set<number>([
  ApiKey.ApiVersions,
  ApiKey.SaslHandshake,
  ApiKey.SaslAuthenticate,
]);

function apiName(key: number): string {
  return handlers.get(key)?.api.name ?? `api ${key}`;
}

function isFlexible(apiKey: number, version: number): boolean {
  const handler = handlers.get(apiKey);
  return handler !== undefined && version >= handler.api.flexibleFrom;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A response frame: size, header and body. */
function encodeFrame<Res>(
  correlationId: number,
  flexibleHeader: boolean,
  version: number,
  response: Res,
  encode: (w: Writer, version: number, response: Res) => void,
): Uint8Array {
  const w = new Writer();
  const at = w.reserve(4);
  writeResponseHeader(w, correlationId, flexibleHeader);
  encode(w, version, response);
  w.patchInt32(at, w.length - 4);
  return w.bytes();
}

/** A client connection being served. */
export class BrokerConnection {
  /** The peer, `host:port`. */
  readonly remote: string;
  /** Resolves once the connection ended and its socket is released. */
  readonly done: Promise<void>;
  readonly #host: ConnectionHost;
  readonly #transport: Transport;
  readonly #abort = new AbortController();
  readonly #session: ConnectionSession;
  readonly #counts = new Map<string, number>();
  #reason = "the client closed it";
  readonly #reads = new ByteQueue();

  /**
   * Starts serving an accepted connection.
   *
   * @param host The broker.
   * @param transport The connection.
   * @param remote The peer's address, for logs.
   */
  constructor(host: ConnectionHost, transport: Transport, remote: string) {
    this.#host = host;
    this.#transport = transport;
    this.remote = remote;
    const sasl = host.settings.saslMechanisms.length > 0;
    this.#session = {
      sasl: sasl ? "handshake" : "none",
      mechanism: null,
      exchange: null,
      user: null,
      sessionExpiresMs: Infinity,
      reauthenticating: null,
      lastReauthenticationMs: null,
      failure: null,
      closeAfterResponse: false,
    };
    this.done = this.#serve();
  }

  /**
   * Closes the connection (the broker stops, or a fault drops it).
   *
   * @param reason Why, for the log line.
   */
  close(reason = "the broker closed it"): void {
    if (this.#abort.signal.aborted) return;
    this.#reason = reason;
    this.#abort.abort();
    this.#transport.close();
  }

  async #serve(): Promise<void> {
    const reader = this.#transport.readable.getReader();
    try {
      while (!this.#abort.signal.aborted) {
        const sizeBytes = await this.#reads.take(reader, 4);
        if (sizeBytes === null) break;
        const size = new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 4).getInt32(0);
        if (size < 0 || size > this.#host.maxRequestBytes) {
          this.#refuse(
            new KafkaProtocolError(
              `Cannot read request from ${this.remote} as its size ${size} is outside 0-${this.#host.maxRequestBytes} bytes`,
            ),
          );
          break;
        }
        const frame = await this.#reads.take(reader, size, true);
        if (frame === null) {
          if (!this.#abort.signal.aborted) this.#reason = "the client closed it mid-request";
          break;
        }
        if (this.#session.sasl === "raw") await this.#rawToken(frame);
        else await this.#handle(frame);
      }
    } catch (error) {
      if (!this.#abort.signal.aborted) {
        this.#reason = error instanceof KafkaProtocolError
          ? error.message
          : `an internal error: ${String(error)}`;
      }
    } finally {
      reader.releaseLock();
      this.#abort.abort();
      this.#transport.close();
      await this.#transport.closed;
      this.#host.onEnd(this, this.#summary());
    }
  }

  #refuse(error: KafkaProtocolError): void {
    this.#host.onProtocolError(error);
    this.close(error.message);
  }

  async #handle(frame: Uint8Array): Promise<void> {
    const r = new Reader(frame);
    const header = this.#readHeader(r);
    if (header === null) return;
    const { apiKey, apiVersion: version, correlationId } = header;
    const handler = handlers.get(apiKey);
    const label = `${apiName(apiKey)} v${version}`;
    this.#counts.set(label, (this.#counts.get(label) ?? 0) + 1);
    this.#host.received(apiKey, version);
    if (handler === undefined) {
      this.#refuse(
        new KafkaProtocolError(
          `Cannot serve API key ${apiKey} from ${this.remote}: the test broker does not implement it`,
        ),
      );
      return;
    }
    const range = this.#host.served.find((r) => r.apiKey === apiKey);
    const served = {
      minVersion: range?.minVersion ?? handler.minVersion,
      maxVersion: range?.maxVersion ?? handler.maxVersion,
    };
    if (version < served.minVersion || version > served.maxVersion) {
      await this.#refuseVersion(handler, served, correlationId, label);
      return;
    }
    if (!this.#sessionAllows(apiKey, label)) return;
    const request = this.#decodeBody(r, handler, version, label);
    if (request === NOT_DECODED) return;
    await this.#dispatch(handler, request, label, correlationId, version);
  }

  /**
   * A bare SASL token, after a SaslHandshake v0: the answer is a bare size-prefixed
   * token too; a failure closes the connection with no answer, as Kafka does.
   */
  async #rawToken(token: Uint8Array): Promise<void> {
    const session = this.#session;
    const label = "SASL token (after SaslHandshake v0)";
    this.#counts.set(label, (this.#counts.get(label) ?? 0) + 1);
    const step = await session.exchange!.step(token);
    let reply: Uint8Array;
    if (step.state === "failed") {
      this.close(`${label} failed (${step.reason ?? step.message})`);
      return;
    } else if (step.state === "continue") {
      reply = step.token;
    } else {
      const now = this.#host.cluster.settings.now();
      const completed = completeAuthentication(session, step, now, this.#host.settings);
      if (typeof completed === "string") {
        this.close(`${label} failed (${completed})`);
        return;
      }
      reply = step.token;
    }
    const frame = new Uint8Array(4 + reply.length);
    new DataView(frame.buffer).setInt32(0, reply.length);
    frame.set(reply, 4);
    await this.#write(frame);
  }

  #readHeader(r: Reader): RequestHeader | null {
    try {
      return readRequestHeader(r, isFlexible);
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      this.#refuse(
        new KafkaProtocolError(`Cannot read request header from ${this.remote}: ${error.message}`, {
          cause: error,
        }),
      );
      return null;
    }
  }

  /** Answers a version not served: ApiVersions says which are, anything else closes. */
  async #refuseVersion(
    handler: AnyRequestHandler,
    served: { minVersion: number; maxVersion: number },
    correlationId: number,
    label: string,
  ): Promise<void> {
    if (handler.api.key === ApiKey.ApiVersions) {
      // KIP-511: a v0 body saying which versions are served, readable by any client.
      await this.#write(
        encodeFrame(
          correlationId,
          false,
          0,
          unsupportedApiVersions(served.maxVersion),
          apiVersionsApi.encodeResponse,
        ),
      );
      return;
    }
    this.#refuse(
      new KafkaProtocolError(
        `Cannot serve ${label} from ${this.remote}: the test broker serves v${served.minVersion}-v${served.maxVersion}`,
      ),
    );
  }

  /** Whether SASL lets the request through; if not, the connection is closed. */
  #sessionAllows(apiKey: number, label: string): boolean {
    const session = this.#session;
    if (session.sasl === "none") return true;
    if (session.sasl !== "done" && !SASL_APIS.has(apiKey)) {
      this.#refuse(
        new KafkaProtocolError(
          `Cannot serve ${label} from ${this.remote} before SASL authentication`,
        ),
      );
      return false;
    }
    // Past its session, only a SaslHandshake that begins a re-authentication is taken.
    const now = this.#host.cluster.settings.now();
    if (
      session.sasl === "done" && now > session.sessionExpiresMs &&
      !(apiKey === ApiKey.SaslHandshake && mayReauthenticate(session, now))
    ) {
      this.close(`its SASL session expired (${label} came after it)`);
      return false;
    }
    return true;
  }

  #decodeBody(
    r: Reader,
    handler: AnyRequestHandler,
    version: number,
    label: string,
  ): unknown {
    try {
      const request: unknown = handler.api.decodeRequest(r, version);
      r.end(`${label} request`);
      return request;
    } catch (error) {
      if (!(error instanceof KafkaProtocolError)) throw error;
      this.#refuse(
        new KafkaProtocolError(
          `Cannot read ${label} request from ${this.remote}: ${error.message}`,
          { cause: error },
        ),
      );
      return NOT_DECODED;
    }
  }

  /** Runs the handler with the faults planned for the request, and answers. */
  async #dispatch(
    handler: AnyRequestHandler,
    request: unknown,
    label: string,
    correlationId: number,
    version: number,
  ): Promise<void> {
    const host = this.#host;
    const apiKey = handler.api.key;
    const drop = host.faults.takeDrop(apiKey, host.node.id);
    if (drop === "before") {
      this.close(`a fault dropped it as ${label} arrived`);
      return;
    }
    const delay = host.faults.takeDelay(apiKey, host.node.id);
    const deferred: (() => void)[] = [];
    const ctx: BrokerContext = {
      cluster: host.cluster,
      coordinator: host.coordinator,
      faults: host.faults,
      node: host.node,
      settings: host.settings,
      session: this.#session,
      version,
      signal: this.#abort.signal,
      served: host.served,
      defer: (action) => void deferred.push(action),
    };
    try {
      await this.#serveRequest(ctx, handler, request, label, correlationId, drop, delay, deferred);
    } finally {
      for (const action of deferred.splice(0)) action();
    }
  }

  async #serveRequest(
    ctx: BrokerContext,
    handler: AnyRequestHandler,
    request: unknown,
    label: string,
    correlationId: number,
    drop: DropPoint | undefined,
    delay: number,
    deferred: (() => void)[],
  ): Promise<void> {
    const host = this.#host;
    const apiKey = handler.api.key;
    const version = ctx.version;
    const session = this.#session;
    const injected = handler.partitioned ? undefined : host.faults.takeError(apiKey, host.node.id);
    const response = injected === undefined
      ? await handler.handle(ctx, request)
      : handler.errorResponse(ctx, request, injected);
    if (this.#abort.signal.aborted) return;
    if (drop === "after") {
      this.close(`a fault dropped it after ${label} took effect`);
      return;
    }
    if (response === null) return;
    // Encoded at once: the answer may point into log segments, unpinned right after.
    const flexible = responseHeaderIsFlexible(apiKey, version >= handler.api.flexibleFrom);
    const bytes = encodeFrame(
      correlationId,
      flexible,
      version,
      response,
      handler.api.encodeResponse,
    );
    for (const action of deferred.splice(0)) action();
    if (delay > 0) {
      await sleep(delay, this.#abort.signal);
      if (this.#abort.signal.aborted) return;
    }
    await this.#write(bytes, drop === "mid-response");
    if (session.closeAfterResponse) {
      this.close(`${label} ended it${session.failure === null ? "" : ` (${session.failure})`}`);
    }
  }

  async #write(bytes: Uint8Array, cutHalfway = false): Promise<void> {
    if (cutHalfway) {
      await this.#transport.write(bytes.subarray(0, bytes.length >> 1)).catch(() => {});
      this.close("a fault dropped it halfway through a response");
      return;
    }
    try {
      await this.#transport.write(bytes);
    } catch {
      this.close("the client was gone before its response was written");
    }
  }

  #summary(): string {
    const requests = [...this.#counts].map(([label, n]) => `${label} x${n}`).join(", ");
    const user = this.#session.user === null ? "" : ` (user ${this.#session.user})`;
    return `${this.remote}${user} ended: ${this.#reason}; requests: ${requests || "none"}`;
  }
}
