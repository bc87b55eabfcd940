// Record batches for the test broker's tests, built with the package's own encoder.

import { encodeRecordBatch, type RecordBatchInput } from "../../src/record/record_batch.ts";

/** A batch of `count` records "v0".."vN-1" with the given producer fields. */
export function batch(
  count: number,
  fields: Partial<Omit<RecordBatchInput, "records">> = {},
  value: (i: number) => string = (i) => `v${i}`,
): Uint8Array {
  const encoded = encodeRecordBatch({
    baseTimestamp: BigInt(Date.now()),
    ...fields,
    records: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: value(i) })),
  });
  if (!(encoded instanceof Uint8Array)) {
    throw new TypeError("batch() builds uncompressed batches only");
  }
  return encoded;
}

/** An idempotent batch of producer 7, epoch `epoch`, from sequence `seq`. */
export function sequenced(
  count: number,
  seq: number,
  epoch = 0,
  transactional = false,
): Uint8Array {
  return batch(count, {
    producerId: 7n,
    producerEpoch: epoch,
    baseSequence: seq,
    attributes: transactional ? 0x10 : 0,
  });
}
