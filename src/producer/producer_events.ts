/**
 * The producer's events: what a `Producer` (an `EventTarget`) dispatches, each a
 * `CustomEvent` whose `detail` has a documented shape, and the `logger` option that
 * logs the same at a level per kind. Nothing secret is ever put in a detail or a line:
 * brokers are named by id and address, errors by their name and message (which never
 * hold credentials).
 *
 * @module
 */

/** `retry`: a batch goes back to be sent again after a retriable error (logged at warn). */
export interface RetryEventDetail {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The attempt that failed: 1 for the first send. */
  readonly attempt: number;
  /**
   * The error's name: Kafka's name for a broker's error code (`NOT_LEADER_OR_FOLLOWER`),
   * else the error class (`KafkaTimeoutError`, `KafkaConnectionError`).
   */
  readonly error: string;
  /** The error's message. */
  readonly message: string;
  /** Records in the batch. */
  readonly records: number;
  /** How long it waits before it is sent again (ms). */
  readonly backoffMs: number;
}

/**
 * `error`: records failed for good (their batch, or records that waited for their
 * topic's metadata in vain), or the producer itself failed (`fatal`); logged at error.
 */
export interface ErrorEventDetail {
  /** The records' topic; null when the producer failed. */
  readonly topic: string | null;
  /** The records' partition; null when not chosen yet or the producer failed. */
  readonly partition: number | null;
  /** How many records failed (0 when the producer failed). */
  readonly records: number;
  /** Why: the error the records' promises or sink reject with. */
  readonly error: Error;
  /** Whether the producer cannot go on (fenced, not authorized): every later send fails. */
  readonly fatal: boolean;
}

/** `connect` and `disconnect`: a connection to a broker opened or closed (logged at info). */
export interface BrokerEventDetail {
  /** The broker id. */
  readonly nodeId: number;
  /** Its address, `host:port`. */
  readonly address: string;
}

/** A partition count that changed in a metadata refresh. */
export interface PartitionCountChange {
  /** The topic. */
  readonly topic: string;
  /** Partitions before (0 when the topic was not known). */
  readonly from: number;
  /** Partitions now. */
  readonly to: number;
}

/**
 * `metadata`: a refresh changed what the producer knows (logged at debug); a refresh
 * that changed nothing dispatches nothing.
 */
export interface MetadataEventDetail {
  /** Brokers known now. */
  readonly brokers: readonly BrokerEventDetail[];
  /** Ids of brokers not known before. */
  readonly brokersAdded: readonly number[];
  /** Ids of brokers no longer listed. */
  readonly brokersRemoved: readonly number[];
  /** Topics whose partition count changed, new topics included. */
  readonly partitions: readonly PartitionCountChange[];
  /** Partitions whose leader changed (each also dispatched as `leader-change`). */
  readonly leaderChanges: number;
}

/** `leader-change`: a partition's leader moved (logged at info). */
export interface LeaderChangeEventDetail {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The broker that led it, -1 for none. */
  readonly previousLeader: number;
  /** The broker that leads it now, -1 for none. */
  readonly leader: number;
  /** The new leader epoch, -1 when the broker does not say. */
  readonly leaderEpoch: number;
}

/** `epoch-bump`: the producer epoch was bumped (KIP-360), sequences restart (logged at info). */
export interface EpochBumpEventDetail {
  /** The producer id, in decimal (a string, so details stay JSON). */
  readonly producerId: string;
  /** The epoch before. */
  readonly previousEpoch: number;
  /** The epoch now. */
  readonly epoch: number;
  /**
   * The name of the error that broke the sequences (`OUT_OF_ORDER_SEQUENCE_NUMBER`,
   * `UNKNOWN_PRODUCER_ID`, `KafkaTimeoutError` for a batch given up), or null when not
   * known (a transaction's abort).
   */
  readonly reason: string | null;
}

/** `throttle`: a broker delayed its answer under a quota (logged at info). */
export interface ThrottleEventDetail {
  /** The broker id. */
  readonly nodeId: number;
  /** Its address, `host:port`. */
  readonly address: string;
  /** The throttle time the broker reported (ms). */
  readonly throttleTimeMs: number;
}

/**
 * The events a producer dispatches, by type: `producer.addEventListener("retry", (e) =>
 * e.detail.topic)` is typed.
 */
export interface ProducerEventMap {
  /** A batch is retried. */
  retry: CustomEvent<RetryEventDetail>;
  /** Records failed for good, or the producer did. */
  error: CustomEvent<ErrorEventDetail>;
  /** A connection to a broker opened. */
  connect: CustomEvent<BrokerEventDetail>;
  /** A connection to a broker closed. */
  disconnect: CustomEvent<BrokerEventDetail>;
  /** A metadata refresh changed something. */
  metadata: CustomEvent<MetadataEventDetail>;
  /** A partition's leader moved. */
  "leader-change": CustomEvent<LeaderChangeEventDetail>;
  /** The producer epoch was bumped. */
  "epoch-bump": CustomEvent<EpochBumpEventDetail>;
  /** A broker throttled a request. */
  throttle: CustomEvent<ThrottleEventDetail>;
}

/** A producer event's type. */
export type ProducerEventType = keyof ProducerEventMap;

/** The detail of a producer event of type `T`. */
export type ProducerEventDetail<T extends ProducerEventType> = ProducerEventMap[T]["detail"];

/**
 * Where the producer logs (the `logger` option): `console`, or any object with these
 * methods (most logging libraries). Each call gets one line and the event's detail.
 */
export interface Logger {
  /** Metadata changes. */
  debug(message: string, detail?: unknown): void;
  /** Connections, leader changes, epoch bumps, throttling. */
  info(message: string, detail?: unknown): void;
  /** Retries, and a close that ran out of time. */
  warn(message: string, detail?: unknown): void;
  /** Records that failed for good, and a producer that failed. */
  error(message: string, detail?: unknown): void;
}

/** The level each event is logged at. */
export const EVENT_LOG_LEVELS: Readonly<Record<ProducerEventType, keyof Logger>> = {
  retry: "warn",
  error: "error",
  connect: "info",
  disconnect: "info",
  metadata: "debug",
  "leader-change": "info",
  "epoch-bump": "info",
  throttle: "info",
};

function records(n: number): string {
  return `${n} record${n === 1 ? "" : "s"}`;
}

const broker = (d: BrokerEventDetail): string => `broker ${d.nodeId} at ${d.address}`;

/** Each event as one log line. */
const LINES: { readonly [T in ProducerEventType]: (d: ProducerEventDetail<T>) => string } = {
  retry: (d) =>
    `Retrying ${records(d.records)} of ${d.topic}-${d.partition} in ${
      Math.round(d.backoffMs)
    } ms: attempt ${d.attempt} failed with ${d.error}: ${d.message}`,
  error: (d) =>
    d.fatal
      ? `The producer failed and sends nothing more: ${d.error.message}`
      : `${records(d.records)} of ${d.topic}${
        d.partition === null ? "" : `-${d.partition}`
      } failed: ${d.error.message}`,
  connect: (d) => `Connected to ${broker(d)}`,
  disconnect: (d) => `Disconnected from ${broker(d)}`,
  metadata: (d) => {
    const parts = [`${d.brokers.length} broker${d.brokers.length === 1 ? "" : "s"}`];
    if (d.brokersAdded.length > 0) parts.push(`added ${d.brokersAdded.join(", ")}`);
    if (d.brokersRemoved.length > 0) parts.push(`removed ${d.brokersRemoved.join(", ")}`);
    for (const p of d.partitions) parts.push(`${p.topic}: ${p.from} -> ${p.to} partitions`);
    if (d.leaderChanges > 0) parts.push(`${d.leaderChanges} leader change(s)`);
    return `Metadata updated: ${parts.join("; ")}`;
  },
  "leader-change": (d) =>
    `Leader of ${d.topic}-${d.partition} moved from broker ${d.previousLeader} to ${d.leader} (leader epoch ${d.leaderEpoch})`,
  "epoch-bump": (d) =>
    `Bumped the epoch of producer id ${d.producerId} from ${d.previousEpoch} to ${d.epoch}${
      d.reason === null ? "" : ` after ${d.reason}`
    }`,
  throttle: (d) => `Throttled ${d.throttleTimeMs} ms by ${broker(d)}`,
};

/**
 * Dispatches the producer's events on its target and logs each with the logger.
 *
 * @example Logging a retry
 * ```ts
 * import { ProducerEvents } from "./producer_events.ts";
 *
 * const target = new EventTarget();
 * const lines: string[] = [];
 * const log = (line: string) => void lines.push(line);
 * const events = new ProducerEvents(target, { debug: log, info: log, warn: log, error: log }, "app");
 * target.addEventListener("retry", (e) => console.log((e as CustomEvent).detail.attempt)); // 1
 * events.emit("retry", {
 *   topic: "events",
 *   partition: 3,
 *   attempt: 1,
 *   error: "NOT_LEADER_OR_FOLLOWER",
 *   message: "Kafka broker returned NOT_LEADER_OR_FOLLOWER (code 6)",
 *   records: 500,
 *   backoffMs: 100,
 * });
 * console.log(lines[0]); // "[Producer clientId=app] Retrying 500 records of events-3 in 100 ms: ..."
 * ```
 */
export class ProducerEvents {
  readonly #target: EventTarget;
  readonly #logger: Logger | undefined;
  readonly #prefix: string;

  /**
   * @param target Where events are dispatched (the producer).
   * @param logger Where they are logged; undefined for nowhere.
   * @param clientId The producer's client id, which each line starts with (as Java's).
   */
  constructor(target: EventTarget, logger: Logger | undefined, clientId: string) {
    this.#target = target;
    this.#logger = logger;
    this.#prefix = `[Producer clientId=${clientId}] `;
  }

  /**
   * Dispatches an event and logs it.
   *
   * @param type The event's type.
   * @param detail Its detail.
   */
  emit<T extends ProducerEventType>(type: T, detail: ProducerEventDetail<T>): void {
    this.log(EVENT_LOG_LEVELS[type], LINES[type](detail), detail);
    this.#target.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * Logs a line that is no event (a close that ran out of time).
   *
   * @param level The level.
   * @param message The line.
   * @param detail What it is about.
   */
  log(level: keyof Logger, message: string, detail?: unknown): void {
    const logger = this.#logger;
    if (logger === undefined) return;
    try {
      logger[level](this.#prefix + message, detail);
    } catch {
      // A logger that throws must not break the producer's bookkeeping.
    }
  }
}
