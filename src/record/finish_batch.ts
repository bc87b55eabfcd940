/**
 * Finishing a producer's record batch: the header a new batch carries (no producer id
 * yet: the sender stamps it when sending) and the records compressed with the codec
 * its attributes name. The CRC is left to the sender, which seals the batch when it
 * first sends it, once its producer id and sequence are final: a batch is summed once.
 *
 * @module
 */

import { compressionCodec } from "./compression.ts";
import type { RecordBatchBuilder } from "./record_batch_builder.ts";

/**
 * Compresses a records section with the codec of `id` (1 gzip, 2 snappy, 3 lz4, 4 zstd).
 * The data stays unchanged until the result settles.
 */
export type Compressor = (id: number, data: Uint8Array) => Uint8Array | Promise<Uint8Array>;

const registeredCodecs: Compressor = (id, data) => compressionCodec(id).compress(data);

/**
 * Finishes the batch a builder holds.
 *
 * @param builder The records, encoded.
 * @param attributes The batch attributes (codec in the low 3 bits, transactional bit 4).
 * @param baseTimestamp The first record's timestamp (ms).
 * @param maxTimestamp The largest record timestamp (ms).
 * @param compress What compresses the records: the registered codecs unless given.
 * @returns The finished RecordBatch v2, its CRC not yet written (see `sealRecordBatch`).
 *
 * @example Finishing an uncompressed batch of one record
 * ```ts
 * import { RecordBatchBuilder } from "./record_batch_builder.ts";
 * import { finishBatch } from "./finish_batch.ts";
 *
 * const builder = new RecordBatchBuilder(128);
 * builder.append(0, 0, "key", "value", null);
 * const bytes = await finishBatch(builder, 0, 1700000000000, 1700000000000);
 * console.log(bytes.length > 61); // true
 * ```
 */
export async function finishBatch(
  builder: RecordBatchBuilder,
  attributes: number,
  baseTimestamp: number,
  maxTimestamp: number,
  compress: Compressor = registeredCodecs,
): Promise<Uint8Array> {
  const header = {
    baseOffset: 0n,
    partitionLeaderEpoch: -1,
    attributes,
    lastOffsetDelta: builder.count - 1,
    baseTimestamp: BigInt(baseTimestamp),
    maxTimestamp: BigInt(maxTimestamp),
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
  };
  const compression = attributes & 0x07;
  if (compression === 0) return builder.finishUnsealed(header);
  const compressed = await compress(compression, builder.records());
  return builder.finishUnsealed(header, compressed);
}
