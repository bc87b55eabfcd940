/**
 * Splits a batch the broker refused as too large (MESSAGE_TOO_LARGE,
 * RECORD_LIST_TOO_LARGE) into two halves, as Java's `splitAndReenqueue` does, so
 * records that fit on their own are still delivered and only a record too large by
 * itself fails. The halves are re-encoded from the batch's own bytes.
 *
 * @module
 */

import { finishBatch } from "../record/finish_batch.ts";
import { decodeRecordBatch, type RecordBatch } from "../record/record_batch.ts";
import { RecordBatchBuilder } from "../record/record_batch_builder.ts";
import { newProducerBatch, type ProducerBatch } from "./producer_batch.ts";

async function encodeHalf(
  batch: ProducerBatch,
  decoded: RecordBatch,
  from: number,
  to: number,
  reserved: number,
): Promise<ProducerBatch> {
  const records = decoded.records.slice(from, to);
  const timestampOf = (r: RecordBatch["records"][number]): number =>
    Number(decoded.baseTimestamp + r.timestampDelta);
  const baseTimestamp = timestampOf(records[0]!);
  const builder = new RecordBatchBuilder(
    records.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0) + 32, 64),
  );
  let maxTimestamp = baseTimestamp;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const timestamp = timestampOf(r);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    builder.append(
      timestamp - baseTimestamp,
      i,
      r.key,
      r.value,
      r.headers.length === 0 ? null : r.headers,
    );
  }
  const uncompressedBytes = builder.size;
  // As the refused batch (codec, transactional bit), but never a control batch.
  const bytes = await finishBatch(builder, decoded.attributes & ~0x20, baseTimestamp, maxTimestamp);
  const half = newProducerBatch(
    batch.topic,
    batch.partition,
    bytes,
    records.length,
    batch.completions.slice(from, to),
    reserved,
    batch.createdMs,
    uncompressedBytes,
  );
  // Its records were counted as sent with the refused batch.
  half.firstSentMs = batch.firstSentMs;
  return half;
}

/**
 * Splits a batch of two or more records into two batches of half the records each,
 * in order. The budget reservation goes to the second half, which is acknowledged
 * last.
 *
 * @param batch The refused batch.
 * @returns The two halves.
 */
export async function splitBatch(batch: ProducerBatch): Promise<[ProducerBatch, ProducerBatch]> {
  const decoded = await decodeRecordBatch(batch.bytes);
  const middle = Math.ceil(decoded.records.length / 2);
  return [
    await encodeHalf(batch, decoded, 0, middle, 0),
    await encodeHalf(batch, decoded, middle, decoded.records.length, batch.reserved),
  ];
}
