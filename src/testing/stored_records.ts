/**
 * The records of stored batches, decoded for `records()` and timestamp lookups:
 * absolute offsets and timestamps, keys, values and headers (copies, so they outlive
 * retention), and whether they belong to a transaction.
 *
 * @module
 */

import type { RecordHeader } from "../record/record_batch.ts";
import { decodeRecordsSection } from "../record/record_batch.ts";
import { RECORD_BATCH_HEADER_SIZE } from "../record/record_batch_builder.ts";
import { decompressSync } from "./decompress.ts";
import { readBatchHeader, type StoredBatch } from "./partition_log.ts";

/** A record as the test broker stored it. */
export interface StoredRecord {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
  /** The record's offset. */
  offset: bigint;
  /** The key, or null. */
  key: Uint8Array | null;
  /** The value, or null. */
  value: Uint8Array | null;
  /** The headers, in order (repeated keys kept). */
  headers: RecordHeader[];
  /** The record's timestamp, in milliseconds. */
  timestamp: number;
  /** The producer id of its batch, or -1n. */
  producerId: bigint;
  /** Whether its batch belongs to a transaction. */
  transactional: boolean;
}

/** Enough room for any batch a test broker accepts, decompressed. */
const MAX_RECORDS_BYTES = 256 * 1024 * 1024;

/**
 * Decodes a stored batch's records.
 *
 * @example The records of a batch at offset 10
 * ```ts
 * import { decodeStoredBatch } from "./stored_records.ts";
 * import { PartitionLog, readBatchHeader } from "./partition_log.ts";
 * import { encodeRecordBatch } from "../record/record_batch.ts";
 *
 * const log = new PartitionLog(-1);
 * const batch = encodeRecordBatch({ records: [{ key: "k", value: "v" }] }) as Uint8Array;
 * for (let i = 0; i < 11; i++) log.append(batch, readBatchHeader(batch));
 * const last = [...log.batches()].at(-1)!;
 * console.log(decodeStoredBatch(last, "events", 0)[0]?.offset); // 10n
 * ```
 *
 * @param batch The batch.
 * @param topic Its topic.
 * @param partition Its partition.
 * @returns Its records, in offset order.
 */
export function decodeStoredBatch(
  batch: StoredBatch,
  topic: string,
  partition: number,
): StoredRecord[] {
  const header = readBatchHeader(batch.bytes);
  let section = batch.bytes.subarray(RECORD_BATCH_HEADER_SIZE);
  const codec = header.attributes & 0x07;
  if (codec !== 0) section = decompressSync(codec, section, MAX_RECORDS_BYTES);
  return decodeRecordsSection(section, header.count).map((r) => ({
    topic,
    partition,
    offset: BigInt(batch.baseOffset + r.offsetDelta),
    key: r.key === null ? null : r.key.slice(),
    value: r.value === null ? null : r.value.slice(),
    headers: r.headers.map((h) => ({
      key: h.key,
      value: h.value === null ? null : h.value.slice(),
    })),
    timestamp: header.baseTimestamp + Number(r.timestampDelta),
    producerId: batch.producerId,
    transactional: batch.transactional,
  }));
}
