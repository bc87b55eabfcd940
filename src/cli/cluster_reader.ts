/**
 * Reads a topic back from a cluster the way a consumer does, over the sockets: the
 * partitions and their leaders from Metadata, their offsets from ListOffsets, then
 * Fetch requests to each leader until every partition reached the offset asked. The
 * demo checks what it produced with it.
 *
 * @module
 */

import { type ConnectFunction, KafkaConnectionError, KafkaError } from "../../mod.ts";
import {
  decodeRecordBatch,
  ErrorCode,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  OffsetSpec,
  type RecordBatch,
} from "../protocol.ts";
import { BrokerClient } from "./broker_client.ts";

/**
 * Called per record read: its partition, offset (a number: exact below 2^53), key and
 * value (views, valid during the call).
 */
export type RecordHandler = (
  partition: number,
  offset: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
) => void;

const CONTROL_BATCH = 0x20;
/** Fetch v13+ names topics by id: v12 is the newest that takes names. */
const FETCH_MAX_VERSION = 12;
const PARTITION_MAX_BYTES = 1024 * 1024;
const MAX_IDLE_FETCHES = 100;

/** A reader of one cluster's topics. */
export class ClusterReader {
  readonly #connect: ConnectFunction | undefined;
  readonly #bootstrap: BrokerClient;
  readonly #brokers = new Map<number, string>();
  readonly #clients = new Map<number, Promise<BrokerClient>>();
  #leaders: number[] = [];

  private constructor(bootstrap: BrokerClient, connect: ConnectFunction | undefined) {
    this.#bootstrap = bootstrap;
    this.#connect = connect;
  }

  /**
   * Connects to the first bootstrap broker that answers.
   *
   * @example Counting what a test broker holds
   * ```ts
   * import { kafkaSink } from "@webstream/kafka";
   * import { startTestBroker } from "@webstream/kafka/testing";
   * import { ClusterReader } from "./cluster_reader.ts";
   *
   * await using broker = await startTestBroker({ brokers: 2, topics: { events: 4 } });
   * await ReadableStream.from([{ key: "a", value: "1" }, { key: "b", value: "2" }])
   *   .pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "events" }));
   * const reader = await ClusterReader.open(broker.bootstrap);
   * const partitions = await reader.partitions("events");
   * const ends = await reader.offsets("events", "latest");
   * let n = 0;
   * await reader.read("events", new Array(partitions).fill(0n), ends, () => n++);
   * reader.close();
   * console.log(partitions, n); // 4 2
   * ```
   *
   * @param bootstrap The brokers to try, `host:port`, in order.
   * @param connect Opens sockets (the runtime's by default).
   * @returns The reader.
   * @throws {KafkaConnectionError} Naming every address tried, when none answered.
   */
  static async open(
    bootstrap: readonly string[],
    connect?: ConnectFunction,
  ): Promise<ClusterReader> {
    const failures: string[] = [];
    for (const address of bootstrap) {
      try {
        const client = await BrokerClient.connect(address, connect ? { connect } : {});
        return new ClusterReader(client, connect);
      } catch (error) {
        failures.push(`${address} (${(error as Error).message})`);
      }
    }
    throw new KafkaConnectionError(`Cannot connect to any broker: tried ${failures.join(", ")}`);
  }

  /**
   * Reads the topic's partitions and their leaders.
   *
   * @param topic The topic.
   * @returns How many partitions it has.
   * @throws {KafkaError} When the cluster names an error for the topic or a partition has no leader.
   */
  async partitions(topic: string): Promise<number> {
    const metadata = await this.#bootstrap.request(metadataApi, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: false,
    });
    for (const b of metadata.brokers) {
      this.#brokers.set(b.nodeId, `${b.host.includes(":") ? `[${b.host}]` : b.host}:${b.port}`);
    }
    const t = metadata.topics.find((x) => x.name === topic);
    if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic });
    if (t.errorCode !== 0) throw new KafkaError(t.errorCode, { topic });
    const leaders: number[] = [];
    for (const p of t.partitions) {
      if (p.errorCode !== 0 && p.leaderId < 0) {
        throw new KafkaError(p.errorCode, { topic, partition: p.partitionIndex });
      }
      leaders[p.partitionIndex] = p.leaderId;
    }
    this.#leaders = leaders;
    return leaders.length;
  }

  /**
   * Each partition's earliest or latest offset (the high watermark), asked of its
   * leader. Call {@linkcode ClusterReader.partitions} first.
   *
   * @param topic The topic.
   * @param which `"earliest"` or `"latest"`.
   * @returns The offsets, by partition.
   */
  async offsets(topic: string, which: "earliest" | "latest"): Promise<bigint[]> {
    const out: bigint[] = new Array(this.#leaders.length).fill(-1n);
    const timestamp = which === "earliest" ? OffsetSpec.Earliest : OffsetSpec.Latest;
    await Promise.all([...this.#byLeader(this.#leaders.map((_, p) => p))].map(
      async ([leader, partitions]) => {
        const client = await this.#client(leader);
        const response = await client.request(listOffsetsApi, {
          topics: [{
            name: topic,
            partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })),
          }],
        });
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              throw new KafkaError(p.errorCode, { topic, partition: p.partitionIndex });
            }
            out[p.partitionIndex] = p.offset;
          }
        }
      },
    ));
    return out;
  }

  /**
   * Fetches every record of each partition from `from[p]` up to (not including)
   * `to[p]`, in offset order per partition, from each partition's leader.
   *
   * @param topic The topic.
   * @param from The first offset to read, by partition.
   * @param to The offset to stop at, by partition.
   * @param onRecord Called per record.
   * @throws {KafkaError} When a leader answers a partition with an error.
   * @throws {KafkaConnectionError} When a partition stops short of its end offset.
   */
  async read(
    topic: string,
    from: readonly bigint[],
    to: readonly bigint[],
    onRecord: RecordHandler,
  ): Promise<void> {
    const wanted = this.#leaders.map((_, p) => p).filter((p) => from[p]! < to[p]!);
    await Promise.all(
      [...this.#byLeader(wanted)].map(([leader, partitions]) =>
        this.#fetchFrom(leader, topic, partitions, from, to, onRecord)
      ),
    );
  }

  /** Closes every connection. */
  close(): void {
    this.#bootstrap.close();
    for (const client of this.#clients.values()) client.then((c) => c.close(), () => {});
  }

  async #fetchFrom(
    leader: number,
    topic: string,
    partitions: number[],
    from: readonly bigint[],
    to: readonly bigint[],
    onRecord: RecordHandler,
  ): Promise<void> {
    const client = await this.#client(leader);
    const next = new Map(partitions.map((p) => [p, from[p]!]));
    const idle = new Map(partitions.map((p) => [p, 0]));
    while (next.size > 0) {
      const response = await client.request(fetchApi, {
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 4 * PARTITION_MAX_BYTES,
        topics: [{
          topic,
          partitions: [...next].map(([partition, fetchOffset]) => ({
            partition,
            fetchOffset,
            partitionMaxBytes: PARTITION_MAX_BYTES,
          })),
        }],
      }, FETCH_MAX_VERSION);
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const partition = p.partitionIndex;
          const offset = next.get(partition);
          if (offset === undefined) continue;
          if (p.errorCode !== 0) throw new KafkaError(p.errorCode, { topic, partition });
          const records = p.records instanceof Uint8Array ? p.records : null;
          const reached = records === null
            ? offset
            : await readBatches(records, partition, offset, to[partition]!, onRecord);
          if (reached >= to[partition]!) {
            next.delete(partition);
          } else if (reached === offset) {
            const n = idle.get(partition)! + 1;
            if (n > MAX_IDLE_FETCHES) {
              throw new KafkaConnectionError(
                `Cannot read ${topic}-${partition} past offset ${offset} from broker ${leader}: its high watermark is ${p.highWatermark}, the end asked ${
                  to[partition]
                }`,
              );
            }
            idle.set(partition, n);
          } else {
            next.set(partition, reached);
            idle.set(partition, 0);
          }
        }
      }
    }
  }

  *#byLeader(partitions: readonly number[]): Iterable<[number, number[]]> {
    const groups = new Map<number, number[]>();
    for (const p of partitions) {
      const leader = this.#leaders[p]!;
      const group = groups.get(leader);
      if (group === undefined) groups.set(leader, [p]);
      else group.push(p);
    }
    yield* groups;
  }

  #client(nodeId: number): Promise<BrokerClient> {
    let client = this.#clients.get(nodeId);
    if (client === undefined) {
      const address = this.#brokers.get(nodeId);
      client = address === undefined
        ? Promise.reject(new KafkaConnectionError(`Cannot find broker ${nodeId} in the metadata`))
        : BrokerClient.connect(address, this.#connect ? { connect: this.#connect } : {});
      this.#clients.set(nodeId, client);
    }
    return client;
  }
}

/**
 * Hands out the records of whole batches in `records` from `offset` up to `end`.
 *
 * @returns The offset after the last batch read (`offset` when none was complete).
 */
async function readBatches(
  records: Uint8Array,
  partition: number,
  offset: bigint,
  end: bigint,
  onRecord: RecordHandler,
): Promise<bigint> {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let next = offset;
  for (let at = 0; at + 12 <= records.length;) {
    const size = 12 + view.getInt32(at + 8);
    if (at + size > records.length) break; // a batch cut by the size limit: fetched next time
    const batch: RecordBatch = await decodeRecordBatch(records.subarray(at, at + size));
    at += size;
    const last = batch.baseOffset + BigInt(batch.lastOffsetDelta);
    if (last < next) continue;
    if ((batch.attributes & CONTROL_BATCH) === 0) {
      const base = Number(batch.baseOffset);
      const first = Number(next);
      const stop = Number(end);
      for (const r of batch.records) {
        const o = base + r.offsetDelta;
        if (o >= first && o < stop) onRecord(partition, o, r.key, r.value);
      }
    }
    next = last + 1n;
  }
  return next;
}
