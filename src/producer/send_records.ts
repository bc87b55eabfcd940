/**
 * `send()`'s promises over the producer's one way in, `append()`: a record's promise
 * resolves with where it was stored once acknowledged; an array's resolves with every
 * record's, or rejects once all settled with a {@link KafkaDeliveryError} counting
 * those that failed.
 *
 * @module
 */

import type { KafkaDeliveryError } from "../errors.ts";
import type { ProducerRecord, RecordMetadata } from "../types.ts";
import { CountingCompletion } from "./counting_completion.ts";
import type { RecordCompletion } from "./producer_batch.ts";

/** Buffers one record, settling `completion` once it is acknowledged or failed. */
export type AppendRecord<K, V> = (
  record: ProducerRecord<K, V>,
  completion: RecordCompletion,
) => Promise<void> | undefined;

/**
 * Sends one record.
 *
 * @param append The producer's way in.
 * @param record The record.
 * @returns Where it was stored.
 *
 * @example With an append that acknowledges at once, at offset 41
 * ```ts
 * import { sendRecord } from "./send_records.ts";
 * import type { ProducerBatch } from "./producer_batch.ts";
 *
 * const batch = { topic: "t", partition: 2 } as ProducerBatch;
 * const stored = await sendRecord((_record, completion) => {
 *   completion.resolve(batch, 1, 40n, -1);
 *   return undefined;
 * }, { value: "v" });
 * console.log(stored.partition, stored.offset); // 2 41n
 * ```
 */
export function sendRecord<K, V>(
  append: AppendRecord<K, V>,
  record: ProducerRecord<K, V>,
): Promise<RecordMetadata> {
  return new Promise<RecordMetadata>((resolve, reject) => {
    const completion: RecordCompletion = {
      timestamp: 0,
      resolve: (batch, index, baseOffset, logAppendTime) =>
        resolve({
          topic: batch.topic,
          partition: batch.partition,
          offset: baseOffset < 0n ? -1n : baseOffset + BigInt(index),
          timestamp: logAppendTime >= 0 ? logAppendTime : completion.timestamp,
        }),
      reject,
    };
    try {
      const waiting = append(record, completion);
      if (waiting !== undefined) waiting.catch(reject);
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Sends records; fails only once every one settled, counting the failures.
 *
 * @param append The producer's way in.
 * @param records The records.
 * @returns Where each was stored, in order.
 * @throws {KafkaDeliveryError} When any record failed.
 */
export async function sendRecords<K, V>(
  append: AppendRecord<K, V>,
  records: readonly ProducerRecord<K, V>[],
): Promise<RecordMetadata[]> {
  const results = await Promise.allSettled(records.map((r) => sendRecord(append, r)));
  const failures = new CountingCompletion();
  const out: RecordMetadata[] = [];
  for (const result of results) {
    if (result.status === "fulfilled") {
      failures.resolve();
      out.push(result.value);
    } else failures.reject(result.reason);
  }
  const error: KafkaDeliveryError | null = failures.error();
  if (error !== null) throw error;
  return out;
}
