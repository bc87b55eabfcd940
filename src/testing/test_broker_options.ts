/**
 * The options of `startTestBroker()` and the shape of the cluster it returns.
 *
 * @module
 */

import type { ListenFunction, ListenTlsOptions } from "../net/listener.ts";
import type { Faults } from "./faults.ts";
import type { SequenceRules } from "./producer_state.ts";
import type { TestSaslMechanism } from "./sasl_server.ts";
import type { StoredRecord } from "./stored_records.ts";

/** Settings of one topic. */
export interface TestTopicOptions {
  /** How many partitions. */
  partitions: number;
  /**
   * How many replicas Metadata reports (all brokers share one log here).
   *
   * @default {the broker's replicationFactor}
   */
  replicationFactor?: number;
  /**
   * Bytes kept per partition (Kafka's `retention.bytes`); -1 keeps everything.
   *
   * @default {the broker's retentionBytes}
   */
  retentionBytes?: number;
  /**
   * The largest batch accepted (Kafka's `max.message.bytes`).
   *
   * @default {the broker's maxMessageBytes}
   */
  maxMessageBytes?: number;
}

/**
 * SASL on every broker's listener: PLAIN and SCRAM-SHA-256/512 for a table of users, and
 * OAUTHBEARER for any unsigned JWT, checked as Kafka's built-in unsecured validator
 * (`OAuthBearerUnsecuredValidatorCallbackHandler`) checks it, so that a token provider can
 * be tested without a cluster. A session ends at the shorter of its token's `exp` and
 * `sessionLifetimeMs`; the client re-authenticates in place before then (KIP-368).
 *
 * @example A token provider, tested: the producer authenticates with an unsigned JWT
 * ```ts
 * import { createProducer } from "@webstream/kafka";
 * import { startTestBroker, unsecuredJwt } from "@webstream/kafka/testing";
 *
 * await using broker = await startTestBroker({
 *   topics: { events: 1 },
 *   sasl: { mechanisms: ["OAUTHBEARER"] },
 * });
 * await using producer = createProducer({
 *   bootstrap: broker.bootstrap,
 *   topic: "events",
 *   sasl: {
 *     mechanism: "OAUTHBEARER",
 *     token: () => {
 *       const now = Math.floor(Date.now() / 1000);
 *       return Promise.resolve({ value: unsecuredJwt({ sub: "alice", iat: now, exp: now + 300 }) });
 *     },
 *   },
 * });
 * await producer.send({ value: "signed in" });
 * console.log(broker.records("events").length); // 1
 * ```
 *
 * @example A refused token fails the send with SASL_AUTHENTICATION_FAILED
 * ```ts
 * import { createProducer, KafkaError } from "@webstream/kafka";
 * import { startTestBroker, unsecuredJwt } from "@webstream/kafka/testing";
 *
 * await using broker = await startTestBroker({
 *   topics: { events: 1 },
 *   sasl: { mechanisms: ["OAUTHBEARER"], oauthBearer: { requiredScope: ["kafka"] } },
 * });
 * await using producer = createProducer({
 *   bootstrap: broker.bootstrap,
 *   topic: "events",
 *   sasl: {
 *     mechanism: "OAUTHBEARER",
 *     // No "kafka" in its scope: the broker answers insufficient_scope.
 *     token: () => Promise.resolve({ value: unsecuredJwt({ sub: "alice", exp: 4102444800 }) }),
 *   },
 * });
 * const error = await producer.send({ value: "x" }).then(() => null, (e: Error) => e);
 * const refused = error instanceof KafkaError ? error : error?.cause;
 * console.log(refused instanceof KafkaError && refused.name); // "SASL_AUTHENTICATION_FAILED"
 * ```
 */
export interface TestSaslOptions {
  /**
   * User names and passwords (PLAIN and SCRAM).
   *
   * @default {{}}
   */
  users?: Readonly<Record<string, string>>;
  /**
   * The mechanisms offered.
   *
   * @default {["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]}
   */
  mechanisms?: readonly TestSaslMechanism[];
  /**
   * The longest a session lasts, in ms (Kafka's `connections.max.reauth.ms`); an
   * OAUTHBEARER session ends sooner if its token's `exp` comes first. SaslAuthenticate
   * v1+ tells the client (`sessionLifetimeMs`), so it can re-authenticate in place
   * (KIP-368: SaslHandshake and SaslAuthenticate again on the connection, with the same
   * mechanism and principal, at most once a second); any other request after the
   * session ended closes the connection. 0: no limit (and, as in Kafka, a session
   * without end cannot re-authenticate).
   *
   * @default {0}
   */
  sessionLifetimeMs?: number;
  /**
   * How OAUTHBEARER tokens are checked.
   *
   * @default {{}}
   */
  oauthBearer?: TestOauthBearerOptions;
}

/**
 * The checks of OAUTHBEARER tokens: the options of Kafka's unsecured validator. Whatever
 * they are, a token must be an unsigned JWT (`{"alg":"none"}`, empty signature) with a
 * string `sub` (the principal) and a numeric `exp`, and a numeric `iat` if it has one.
 */
export interface TestOauthBearerOptions {
  /**
   * How far the broker's clock may be past a token's `exp`, or behind its `iat`, in ms
   * (Kafka's `unsecuredValidatorAllowableClockSkewMs`).
   *
   * @default {0}
   */
  allowableClockSkewMs?: number;
  /**
   * Scopes a token must all have in its `scope` claim (a space-separated string or a
   * list); one missing is refused with `insufficient_scope` (Kafka's
   * `unsecuredValidatorRequiredScope`).
   *
   * @default {[]}
   */
  requiredScope?: readonly string[];
}

/** Options of {@link startTestBroker}. */
export interface TestBrokerOptions {
  /**
   * How many brokers (ids 1 to N), each on its own port.
   *
   * @default {1}
   */
  brokers?: number;
  /**
   * Topics to create: a partition count, or settings.
   *
   * @default {{}}
   */
  topics?: Readonly<Record<string, number | TestTopicOptions>>;
  /**
   * Whether Metadata creates a topic a client asks for (when the client allows it).
   * Off, so a test sees a missing topic as a missing topic (Kafka's own default is on;
   * managed clusters turn it off).
   *
   * @default {false}
   */
  autoCreateTopics?: boolean;
  /**
   * Partitions of an auto-created topic (Kafka's `num.partitions`).
   *
   * @default {1}
   */
  defaultPartitions?: number;
  /**
   * Replicas Metadata reports per partition.
   *
   * @default {min(3, brokers)}
   */
  replicationFactor?: number;
  /**
   * Bytes kept per partition: past it the oldest batches are dropped and the log start
   * offset moves, so a long run stays bounded. -1 keeps everything.
   *
   * @default {67108864}
   */
  retentionBytes?: number;
  /**
   * The largest batch accepted (Kafka's `max.message.bytes`).
   *
   * @default {1048588}
   */
  maxMessageBytes?: number;
  /**
   * The largest request frame accepted (Kafka's `socket.request.max.bytes`); a larger
   * one closes the connection.
   *
   * @default {104857600}
   */
  maxRequestBytes?: number;
  /**
   * How far ahead of the broker's clock a record's timestamp may be (Kafka's
   * `message.timestamp.after.max.ms`).
   *
   * @default {3600000}
   */
  timestampAfterMaxMs?: number;
  /**
   * The longest transaction timeout a producer may ask (Kafka's `transaction.max.timeout.ms`).
   *
   * @default {900000}
   */
  maxTransactionTimeoutMs?: number;
  /**
   * Whose API versions the brokers advertise and serve: Kafka 4.3's, or Kafka 3.9's
   * (Produce up to v11, Fetch v17, ListOffsets v9, Metadata v12, EndTxn v4, and no
   * `transaction.version` feature), for clients that must fall back.
   *
   * @default {"4.3"}
   */
  kafkaVersion?: TestKafkaVersion;
  /**
   * The level of the `transaction.version` feature the cluster finalizes, as
   * `kafka-storage format --feature transaction.version=N` sets it: 2, a new Kafka
   * 4.x cluster's, serves transactions v2 (KIP-890 part 2: a transactional Produce
   * v12+ adds its partition to the transaction, EndTxn v5 bumps the epoch at every
   * transaction end); 1 or 0 only the classic protocol. Kafka 3.9 knows none.
   *
   * @default {2 (0 with kafkaVersion "3.9")}
   */
  transactionVersion?: 0 | 1 | 2;
  /**
   * Sequence rules: `"kafka-4"` (Kafka 2.5+), or `"kafka-2.4"`, whose brokers answer
   * UNKNOWN_PRODUCER_ID and DUPLICATE_SEQUENCE_NUMBER where newer ones accept or say
   * OUT_OF_ORDER_SEQUENCE_NUMBER.
   *
   * @default {"kafka-4"}
   */
  sequenceRules?: SequenceRules;
  /**
   * The address to listen on and advertise.
   *
   * @default {"127.0.0.1"}
   */
  host?: string;
  /**
   * The first broker's port; broker N listens on `port + N - 1`. 0 lets the system
   * pick a free port for each.
   *
   * @default {0}
   */
  port?: number;
  /**
   * The cluster id Metadata reports.
   *
   * @default {a random 22-character id}
   */
  clusterId?: string;
  /**
   * Serve TLS with this certificate (PEM).
   *
   * @default {undefined}
   */
  tls?: ListenTlsOptions;
  /**
   * Require SASL authentication.
   *
   * @default {undefined}
   */
  sasl?: TestSaslOptions;
  /**
   * The broker's clock (transaction timeouts, SASL sessions and tokens, timestamps), in ms.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * Opens the listening sockets.
   *
   * @default {the runtime's own}
   */
  listen?: ListenFunction;
  /**
   * Called with one line per connection when it ends (peer, why, requests by API and
   * version), and with protocol errors; silent by default.
   *
   * @default {undefined}
   */
  log?: (line: string) => void;
}

/** Whose API versions a test broker advertises. */
export type TestKafkaVersion = "4.3" | "3.9";

/** How many requests of one API at one version a test cluster received. */
export interface RequestCount {
  /** The API key (0 Produce, 24 AddPartitionsToTxn, 26 EndTxn, ...). */
  readonly apiKey: number;
  /** The API's name, as Kafka's protocol guide spells it. */
  readonly api: string;
  /** The request version. */
  readonly version: number;
  /** How many, on every broker and connection since the cluster started. */
  readonly count: number;
}

/** A broker of a test cluster. */
export interface TestBrokerNode {
  /** The broker id. */
  readonly id: number;
  /** The host it listens on. */
  readonly host: string;
  /** The port it listens on (kept across stop and start). */
  readonly port: number;
  /** Whether it is up. */
  readonly running: boolean;
}

/** Options of {@link TestBroker.records}. */
export interface RecordsOptions {
  /**
   * Only this partition.
   *
   * @default {every partition}
   */
  partition?: number;
  /**
   * `"read_committed"` leaves out aborted records and those of open transactions.
   *
   * @default {"read_uncommitted"}
   */
  isolation?: "read_committed" | "read_uncommitted";
}

/** Where a partition's log stands. */
export interface PartitionOffsets {
  /** The first offset still stored. */
  logStartOffset: bigint;
  /** The offset the next record gets. */
  highWatermark: bigint;
  /** Offsets below it belong to no open transaction. */
  lastStableOffset: bigint;
  /** The current leader's id, or -1. */
  leader: number;
  /** The leader epoch. */
  leaderEpoch: number;
}

/** A running test cluster; `await using` stops it. */
export interface TestBroker extends AsyncDisposable {
  /** Every broker's `host:port`, for a client's bootstrap list. */
  readonly bootstrap: string[];
  /** The brokers. */
  readonly brokers: readonly TestBrokerNode[];
  /** The cluster id. */
  readonly clusterId: string;
  /** Faults to inject. */
  readonly faults: Faults;
  /**
   * Finalizes another `transaction.version` level, as Kafka's `kafka-features
   * upgrade` / `downgrade` does: ApiVersions reports it (under a newer features
   * epoch) from now on, so clients see it on their next connections.
   *
   * @param level 0, 1 or 2 (0 only, with Kafka 3.9).
   */
  setTransactionVersion(level: 0 | 1 | 2): void;
  /**
   * The requests the brokers received, by API and version (every request, served or
   * refused), in API key then version order.
   *
   * @returns The counts.
   */
  requestCounts(): RequestCount[];
  /**
   * Creates a topic.
   *
   * @param name The name.
   * @param partitions A partition count, or settings.
   */
  createTopic(name: string, partitions: number | TestTopicOptions): void;
  /**
   * The records stored in a topic, by partition then offset; control records (transaction
   * markers) are left out.
   *
   * @param topic The topic.
   * @param options One partition, and the isolation level.
   * @returns The records.
   */
  records(topic: string, options?: RecordsOptions): StoredRecord[];
  /**
   * Where a partition's log stands.
   *
   * @param topic The topic.
   * @param partition The partition.
   * @returns Its offsets, leader and epoch.
   */
  offsets(topic: string, partition: number): PartitionOffsets;
  /**
   * Moves a partition's leadership to another broker (a new leader epoch begins): the
   * old leader answers NOT_LEADER_OR_FOLLOWER from now on.
   *
   * @param topic The topic.
   * @param partition The partition.
   * @param brokerId The new leader, one of the partition's replicas.
   */
  moveLeader(topic: string, partition: number, brokerId: number): void;
  /**
   * Stops a broker: its listener and connections close. Partitions it led move to
   * another live replica, as Kafka's controller would elect one, unless
   * `keepLeadership` leaves them led by the stopped broker (clients must wait for it).
   *
   * @param brokerId The broker.
   * @param options Whether leadership stays.
   * @returns A promise that resolves once its port is free.
   */
  stopBroker(brokerId: number, options?: { keepLeadership?: boolean }): Promise<void>;
  /**
   * Starts a stopped broker again on its port; partitions that have no live leader
   * and list it as a replica are led by it again.
   *
   * @param brokerId The broker.
   * @returns A promise that resolves once it listens.
   */
  startBroker(brokerId: number): Promise<void>;
  /**
   * Stops every broker and frees their ports.
   *
   * @returns A promise that resolves once all is closed.
   */
  close(): Promise<void>;
}
