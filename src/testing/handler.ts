/**
 * What a request handler of the test broker is: the API it serves and the versions
 * it advertises, a function from the decoded request to the response, and the
 * response that carries an injected error code. Also the context a handler runs in
 * and the partition checks several handlers share.
 *
 * @module
 */

import type { ServerApi } from "../protocol/api.ts";
import type { ApiVersionRange } from "../protocol/versions.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import {
  type BrokerNodeState,
  type ClusterState,
  hexOf,
  type PartitionState,
  type TopicConfig,
  type TopicState,
} from "./cluster_state.ts";
import type { Faults } from "./faults.ts";
import type { UnsecuredOauthBearer } from "./oauthbearer_server.ts";
import type { SaslExchange, SaslUsers, TestSaslMechanism } from "./sasl_server.ts";
import type { TransactionCoordinator } from "./transaction_coordinator.ts";

/** Broker settings the handlers read. */
export interface BrokerSettings {
  /** Whether Metadata creates unknown topics a client asks to create. */
  autoCreateTopics: boolean;
  /** The settings of an auto-created topic. */
  defaultTopic: TopicConfig;
  /** `message.timestamp.after.max.ms`. */
  timestampAfterMaxMs: number;
  /** The SASL mechanisms offered, empty when SASL is off. */
  saslMechanisms: readonly TestSaslMechanism[];
  /** The users SASL accepts, or null when SASL is off. */
  saslUsers: SaslUsers | null;
  /** The OAUTHBEARER validator, or null when OAUTHBEARER is off. */
  oauthBearer: UnsecuredOauthBearer | null;
  /** The longest a SASL session lasts (`connections.max.reauth.ms`; 0: no limit). */
  sessionLifetimeMs: number;
  /** Whose API versions are advertised. */
  kafkaVersion: "4.3" | "3.9";
  /** The finalized `transaction.version` level (2: transactions v2 are served). */
  transactionVersion: number;
  /** The epoch of the finalized features, one more at each change. */
  featuresEpoch: bigint;
}

/** The state of one connection that handlers may change. */
export interface ConnectionSession {
  /**
   * `"none"` without SASL; else where the authentication stands: `"authenticate"` takes
   * SaslAuthenticate requests, `"raw"` (after a SaslHandshake v0) bare size-prefixed tokens.
   */
  sasl: "none" | "handshake" | "authenticate" | "raw" | "done";
  /** The mechanism chosen by SaslHandshake. */
  mechanism: TestSaslMechanism | null;
  /** The authentication in progress. */
  exchange: SaslExchange | null;
  /** The authenticated user (the principal). */
  user: string | null;
  /** When the SASL session ends (ms since the epoch), Infinity for never. */
  sessionExpiresMs: number;
  /** The session being renewed (KIP-368) while a re-authentication runs, else null. */
  reauthenticating: { readonly mechanism: TestSaslMechanism; readonly user: string } | null;
  /** When the last re-authentication began (ms since the epoch), or null. */
  lastReauthenticationMs: number | null;
  /** Why the authentication failed, for the connection's log line; never a secret. */
  failure: string | null;
  /** Set by a handler to close the connection once its response is written. */
  closeAfterResponse: boolean;
}

/** What a handler runs with. */
export interface BrokerContext {
  /** The cluster model. */
  readonly cluster: ClusterState;
  /** The transaction coordinator. */
  readonly coordinator: TransactionCoordinator;
  /** The faults to consume. */
  readonly faults: Faults;
  /** The broker the request came to. */
  readonly node: BrokerNodeState;
  /** The broker settings. */
  readonly settings: BrokerSettings;
  /** The connection's state. */
  readonly session: ConnectionSession;
  /** The request's API version. */
  readonly version: number;
  /** Aborted when the connection or the broker closes (ends Fetch waits). */
  readonly signal: AbortSignal;
  /** What ApiVersions advertises: every served API and its versions. */
  readonly served: readonly ApiVersionRange[];
  /**
   * Runs `action` once the response is encoded, or the request ends without one
   * (Fetch unpins the log segments its answer points into).
   */
  readonly defer: (action: () => void) => void;
}

/** A handler for one API. */
export interface RequestHandler<Req, Res> {
  /** The API's codecs. */
  readonly api: ServerApi<Req, Res>;
  /** The oldest version served. */
  readonly minVersion: number;
  /** The newest version served. */
  readonly maxVersion: number;
  /**
   * Whether injected errors are put on partitions by the handler itself; otherwise
   * the connection answers with {@link RequestHandler.errorResponse}.
   */
  readonly partitioned: boolean;
  /**
   * Serves a request.
   *
   * @param ctx The context.
   * @param request The decoded request.
   * @returns The response, or null when none is sent (Produce with acks 0).
   */
  handle(ctx: BrokerContext, request: Req): Res | null | Promise<Res | null>;
  /**
   * The response that answers a request with an error code (injected faults).
   *
   * @param ctx The context.
   * @param request The decoded request.
   * @param code The error code.
   * @returns The response.
   */
  errorResponse(ctx: BrokerContext, request: Req, code: number): Res;
}

/** A handler of any API, as the connection holds them. */
// deno-lint-ignore no-explicit-any
export type AnyRequestHandler = RequestHandler<any, any>;

/**
 * Why a request for a partition cannot be served by this broker, if so. A broker that
 * does not lead a partition says so even when none does (Metadata is where
 * LEADER_NOT_AVAILABLE is reported), as Kafka's brokers do.
 *
 * @param ctx The context.
 * @param partition The partition.
 * @returns NOT_LEADER_OR_FOLLOWER, or 0.
 */
export function leadershipError(ctx: BrokerContext, partition: PartitionState): number {
  return partition.leader === ctx.node.id ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}

/**
 * Checks a client's leader epoch (KIP-320), -1 meaning "do not check".
 *
 * @param requested The epoch the client sent.
 * @param partition The partition.
 * @returns FENCED_LEADER_EPOCH (older), UNKNOWN_LEADER_EPOCH (newer), or 0.
 */
export function leaderEpochError(requested: number, partition: PartitionState): number {
  if (requested < 0) return ErrorCode.NONE;
  const current = partition.leaderEpoch;
  if (requested < current) return ErrorCode.FENCED_LEADER_EPOCH;
  if (requested > current) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  return ErrorCode.NONE;
}

/**
 * The current leader of a partition and its address, for KIP-951 hints.
 *
 * @param ctx The context.
 * @param partition The partition.
 * @returns The leader id and epoch, and its endpoint when it is up.
 */
export function leaderHint(
  ctx: BrokerContext,
  partition: PartitionState,
): {
  leader: { leaderId: number; leaderEpoch: number };
  endpoint: { nodeId: number; host: string; port: number; rack: null } | null;
} {
  const node = ctx.cluster.brokers.get(partition.leader);
  return {
    leader: { leaderId: partition.leader, leaderEpoch: partition.leaderEpoch },
    endpoint: node === undefined || !node.running
      ? null
      : { nodeId: node.id, host: node.host, port: node.port, rack: null },
  };
}

/**
 * Maps an error code to what an older version of an API can carry: PRODUCER_FENCED
 * came with InitProducerId v4, AddPartitionsToTxn v2 and EndTxn v2; before, Kafka
 * answers INVALID_PRODUCER_EPOCH.
 *
 * @param code The code.
 * @param version The request version.
 * @param fencedFrom The first version that knows PRODUCER_FENCED.
 * @returns The code to send.
 */
export function fencedCode(code: number, version: number, fencedFrom: number): number {
  return code === ErrorCode.PRODUCER_FENCED && version < fencedFrom
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : code;
}

/** A topic as Produce and Fetch ask for it: by id from v13, by name before. */
export interface AskedTopic {
  /** The name ("" from v13). */
  readonly name: string;
  /** The id (v13+). */
  readonly topicId?: Uint8Array | undefined;
  /** The partition indexes asked. */
  readonly partitions: readonly number[];
}

/** The all-zero topic id: none (a topic named by name, or not found). */
export const NO_TOPIC_ID: Uint8Array = new Uint8Array(16);

/**
 * Finds the topics a Produce or Fetch request names, and takes the faults injected on
 * its partitions.
 *
 * @param ctx The context.
 * @param apiKey The request's API.
 * @param asked The topics, in request order.
 * @returns Each topic (undefined when unknown) and the injected error codes, by
 * {@link partitionKey}.
 */
export function resolveTopics(
  ctx: BrokerContext,
  apiKey: number,
  asked: readonly AskedTopic[],
): { topics: (TopicState | undefined)[]; injected: Map<string, number> } {
  const byId = ctx.version >= 13;
  const cluster = ctx.cluster;
  const topics = asked.map((t) =>
    byId ? cluster.topicsById.get(hexOf(t.topicId ?? NO_TOPIC_ID)) : cluster.topics.get(t.name)
  );
  const injected = ctx.faults.takePartitionErrors(
    apiKey,
    ctx.node.id,
    asked.flatMap((t, i) =>
      t.partitions.map((partition) => ({ topic: topics[i]?.name ?? t.name, partition }))
    ),
  );
  return { topics, injected };
}
