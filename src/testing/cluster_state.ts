/**
 * The test broker's model of a cluster: its brokers (up or down), its topics with
 * their ids and partitions, and for each partition its leader, replicas, log and
 * producer state. Every broker of a test cluster shares this one model, as if
 * replication were instant; what differs between brokers is who leads what and who
 * is up. Handlers read and change it; waiting Fetch requests are woken when it
 * changes.
 *
 * @module
 */

import { encodeRecordBatch } from "../record/record_batch.ts";
import { PartitionLog, readBatchHeader } from "./partition_log.ts";
import { ProducerStateTable, type SequenceRules } from "./producer_state.ts";

/** Per-topic settings. */
export interface TopicConfig {
  /** How many partitions. */
  partitions: number;
  /** How many replicas Metadata reports per partition. */
  replicationFactor: number;
  /** Bytes kept per partition (`retention.bytes`); -1 for no limit. */
  retentionBytes: number;
  /** The largest batch accepted (`max.message.bytes`). */
  maxMessageBytes: number;
}

/** One broker of the cluster. */
export interface BrokerNodeState {
  /** The broker id. */
  readonly id: number;
  /** The host it advertises. */
  readonly host: string;
  /** The port it advertises (known once its listener is bound). */
  port: number;
  /** Whether it is up. */
  running: boolean;
}

/** One partition. */
export class PartitionState {
  /** Its topic. */
  readonly topic: TopicState;
  /** Its index. */
  readonly index: number;
  /** Its replicas, the preferred leader first. */
  readonly replicas: readonly number[];
  /** The leader's broker id, or -1 when no replica is up. */
  leader: number;
  /** The log. */
  readonly log: PartitionLog;
  /** The idempotence state. */
  readonly producers: ProducerStateTable;

  /**
   * Makes a partition.
   *
   * @param topic Its topic.
   * @param index Its index.
   * @param replicas Its replicas, preferred leader first.
   * @param rules The sequence rules of its producer state.
   */
  constructor(topic: TopicState, index: number, replicas: readonly number[], rules: SequenceRules) {
    this.topic = topic;
    this.index = index;
    this.replicas = replicas;
    this.leader = replicas[0] ?? -1;
    this.log = new PartitionLog(topic.config.retentionBytes);
    this.producers = new ProducerStateTable(rules);
  }

  /** The leader epoch. */
  get leaderEpoch(): number {
    return this.log.leaderEpoch;
  }

  /**
   * Appends a validated batch and applies retention to the producer state too.
   *
   * @param bytes The batch.
   * @returns The base offset it got.
   */
  append(bytes: Uint8Array): number {
    const before = this.log.logStartOffset;
    const offset = this.log.append(bytes, readBatchHeader(bytes));
    if (this.log.logStartOffset !== before) this.producers.evictBefore(this.log.logStartOffset);
    return offset;
  }
}

/** One topic. */
export class TopicState {
  /** The name. */
  readonly name: string;
  /** The topic id. */
  readonly id: Uint8Array;
  /** The id as hex, for lookups. */
  readonly idKey: string;
  /** The settings. */
  readonly config: TopicConfig;
  /** The partitions. */
  readonly partitions: PartitionState[] = [];

  /**
   * Makes a topic.
   *
   * @param name The name.
   * @param id The topic id (16 bytes, not all zero).
   * @param config The settings.
   */
  constructor(name: string, id: Uint8Array, config: TopicConfig) {
    this.name = name;
    this.id = id;
    this.idKey = hexOf(id);
    this.config = config;
  }
}

/**
 * Lower-case hex of bytes, as topic ids are looked up.
 *
 * @param bytes The bytes.
 * @returns The hex.
 */
export function hexOf(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Kafka's topic name rule: 1-249 of `[a-zA-Z0-9._-]`, not "." or "..". */
export function validTopicName(name: string): boolean {
  return /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== "." && name !== "..";
}

/** Settings shared by the whole cluster. */
export interface ClusterSettings {
  /** The cluster id. */
  clusterId: string;
  /** Sequence rules of every partition. */
  sequenceRules: SequenceRules;
  /** The broker's clock. */
  now: () => number;
}

/** The cluster. */
export class ClusterState {
  /** The brokers, by id. */
  readonly brokers: Map<number, BrokerNodeState> = new Map();
  /** The topics, by name. */
  readonly topics: Map<string, TopicState> = new Map();
  /** The topics, by id (hex). */
  readonly topicsById: Map<string, TopicState> = new Map();
  /** The settings. */
  readonly settings: ClusterSettings;
  #waiters = new Set<() => void>();

  /**
   * Makes a cluster without topics.
   *
   * @param settings The settings.
   * @param brokers The brokers' ids and hosts.
   */
  constructor(settings: ClusterSettings, brokers: readonly { id: number; host: string }[]) {
    this.settings = settings;
    for (const { id, host } of brokers) this.brokers.set(id, { id, host, port: 0, running: false });
  }

  /** The ids of the brokers that are up, ascending. */
  liveBrokerIds(): number[] {
    return [...this.brokers.values()].filter((b) => b.running).map((b) => b.id).sort((a, b) =>
      a - b
    );
  }

  /**
   * Creates a topic; its partitions' replicas go round the brokers, as Kafka places them.
   *
   * @param name The name.
   * @param config The settings.
   * @returns The topic.
   */
  createTopic(name: string, config: TopicConfig): TopicState {
    if (!validTopicName(name)) {
      throw new TypeError(
        `Cannot create topic as its name must be 1-249 of [a-zA-Z0-9._-]: current value is ${
          JSON.stringify(name)
        }`,
      );
    }
    if (this.topics.has(name)) {
      throw new TypeError(`Cannot create topic ${name} as it exists`);
    }
    const ids = [...this.brokers.keys()].sort((a, b) => a - b);
    if (!Number.isInteger(config.partitions) || config.partitions < 1) {
      throw new RangeError(
        `Cannot create topic ${name} as partitions must be a positive integer: current value is ${config.partitions}`,
      );
    }
    if (
      !Number.isInteger(config.replicationFactor) || config.replicationFactor < 1 ||
      config.replicationFactor > ids.length
    ) {
      throw new RangeError(
        `Cannot create topic ${name} as the replication factor must be 1 to ${ids.length}: current value is ${config.replicationFactor}`,
      );
    }
    let id: Uint8Array;
    do id = crypto.getRandomValues(new Uint8Array(16)); while (this.topicsById.has(hexOf(id)));
    const topic = new TopicState(name, id, config);
    for (let p = 0; p < config.partitions; p++) {
      const replicas: number[] = [];
      for (let r = 0; r < config.replicationFactor; r++) replicas.push(ids[(p + r) % ids.length]!);
      const partition = new PartitionState(topic, p, replicas, this.settings.sequenceRules);
      // A replica that is down cannot lead: the first live one does.
      partition.leader = replicas.find((r) => this.brokers.get(r)?.running) ?? replicas[0]!;
      topic.partitions.push(partition);
    }
    this.topics.set(name, topic);
    this.topicsById.set(topic.idKey, topic);
    return topic;
  }

  /**
   * Moves a partition's leadership (a new leader epoch starts).
   *
   * @param partition The partition.
   * @param leader The new leader's id, or -1 for none.
   */
  setLeader(partition: PartitionState, leader: number): void {
    partition.leader = leader;
    partition.log.bumpEpoch();
    this.changed();
  }

  /**
   * Writes a transaction marker to a partition and ends the producer's transaction there.
   *
   * @param partition The partition.
   * @param producerId The producer id.
   * @param producerEpoch The epoch the marker carries.
   * @param commit True for COMMIT, false for ABORT.
   */
  writeMarker(
    partition: PartitionState,
    producerId: bigint,
    producerEpoch: number,
    commit: boolean,
  ): void {
    const key = new Uint8Array([0, 0, 0, commit ? 1 : 0]); // version 0, type (0 abort, 1 commit)
    const value = new Uint8Array([0, 0, 0, 0, 0, 0]); // version 0, coordinator epoch 0
    const bytes = encodeRecordBatch({
      attributes: 0x30, // transactional, control
      baseTimestamp: BigInt(this.settings.now()),
      producerId,
      producerEpoch,
      records: [{ key, value }],
    }) as Uint8Array;
    const offset = partition.append(bytes);
    const first = partition.producers.marker(producerId, producerEpoch, offset);
    partition.log.closeTransaction(producerId, first, offset, !commit);
    this.changed();
  }

  /** Wakes whoever waits for a change (Fetch long polls). */
  changed(): void {
    const waiters = this.#waiters;
    if (waiters.size === 0) return;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /**
   * Waits until the cluster changes, `ms` pass or `signal` aborts.
   *
   * @param ms The longest wait.
   * @param signal Aborts the wait.
   * @returns A promise that resolves when any of those happen.
   */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }
}
