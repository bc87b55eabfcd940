/**
 * Opening one broker session: the connection, ApiVersions, SASL and its renewal,
 * and certificate refusals told apart from connection failures.
 *
 * @module
 */

import { KafkaAuthenticationError, KafkaError } from "../errors.ts";
import type { BrokerPoolOptions } from "./broker_pool_options.ts";
import { connectBroker, formatAddress } from "./connect_broker.ts";
import type { Connection } from "./connection.ts";
import { eventHubsRequestLimit } from "./event_hubs.ts";
import { type FinalizedFeatures, negotiateVersions } from "./negotiate_versions.ts";
import { keepAuthenticated } from "./reauthentication.ts";
import { authenticate } from "./sasl.ts";
import { tlsFailure } from "./tls_failure.ts";
import { globalTimers } from "./timers.ts";
import type { TlsOptions } from "./transport.ts";

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
 *
 * @example Opening a session to a test broker
 * ```ts
 * import { startTestBroker } from "@webstream/kafka/testing";
 * import { openBrokerSession } from "./open_broker_session.ts";
 *
 * await using broker = await startTestBroker();
 * const [host, port] = broker.bootstrap[0]!.split(":");
 * const session = await openBrokerSession(host!, Number(port), -1, {
 *   bootstrap: [],
 *   clientId: "example",
 *   connect: undefined,
 *   tls: undefined,
 *   sasl: undefined,
 *   connectTimeoutMs: 5_000,
 *   requestTimeoutMs: 5_000,
 *   maxInFlight: 1,
 *   reconnectBackoffMs: 50,
 *   reconnectBackoffMaxMs: 1_000,
 * });
 * session.connection.close();
 * console.log(session.address === broker.bootstrap[0]); // true
 * ```
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
