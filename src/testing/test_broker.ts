/**
 * `startTestBroker()`: a Kafka cluster in the process, on the loopback interface,
 * that real Kafka clients accept. It speaks the real protocol at the versions it
 * advertises, validates what Kafka validates, keeps each partition's log under a byte
 * budget, and lets a test inject faults, move leaders and stop and start brokers.
 *
 * @module
 */

import type { KafkaProtocolError } from "../errors.ts";
import { defaultListen } from "../net/default_listen.ts";
import type { Listener, ListenFunction, ListenTlsOptions } from "../net/listener.ts";
import { BrokerConnection } from "./broker_connection.ts";
import { ClusterState, type TopicConfig } from "./cluster_state.ts";
import { Faults } from "./faults.ts";
import type { BrokerSettings } from "./handler.ts";
import { handlers, servedApisOf } from "./handlers.ts";
import { UnsecuredOauthBearer } from "./oauthbearer_server.ts";
import { SaslUsers, TEST_SASL_MECHANISMS, type TestSaslMechanism } from "./sasl_server.ts";
import { decodeStoredBatch, type StoredRecord } from "./stored_records.ts";
import type { ApiVersionRange } from "../protocol/versions.ts";
import type {
  PartitionOffsets,
  RecordsOptions,
  RequestCount,
  TestBroker,
  TestBrokerNode,
  TestBrokerOptions,
  TestSaslOptions,
  TestTopicOptions,
} from "./test_broker_options.ts";
import {
  DEFAULT_MAX_TRANSACTION_TIMEOUT_MS,
  TransactionCoordinator,
} from "./transaction_coordinator.ts";

const DEFAULT_RETENTION_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 1048588;
const DEFAULT_MAX_REQUEST_BYTES = 104857600;

function positiveInt(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot start test broker as ${name} must be an integer >= ${min}: current value is ${value}`,
    );
  }
  return value;
}

function oauthBearerValidator(
  sasl: TestSaslOptions,
  now: () => number,
): UnsecuredOauthBearer {
  const { allowableClockSkewMs = 0, requiredScope = [] } = sasl.oauthBearer ?? {};
  positiveInt(allowableClockSkewMs, "sasl.oauthBearer.allowableClockSkewMs", 0);
  if (
    !Array.isArray(requiredScope) ||
    !requiredScope.every((s) => typeof s === "string" && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s))
  ) {
    throw new TypeError(
      `Cannot start test broker as sasl.oauthBearer.requiredScope must be scope tokens (RFC 6749: printable ASCII, no space, quote or backslash): current value is ${
        JSON.stringify(requiredScope)
      }`,
    );
  }
  return new UnsecuredOauthBearer({ allowableClockSkewMs, requiredScope: [...requiredScope], now });
}

/** The settings a topic gets unless it says otherwise. */
function topicDefaults(
  options: TestBrokerOptions,
  brokerCount: number,
): Omit<TopicConfig, "partitions"> {
  const replicationFactor = options.replicationFactor ?? Math.min(3, brokerCount);
  positiveInt(replicationFactor, "replicationFactor");
  if (replicationFactor > brokerCount) {
    throw new RangeError(
      `Cannot start test broker as replicationFactor must be at most brokers (${brokerCount}): current value is ${replicationFactor}`,
    );
  }
  const defaults = {
    replicationFactor,
    retentionBytes: options.retentionBytes ?? DEFAULT_RETENTION_BYTES,
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  };
  if (defaults.retentionBytes !== -1) positiveInt(defaults.retentionBytes, "retentionBytes");
  positiveInt(defaults.maxMessageBytes, "maxMessageBytes");
  return defaults;
}

/** The SASL mechanisms offered: none without SASL, all by default with it. */
function saslMechanisms(sasl: TestSaslOptions | undefined): TestSaslMechanism[] {
  const mechanisms = sasl === undefined ? [] : [...(sasl.mechanisms ?? TEST_SASL_MECHANISMS)];
  for (const m of mechanisms) {
    if (!TEST_SASL_MECHANISMS.includes(m)) {
      throw new TypeError(
        `Cannot start test broker as a SASL mechanism must be one of ${
          TEST_SASL_MECHANISMS.join(", ")
        }: current value is ${m}`,
      );
    }
  }
  if (sasl !== undefined && mechanisms.length === 0) {
    throw new TypeError("Cannot start test broker with SASL as no mechanism is enabled");
  }
  return mechanisms;
}

/** Whose API versions are served, and the `transaction.version` level, checked. */
function protocolSettings(
  options: TestBrokerOptions,
): Pick<BrokerSettings, "kafkaVersion" | "transactionVersion"> {
  const kafkaVersion = options.kafkaVersion ?? "4.3";
  if (kafkaVersion !== "4.3" && kafkaVersion !== "3.9") {
    throw new TypeError(
      `Cannot start test broker as kafkaVersion must be "4.3" or "3.9": current value is ${kafkaVersion}`,
    );
  }
  const transactionVersion = options.transactionVersion ?? (kafkaVersion === "3.9" ? 0 : 2);
  if (
    ![0, 1, 2].includes(transactionVersion) ||
    (kafkaVersion === "3.9" && transactionVersion !== 0)
  ) {
    throw new RangeError(
      `Cannot start test broker as transactionVersion must be 0, 1 or 2 (0 with Kafka 3.9): current value is ${transactionVersion}`,
    );
  }
  return { kafkaVersion, transactionVersion };
}

/** What the handlers read, checked. */
function brokerSettings(
  options: TestBrokerOptions,
  defaults: Omit<TopicConfig, "partitions">,
  now: () => number,
): BrokerSettings {
  const sasl = options.sasl;
  const mechanisms = saslMechanisms(sasl);
  const sessionLifetimeMs = positiveInt(
    sasl?.sessionLifetimeMs ?? 0,
    "sasl.sessionLifetimeMs",
    0,
  );
  return {
    ...protocolSettings(options),
    featuresEpoch: 1n,
    autoCreateTopics: options.autoCreateTopics ?? false,
    defaultTopic: {
      partitions: positiveInt(options.defaultPartitions ?? 1, "defaultPartitions"),
      ...defaults,
    },
    timestampAfterMaxMs: options.timestampAfterMaxMs ?? 3_600_000,
    saslMechanisms: mechanisms,
    saslUsers: sasl === undefined ? null : new SaslUsers(sasl.users ?? {}),
    oauthBearer: sasl !== undefined && mechanisms.includes("OAUTHBEARER")
      ? oauthBearerValidator(sasl, now)
      : null,
    sessionLifetimeMs,
  };
}

function randomClusterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").slice(0, 22);
}

class Broker implements TestBroker {
  readonly clusterId: string;
  readonly faults: Faults = new Faults();
  readonly #cluster: ClusterState;
  readonly #coordinator: TransactionCoordinator;
  readonly #settings: BrokerSettings;
  readonly #defaults: Omit<TopicConfig, "partitions">;
  readonly #listen: ListenFunction;
  readonly #tls: ListenTlsOptions | undefined;
  readonly #maxRequestBytes: number;
  readonly #log: ((line: string) => void) | undefined;
  readonly #listeners = new Map<number, Listener>();
  readonly #connections = new Map<number, Set<BrokerConnection>>();
  readonly #served: readonly ApiVersionRange[];
  /** Requests received, by `apiKey:version`. */
  readonly #received = new Map<string, { apiKey: number; version: number; count: number }>();
  #closing: Promise<void> | undefined;

  constructor(options: TestBrokerOptions, brokerCount: number, host: string) {
    this.clusterId = options.clusterId ?? randomClusterId();
    const now = options.now ?? Date.now;
    const ids = Array.from({ length: brokerCount }, (_, i) => ({ id: i + 1, host }));
    this.#cluster = new ClusterState(
      { clusterId: this.clusterId, sequenceRules: options.sequenceRules ?? "kafka-4", now },
      ids,
    );
    this.#coordinator = new TransactionCoordinator(
      this.#cluster,
      options.maxTransactionTimeoutMs ?? DEFAULT_MAX_TRANSACTION_TIMEOUT_MS,
    );
    this.#defaults = topicDefaults(options, brokerCount);
    this.#settings = brokerSettings(options, this.#defaults, now);
    this.#served = servedApisOf(this.#settings.kafkaVersion);
    this.#listen = options.listen ?? defaultListen;
    this.#tls = options.tls;
    this.#maxRequestBytes = positiveInt(
      options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
      "maxRequestBytes",
    );
    this.#log = options.log;
  }

  setTransactionVersion(level: 0 | 1 | 2): void {
    if (![0, 1, 2].includes(level) || (this.#settings.kafkaVersion === "3.9" && level !== 0)) {
      throw new RangeError(
        `Cannot set transaction.version as it must be 0, 1 or 2 (0 with Kafka 3.9): current value is ${level}`,
      );
    }
    if (level === this.#settings.transactionVersion) return;
    this.#settings.transactionVersion = level;
    this.#settings.featuresEpoch++;
  }

  requestCounts(): RequestCount[] {
    return [...this.#received.values()]
      .sort((a, b) => a.apiKey - b.apiKey || a.version - b.version)
      .map((c) => ({ ...c, api: handlers.get(c.apiKey)?.api.name ?? `api ${c.apiKey}` }));
  }

  get bootstrap(): string[] {
    return [...this.#cluster.brokers.values()].map((b) => `${b.host}:${b.port}`);
  }

  get brokers(): readonly TestBrokerNode[] {
    return [...this.#cluster.brokers.values()].map((b) => ({
      id: b.id,
      host: b.host,
      port: b.port,
      running: b.running,
    }));
  }

  createTopic(name: string, partitions: number | TestTopicOptions): void {
    const options = typeof partitions === "number" ? { partitions } : partitions;
    this.#cluster.createTopic(name, {
      partitions: options.partitions,
      replicationFactor: options.replicationFactor ?? this.#defaults.replicationFactor,
      retentionBytes: options.retentionBytes ?? this.#defaults.retentionBytes,
      maxMessageBytes: options.maxMessageBytes ?? this.#defaults.maxMessageBytes,
    });
  }

  #topic(name: string): import("./cluster_state.ts").TopicState {
    const topic = this.#cluster.topics.get(name);
    if (topic === undefined) {
      throw new TypeError(`Cannot find topic as the test broker has none named ${name}`);
    }
    return topic;
  }

  #partition(topic: string, partition: number): import("./cluster_state.ts").PartitionState {
    const found = this.#topic(topic).partitions[partition];
    if (found === undefined) {
      throw new RangeError(
        `Cannot find partition of ${topic} as it has ${
          this.#topic(topic).partitions.length
        } partitions: current value is ${partition}`,
      );
    }
    return found;
  }

  records(topic: string, options: RecordsOptions = {}): StoredRecord[] {
    const t = this.#topic(topic);
    const committed = options.isolation === "read_committed";
    const partitions = options.partition === undefined
      ? t.partitions
      : [this.#partition(topic, options.partition)];
    const out: StoredRecord[] = [];
    for (const p of partitions) {
      const log = p.log;
      const upTo = committed ? log.lastStableOffset : log.logEndOffset;
      const aborted = committed ? log.abortedBetween(log.logStartOffset, upTo) : [];
      for (const batch of log.batches()) {
        if (batch.control || batch.baseOffset >= upTo) continue;
        if (
          committed && batch.transactional &&
          aborted.some((a) =>
            a.producerId === batch.producerId && a.firstOffset <= batch.baseOffset &&
            batch.lastOffset < a.lastOffset
          )
        ) continue;
        out.push(...decodeStoredBatch(batch, t.name, p.index));
      }
    }
    return out;
  }

  offsets(topic: string, partition: number): PartitionOffsets {
    const p = this.#partition(topic, partition);
    return {
      logStartOffset: BigInt(p.log.logStartOffset),
      highWatermark: BigInt(p.log.logEndOffset),
      lastStableOffset: BigInt(p.log.lastStableOffset),
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
    };
  }

  moveLeader(topic: string, partition: number, brokerId: number): void {
    const p = this.#partition(topic, partition);
    if (!p.replicas.includes(brokerId)) {
      throw new RangeError(
        `Cannot move the leader of ${topic}-${partition} as broker ${brokerId} is not one of its replicas ${
          p.replicas.join(", ")
        }`,
      );
    }
    this.#cluster.setLeader(p, brokerId);
  }

  async start(basePort: number): Promise<void> {
    for (const node of this.#cluster.brokers.values()) {
      node.port = basePort === 0 ? 0 : basePort + node.id - 1;
    }
    try {
      for (const id of this.#cluster.brokers.keys()) await this.startBroker(id);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async startBroker(brokerId: number): Promise<void> {
    const node = this.#node(brokerId);
    if (node.running) return;
    const connections = new Set<BrokerConnection>();
    this.#connections.set(brokerId, connections);
    const host = {
      cluster: this.#cluster,
      coordinator: this.#coordinator,
      faults: this.faults,
      node,
      settings: this.#settings,
      served: this.#served,
      received: (apiKey: number, version: number) => {
        const key = `${apiKey}:${version}`;
        const counted = this.#received.get(key);
        if (counted === undefined) this.#received.set(key, { apiKey, version, count: 1 });
        else counted.count++;
      },
      maxRequestBytes: this.#maxRequestBytes,
      onEnd: (connection: BrokerConnection, summary: string) => {
        connections.delete(connection);
        this.#log?.(`broker ${brokerId}: ${summary}`);
      },
      onProtocolError: (error: KafkaProtocolError) => {
        this.#log?.(`broker ${brokerId}: ${error.name}: ${error.message}`);
      },
    };
    const listener = await this.#listen(
      { host: node.host, port: node.port, ...(this.#tls === undefined ? {} : { tls: this.#tls }) },
      ({ transport, remote }) => {
        if (!node.running) {
          transport.close();
          return;
        }
        connections.add(new BrokerConnection(host, transport, remote));
      },
    );
    node.port = listener.port;
    this.#listeners.set(brokerId, listener);
    node.running = true;
    // Partitions with no live leader that list this broker are led by it again.
    for (const topic of this.#cluster.topics.values()) {
      for (const p of topic.partitions) {
        const leader = this.#cluster.brokers.get(p.leader);
        if ((leader === undefined || !leader.running) && p.replicas.includes(brokerId)) {
          if (p.leader !== brokerId) this.#cluster.setLeader(p, brokerId);
        }
      }
    }
    this.#cluster.changed();
  }

  async stopBroker(brokerId: number, options: { keepLeadership?: boolean } = {}): Promise<void> {
    const node = this.#node(brokerId);
    if (!node.running) return;
    node.running = false;
    const listener = this.#listeners.get(brokerId);
    this.#listeners.delete(brokerId);
    const connections = this.#connections.get(brokerId) ?? new Set();
    for (const c of connections) c.close("the broker stopped");
    await listener?.close();
    await Promise.all([...connections].map((c) => c.done));
    if (options.keepLeadership !== true) {
      for (const topic of this.#cluster.topics.values()) {
        for (const p of topic.partitions) {
          if (p.leader !== brokerId) continue;
          const next = p.replicas.find((r) =>
            r !== brokerId && this.#cluster.brokers.get(r)?.running
          );
          this.#cluster.setLeader(p, next ?? -1);
        }
      }
    }
    this.#cluster.changed();
  }

  #node(brokerId: number): import("./cluster_state.ts").BrokerNodeState {
    const node = this.#cluster.brokers.get(brokerId);
    if (node === undefined) {
      throw new RangeError(
        `Cannot find broker as the test cluster has ids 1-${this.#cluster.brokers.size}: current value is ${brokerId}`,
      );
    }
    return node;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const id of this.#cluster.brokers.keys()) {
        await this.stopBroker(id, { keepLeadership: true });
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Starts a test cluster on the loopback interface and creates its topics.
 *
 * @param options Brokers, topics, limits, security and the clock.
 * @returns The running cluster; `close()` or `await using` stops it.
 *
 * @example Producing to it and reading back what was stored
 * ```ts
 * import { startTestBroker } from "@webstream/kafka/testing";
 * import { kafkaSink } from "@webstream/kafka";
 *
 * await using broker = await startTestBroker({ brokers: 3, topics: { events: 6 } });
 * await ReadableStream.from([{ key: "user-1", value: "signed in" }])
 *   .pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "events" }));
 * const [record] = broker.records("events");
 * console.log(new TextDecoder().decode(record!.value!)); // "signed in"
 * ```
 */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const count = positiveInt(options.brokers ?? 1, "brokers");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port + count - 1 > 65535) {
    throw new RangeError(
      `Cannot start test broker as port must be 0 or a port with room for ${count} brokers: current value is ${port}`,
    );
  }
  const broker = new Broker(options, count, options.host ?? "127.0.0.1");
  await broker.start(port);
  for (const [name, topic] of Object.entries(options.topics ?? {})) {
    try {
      broker.createTopic(name, topic);
    } catch (error) {
      await broker.close();
      throw error;
    }
  }
  return broker;
}
