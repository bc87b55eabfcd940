/**
 * Building one Produce request from the batches chosen for a broker: which batches
 * fit (`maxRequestBytes`), the request body grouped by topic, and the version. Pure:
 * no clock, no I/O, so the rules are tested directly.
 *
 * @module
 */

import type { ProduceRequest, ProduceResponse, ProduceTopicData } from "../protocol/produce.ts";
import { MAX_TIMER_MS } from "../timers.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/**
 * Chooses, in order, the batches that go in one request: the first always (even
 * alone over the limit: the broker is the judge), then each that still fits.
 *
 * @param batches The candidate batches, one per partition, in the order to try.
 * @param maxRequestBytes The largest request (Java's `max.request.size`).
 * @returns The indexes of the chosen batches.
 */
export function chooseBatches(
  batches: readonly ProducerBatch[],
  maxRequestBytes: number,
): number[] {
  const chosen: number[] = [];
  let bytes = 0;
  for (let i = 0; i < batches.length; i++) {
    const size = batches[i]!.bytes.length;
    if (chosen.length > 0 && bytes + size > maxRequestBytes) continue;
    bytes += size;
    chosen.push(i);
  }
  return chosen;
}

/** What a Produce request is built from besides its batches. */
export interface ProduceRequestOptions {
  /** 0, 1 or -1. */
  acks: number;
  /** How long the broker may wait for acknowledgements (ms; any value, clamped to int32). */
  timeoutMs: number;
  /** The transactional id, or null. */
  transactionalId: string | null;
  /**
   * Whether the transaction runs transactions v2 (KIP-890 part 2), where Produce v12+
   * adds its partition to the transaction.
   *
   * @default {false}
   */
  transactionV2?: boolean;
  /** The newest Produce version the broker and this client share. */
  version: number;
  /** A topic's id from metadata (all zeros or undefined when unknown). */
  topicId: (topic: string) => Uint8Array | undefined;
}

/**
 * Builds the request for `batches` and picks its version: v13+ names topics by id,
 * so without an id for every topic it stays at v12; a transactional request of the
 * classic protocol stays at v11, since v12+ goes with transactions v2 (the broker
 * adds the partition to the transaction itself), as Java's `useTransactionV1Version`.
 *
 * @param batches The batches, at most one per partition.
 * @param options Acks, timeout, transactional id, version and topic ids.
 * @returns The request and the version to send it at.
 */
export function buildProduceRequest(
  batches: readonly ProducerBatch[],
  options: ProduceRequestOptions,
): { request: ProduceRequest; version: number } {
  const topics = new Map<
    string,
    ProduceTopicData & { partitionData: { index: number; records: Uint8Array }[] }
  >();
  let everyTopicHasId = true;
  for (const batch of batches) {
    let topic = topics.get(batch.topic);
    if (topic === undefined) {
      const id = options.topicId(batch.topic);
      const known = id !== undefined && id.some((b) => b !== 0);
      if (!known) everyTopicHasId = false;
      topic = known
        ? { name: batch.topic, topicId: id, partitionData: [] }
        : { name: batch.topic, partitionData: [] };
      topics.set(batch.topic, topic);
    }
    topic.partitionData.push({ index: batch.partition, records: batch.bytes });
  }
  let version = options.version;
  if (version >= 13 && !everyTopicHasId) version = 12;
  if (options.transactionalId !== null && options.transactionV2 !== true) {
    version = Math.min(version, 11);
  }
  return {
    request: {
      transactionalId: options.transactionalId,
      acks: options.acks,
      timeoutMs: Math.min(options.timeoutMs, MAX_TIMER_MS),
      topicData: [...topics.values()],
    },
    version,
  };
}

/** One partition's result in a Produce response. */
export type ProducePartitionResult = ProduceResponse["responses"][number]["partitionResponses"][
  number
];

/**
 * Finds each batch's result in a Produce response, by topic name, or by topic id
 * (v13+ answers name topics by id only).
 *
 * @param response The response.
 * @param batches The batches the request carried.
 * @param topicId A topic's id from metadata.
 * @returns Each batch's result; a batch the response does not mention is absent.
 */
export function produceResults(
  response: ProduceResponse,
  batches: readonly ProducerBatch[],
  topicId: (topic: string) => Uint8Array | undefined,
): Map<ProducerBatch, ProducePartitionResult> {
  const names = new Map<string, string>();
  for (const batch of batches) {
    const id = topicId(batch.topic);
    if (id !== undefined) names.set(hex(id), batch.topic);
  }
  const byPartition = new Map<string, ProducePartitionResult>();
  for (const topic of response.responses) {
    const name = topic.name !== "" ? topic.name : names.get(hex(topic.topicId)) ?? "";
    for (const p of topic.partitionResponses) byPartition.set(`${p.index}:${name}`, p);
  }
  const results = new Map<ProducerBatch, ProducePartitionResult>();
  for (const batch of batches) {
    const result = byPartition.get(`${batch.partition}:${batch.topic}`);
    if (result !== undefined) results.set(batch, result);
  }
  return results;
}

function hex(id: Uint8Array): string {
  let key = "";
  for (const b of id) key += b.toString(16).padStart(2, "0");
  return key;
}
