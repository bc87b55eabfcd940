/**
 * RecordBatch v2 (magic 2) encoding and decoding with the Kafka protocol guide's
 * field names. The encoder goes through {@link RecordBatchBuilder}, the same code
 * the producer uses; the decoder checks lengths, magic, CRC and every record, and
 * reports malformed input as a {@link KafkaProtocolError}.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { Reader } from "../protocol/reader.ts";
import { crc32c } from "./crc32c.ts";
import { compressionCodec, DEFAULT_MAX_DECOMPRESSED_BYTES } from "./compression.ts";
import {
  ATTRIBUTES_OFFSET,
  RecordBatchBuilder,
  type RecordBatchHeader,
  type RecordBytes,
  type RecordHeaderInput,
} from "./record_batch_builder.ts";

/** A record header: Kafka allows repeated keys; order is the wire order. */
export interface RecordHeader {
  /** The header name. */
  key: string;
  /** The header value, or null. */
  value: Uint8Array | null;
}

/** One decoded record of a batch. */
export interface BatchRecord {
  /** The record attributes byte (unused by Kafka; 0). */
  attributes: number;
  /** Milliseconds after the batch's base timestamp. */
  timestampDelta: bigint;
  /** Offset after the batch's base offset. */
  offsetDelta: number;
  /** The key, or null. */
  key: Uint8Array | null;
  /** The value, or null. */
  value: Uint8Array | null;
  /** The headers, in wire order. */
  headers: RecordHeader[];
}

/** A decoded RecordBatch v2: the batch header's fields, its length, magic, CRC and records. */
export interface RecordBatch extends RecordBatchHeader {
  /** Bytes after the batchLength field. */
  batchLength: number;
  /** Always 2. */
  magic: number;
  /** The CRC-32C of the bytes from attributes to the end (unsigned). */
  crc: number;
  /** The records. */
  records: BatchRecord[];
}

/** A record as {@link encodeRecordBatch} takes it; absent fields get defaults. */
export interface BatchRecordInput {
  /** Default 0. */
  attributes?: number;
  /** Default 0. */
  timestampDelta?: bigint | number;
  /** Default: the record's index in the batch. */
  offsetDelta?: number;
  /** Bytes, a string (UTF-8) or null (the default). */
  key?: RecordBytes;
  /** Bytes, a string (UTF-8) or null (the default). */
  value?: RecordBytes;
  /** Default: none. */
  headers?: readonly RecordHeaderInput[];
}

/**
 * A batch as {@link encodeRecordBatch} takes it. A decoded {@link RecordBatch} fits;
 * its `crc` and `batchLength` are ignored (they are computed).
 */
export interface RecordBatchInput {
  /** Default 0. */
  baseOffset?: bigint;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** Must be 2 when given. */
  magic?: number;
  /** Ignored: computed. */
  crc?: number;
  /** Ignored: computed. */
  batchLength?: number;
  /** Default 0 (no compression, create time). */
  attributes?: number;
  /** Default: the largest offset delta. */
  lastOffsetDelta?: number;
  /** Default 0. */
  baseTimestamp?: bigint;
  /** Default: base timestamp plus the largest timestamp delta. */
  maxTimestamp?: bigint;
  /** Default -1. */
  producerId?: bigint;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /** The records. */
  records: readonly BatchRecordInput[];
}

/** Options for {@link decodeRecordBatch}. */
export interface DecodeRecordBatchOptions {
  /**
   * The most bytes a compressed batch may expand to.
   *
   * @default {268435456}
   */
  maxDecompressedBytes?: number;
}

function safeDelta(value: bigint | number): number {
  const n = typeof value === "bigint" ? Number(value) : value;
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(
      `Cannot encode record batch as a timestampDelta must be a safe integer: current value is ${value}`,
    );
  }
  return n;
}

/**
 * Encodes a RecordBatch v2. Lengths and the CRC are computed; with compression in
 * the attributes the records section is compressed and a Promise is returned.
 *
 * @example Encoding and decoding a batch
 * ```ts
 * import { decodeRecordBatch, encodeRecordBatch } from "@webstream/kafka/protocol";
 *
 * const bytes = await encodeRecordBatch({
 *   baseTimestamp: 1700000000000n,
 *   records: [{ key: "k", value: "v", headers: [{ key: "h", value: null }] }],
 * });
 * const batch = await decodeRecordBatch(bytes);
 * console.log(batch.records[0]?.value); // Uint8Array [118]
 * ```
 *
 * @param batch The batch fields and records.
 * @returns The encoded batch, or a Promise of it when compressed.
 */
export function encodeRecordBatch(batch: RecordBatchInput): Uint8Array | Promise<Uint8Array> {
  if (batch.magic !== undefined && batch.magic !== 2) {
    throw new RangeError(
      `Cannot encode record batch as magic must be 2: current value is ${batch.magic}`,
    );
  }
  const records = batch.records;
  const builder = new RecordBatchBuilder(1024);
  let maxDelta = 0;
  let lastOffsetDelta = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestampDelta = safeDelta(record.timestampDelta ?? 0);
    const offsetDelta = record.offsetDelta ?? i;
    if (i === 0 || timestampDelta > maxDelta) maxDelta = timestampDelta;
    if (offsetDelta > lastOffsetDelta) lastOffsetDelta = offsetDelta;
    builder.append(
      timestampDelta,
      offsetDelta,
      record.key ?? null,
      record.value ?? null,
      record.headers ?? null,
      record.attributes ?? 0,
    );
  }
  const baseTimestamp = batch.baseTimestamp ?? 0n;
  const header: RecordBatchHeader = {
    baseOffset: batch.baseOffset ?? 0n,
    partitionLeaderEpoch: batch.partitionLeaderEpoch ?? -1,
    attributes: batch.attributes ?? 0,
    lastOffsetDelta: batch.lastOffsetDelta ?? lastOffsetDelta,
    baseTimestamp,
    maxTimestamp: batch.maxTimestamp ?? baseTimestamp + BigInt(maxDelta),
    producerId: batch.producerId ?? -1n,
    producerEpoch: batch.producerEpoch ?? -1,
    baseSequence: batch.baseSequence ?? -1,
  };
  const compression = header.attributes & 0x07;
  if (compression === 0) return builder.finish(header).slice();
  const codec = compressionCodec(compression);
  return Promise.resolve(codec.compress(builder.records())).then((compressed) =>
    builder.finish(header, compressed).slice()
  );
}

/** Bytes from partitionLeaderEpoch through the record count: the least batchLength. */
const MIN_BATCH_LENGTH = 49;

/**
 * Decodes one RecordBatch v2, checking its length, magic and CRC and every record.
 * Keys, values and header values are views of the input (or of the decompressed
 * records); copy them to keep them past the input's life.
 *
 * @example Decoding a batch
 * ```ts
 * import { decodeRecordBatch, encodeRecordBatch } from "@webstream/kafka/protocol";
 *
 * const batch = await decodeRecordBatch(await encodeRecordBatch({ records: [{ value: "hi" }] }));
 * console.log(batch.records.length); // 1
 * ```
 *
 * @param bytes Exactly one encoded batch.
 * @param options Limits.
 * @returns The batch, or a Promise of it when its records are compressed.
 * @throws {KafkaProtocolError} On truncation, a bad length, magic or CRC, or a malformed record.
 */
export function decodeRecordBatch(
  bytes: Uint8Array,
  options: DecodeRecordBatchOptions = {},
): RecordBatch | Promise<RecordBatch> {
  const r = new Reader(bytes);
  const batch = readCheckedHeader(r, bytes);
  const count = r.int32();
  if (count < 0) {
    throw new KafkaProtocolError(
      `Cannot decode record batch with a negative record count ${count}`,
    );
  }
  const section = r.raw(r.remaining);
  const compression = batch.attributes & 0x07;
  if (compression === 0) {
    batch.records = decodeRecordsSection(section, count);
    return batch;
  }
  const codec = compressionCodec(compression);
  const maxBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  return Promise.resolve(codec.decompress(section, maxBytes)).then((plain) => {
    batch.records = decodeRecordsSection(plain, count);
    return batch;
  });
}

/**
 * Reads a batch's header up to the record count, checking its length, magic and CRC;
 * the records are left to the caller.
 */
function readCheckedHeader(r: Reader, bytes: Uint8Array): RecordBatch {
  const baseOffset = r.int64();
  const batchLength = r.int32();
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new KafkaProtocolError(
      `Cannot decode record batch as its length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}`,
    );
  }
  if (batchLength !== r.remaining) {
    throw new KafkaProtocolError(
      `Cannot decode record batch as its length ${batchLength} does not match the ${r.remaining} bytes after the length field`,
    );
  }
  const partitionLeaderEpoch = r.int32();
  const magic = r.int8();
  if (magic !== 2) {
    throw new KafkaProtocolError(
      `Cannot decode record batch with magic ${magic}: only magic 2 is supported`,
    );
  }
  const crc = r.uint32();
  const computed = crc32c(bytes.subarray(ATTRIBUTES_OFFSET));
  if (computed !== crc) {
    throw new KafkaProtocolError(
      `Cannot decode record batch as its CRC 0x${crc.toString(16)} does not match the computed 0x${
        computed.toString(16)
      }`,
    );
  }
  return {
    baseOffset,
    batchLength,
    partitionLeaderEpoch,
    magic,
    crc,
    attributes: r.int16(),
    lastOffsetDelta: r.int32(),
    baseTimestamp: r.int64(),
    maxTimestamp: r.int64(),
    producerId: r.int64(),
    producerEpoch: r.int16(),
    baseSequence: r.int32(),
    records: [],
  };
}

/**
 * Decodes the records section of a batch (after its 61-byte header, decompressed),
 * checking every record as {@link decodeRecordBatch} does.
 *
 * @example Decoding the records of an uncompressed batch
 * ```ts
 * import { decodeRecordsSection, encodeRecordBatch } from "@webstream/kafka/protocol";
 *
 * const bytes = await encodeRecordBatch({ records: [{ value: "a" }, { value: "b" }] });
 * console.log(decodeRecordsSection(bytes.subarray(61), 2).length); // 2
 * ```
 *
 * @param section The records, uncompressed.
 * @param count The record count of the batch header.
 * @returns The records.
 * @throws {KafkaProtocolError} On a malformed record, or bytes left over.
 */
export function decodeRecordsSection(section: Uint8Array, count: number): BatchRecord[] {
  // Every record takes at least 7 bytes, so a count beyond that is refused before
  // anything is allocated for it.
  if (count > section.length / 7) {
    throw new KafkaProtocolError(
      `Cannot decode record batch as its ${count} records cannot fit in ${section.length} bytes`,
    );
  }
  const r = new Reader(section);
  const records: BatchRecord[] = [];
  for (let i = 0; i < count; i++) {
    const lengthAt = r.offset;
    const length = r.varint();
    if (length < 0) {
      throw new KafkaProtocolError(`Cannot decode record ${i} with negative length ${length}`);
    }
    if (length > r.remaining) {
      throw new KafkaProtocolError(
        `Cannot decode record ${i} at offset ${lengthAt}: length ${length} exceeds the ${r.remaining} bytes left`,
      );
    }
    const body = new Reader(r.raw(length, "record"));
    const attributes = body.int8();
    const timestampDelta = body.varlong();
    const offsetDelta = body.varint();
    const key = body.varintBytes("record key");
    const value = body.varintBytes("record value");
    const headerCount = body.varint();
    if (headerCount < 0 || headerCount > body.remaining / 2) {
      throw new KafkaProtocolError(`Cannot decode record ${i} with header count ${headerCount}`);
    }
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const name = body.varintBytes("header key");
      if (name === null) {
        throw new KafkaProtocolError(`Cannot decode record ${i}: a header key is null`);
      }
      headers.push({ key: decodeHeaderKey(name, i), value: body.varintBytes("header value") });
    }
    body.end(`record ${i}`);
    records.push({ attributes, timestampDelta, offsetDelta, key, value, headers });
  }
  r.end("record batch records");
  return records;
}

const headerDecoder = new TextDecoder("utf-8", { fatal: true });

function decodeHeaderKey(bytes: Uint8Array, index: number): string {
  try {
    return headerDecoder.decode(bytes);
  } catch (cause) {
    throw new KafkaProtocolError(`Cannot decode record ${index}: a header key is not valid UTF-8`, {
      cause,
    });
  }
}
