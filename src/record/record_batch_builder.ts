/**
 * Writes records straight into one RecordBatch v2 buffer, the producer's hot path.
 *
 * Each record is sized from upper bounds before anything is written (a string takes
 * at most 3 bytes per UTF-16 unit), so there is no intermediate array per record:
 * keys, values and header names are encoded in place (`writeUtf8`), and a length
 * prefix whose varint turned out one byte shorter than reserved is fixed with one
 * `copyWithin`. The 61-byte batch header is written at {@link RecordBatchBuilder.finish},
 * the CRC last.
 *
 * Layout (Kafka protocol guide, "Record Batch"):
 * ```
 * baseOffset: int64 | batchLength: int32 | partitionLeaderEpoch: int32 | magic: int8 (2)
 * crc: uint32 (CRC-32C of attributes .. end) | attributes: int16 | lastOffsetDelta: int32
 * baseTimestamp: int64 | maxTimestamp: int64 | producerId: int64 | producerEpoch: int16
 * baseSequence: int32 | recordCount: int32 | records
 * record: length: varint | attributes: int8 | timestampDelta: varlong | offsetDelta: varint
 *         keyLength: varint | key | valueLength: varint | value | headerCount: varint
 *         header: keyLength: varint | key (UTF-8) | valueLength: varint | value
 * ```
 *
 * @module
 */

import { crc32c } from "./crc32c.ts";
import { maxUtf8Length, writeUtf8 } from "./utf8.ts";
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from "../protocol/varint.ts";

/** Bytes before the first record: the batch header and the record count. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** Offset of the batchLength field. */
export const BATCH_LENGTH_OFFSET = 8;
/** Offset of the CRC field. */
export const CRC_OFFSET = 17;
/** Offset of the attributes field, where the CRC'd bytes start. */
export const ATTRIBUTES_OFFSET = 21;
/** Offset of the producerId field. */
export const PRODUCER_ID_OFFSET = 43;
/** Offset of the producerEpoch field. */
export const PRODUCER_EPOCH_OFFSET = 51;
/** Offset of the baseSequence field. */
export const BASE_SEQUENCE_OFFSET = 53;
/** Offset of the record count field. */
export const RECORD_COUNT_OFFSET = 57;

/** A key, value or header value as the builder takes it. */
export type RecordBytes = Uint8Array | string | null;

/** One record header as the builder takes it. */
export interface RecordHeaderInput {
  /** The header name. */
  key: string;
  /** The header value. */
  value: RecordBytes;
}

/** The batch-level fields written at {@link RecordBatchBuilder.finish}. */
export interface RecordBatchHeader {
  /** The offset of the first record; 0 for a batch a producer sends. */
  baseOffset: bigint;
  /** -1 when produced by a client. */
  partitionLeaderEpoch: number;
  /** Compression (bits 0-2), timestamp type (3), transactional (4), control (5). */
  attributes: number;
  /** The offset delta of the last record. */
  lastOffsetDelta: number;
  /** The timestamp of the first record, in ms. */
  baseTimestamp: bigint;
  /** The largest timestamp in the batch, in ms. */
  maxTimestamp: bigint;
  /** The producer id, or -1. */
  producerId: bigint;
  /** The producer epoch, or -1. */
  producerEpoch: number;
  /** The sequence number of the first record, or -1. */
  baseSequence: number;
}

const MIN_CAPACITY = 256;

function maxFieldSize(value: RecordBytes): number {
  if (value === null) return 1;
  const n = typeof value === "string" ? maxUtf8Length(value) : value.length;
  return sizeOfVarint(n) + n;
}

/**
 * Writes a varint-length-prefixed field at `pos`, reserving the prefix size implied
 * by the field's upper bound and shifting the bytes back if the real length needs
 * fewer.
 */
function writeField(buf: Uint8Array, pos: number, value: RecordBytes): number {
  if (value === null) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  if (typeof value !== "string") {
    pos = writeVarint(buf, pos, value.length);
    buf.set(value, pos);
    return pos + value.length;
  }
  const reserved = sizeOfVarint(maxUtf8Length(value));
  const written = writeUtf8(buf, pos + reserved, value);
  const needed = sizeOfVarint(written);
  if (needed !== reserved) buf.copyWithin(pos + needed, pos + reserved, pos + reserved + written);
  writeVarint(buf, pos, written);
  return pos + needed + written;
}

/**
 * Where a {@link RecordBatchBuilder} gets a larger buffer when a record does not fit,
 * and where it returns the one it outgrew (a producer's buffer pool, say), so growing
 * a batch does not leave garbage behind.
 *
 * @example A pass-through allocator
 * ```ts
 * import { type BufferAllocator, RecordBatchBuilder } from "@webstream/kafka/protocol";
 *
 * const allocator: BufferAllocator = {
 *   take: (size) => new Uint8Array(size),
 *   give: () => {},
 * };
 * const builder = new RecordBatchBuilder(allocator.take(1024), allocator);
 * builder.append(0, 0, null, "x".repeat(4096), null); // grows through the allocator
 * ```
 */
export interface BufferAllocator {
  /**
   * A buffer of at least `size` bytes.
   *
   * @param size Bytes needed.
   * @returns The buffer; its contents do not matter.
   */
  take(size: number): Uint8Array;
  /**
   * Takes back a buffer the builder no longer uses.
   *
   * @param buffer The buffer; the builder never touches it again.
   */
  give(buffer: Uint8Array): void;
}

/**
 * Accumulates records into one RecordBatch v2 buffer.
 *
 * @example Building a batch of two records
 * ```ts
 * import { RecordBatchBuilder } from "@webstream/kafka/protocol";
 *
 * const builder = new RecordBatchBuilder(1024);
 * builder.append(0, 0, "key-1", "hello", null);
 * builder.append(5, 1, null, new Uint8Array([1, 2]), [{ key: "h", value: "v" }]);
 * const batch = builder.finish({
 *   baseOffset: 0n, partitionLeaderEpoch: -1, attributes: 0, lastOffsetDelta: 1,
 *   baseTimestamp: 1700000000000n, maxTimestamp: 1700000000005n,
 *   producerId: -1n, producerEpoch: -1, baseSequence: -1,
 * });
 * console.log(batch.length); // 91
 * ```
 */
export class RecordBatchBuilder {
  #buf: Uint8Array;
  readonly #allocator: BufferAllocator | undefined;
  #pos = RECORD_BATCH_HEADER_SIZE;
  #count = 0;

  /**
   * Makes an empty builder.
   *
   * @param capacity Initial buffer size in bytes (the batch's expected size), or a
   * buffer to write into (for example a pooled one); it grows for a record that does
   * not fit.
   * @param allocator Where a larger buffer comes from, and the outgrown one goes; by
   * default a new buffer is allocated and the old one left to the garbage collector.
   */
  constructor(capacity: number | Uint8Array, allocator?: BufferAllocator) {
    this.#allocator = allocator;
    this.#buf = typeof capacity === "number"
      ? new Uint8Array(Math.max(MIN_CAPACITY, capacity))
      : capacity.length >= MIN_CAPACITY
      ? capacity
      : new Uint8Array(MIN_CAPACITY);
  }

  /** Records appended so far. */
  get count(): number {
    return this.#count;
  }

  /** Bytes the batch takes so far, header included. */
  get size(): number {
    return this.#pos;
  }

  /**
   * An upper bound on the bytes {@link RecordBatchBuilder.append} would add for a
   * record, to decide whether it still fits a batch before appending it.
   *
   * @param timestampDelta Milliseconds after the batch's base timestamp.
   * @param offsetDelta The record's index in the batch.
   * @param key The key.
   * @param value The value.
   * @param headers The headers, or null.
   * @returns The bound in bytes.
   */
  static maxRecordSize(
    timestampDelta: number,
    offsetDelta: number,
    key: RecordBytes,
    value: RecordBytes,
    headers: readonly RecordHeaderInput[] | null,
  ): number {
    let body = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) +
      maxFieldSize(key) + maxFieldSize(value);
    const headerCount = headers === null ? 0 : headers.length;
    body += sizeOfVarint(headerCount);
    for (let i = 0; i < headerCount; i++) {
      const header = headers![i]!;
      body += maxFieldSize(header.key) + maxFieldSize(header.value);
    }
    return sizeOfVarint(body) + body;
  }

  /**
   * Appends one record.
   *
   * @param timestampDelta Milliseconds after the batch's base timestamp (a safe integer).
   * @param offsetDelta The record's offset delta (its index, for a producer).
   * @param key The key: bytes, a string (written as UTF-8) or null.
   * @param value The value: bytes, a string (written as UTF-8) or null.
   * @param headers The headers, or null for none.
   * @param attributes The record attributes byte (unused by Kafka; 0).
   * @returns The bytes the record took.
   */
  append(
    timestampDelta: number,
    offsetDelta: number,
    key: RecordBytes,
    value: RecordBytes,
    headers: readonly RecordHeaderInput[] | null,
    attributes = 0,
  ): number {
    const bound = RecordBatchBuilder.maxRecordSize(
      timestampDelta,
      offsetDelta,
      key,
      value,
      headers,
    );
    const start = this.#pos;
    if (start + bound > this.#buf.length) this.#grow(start + bound);
    const buf = this.#buf;
    const reserved = sizeOfVarint(bound);
    let pos = start + reserved;
    buf[pos++] = attributes;
    pos = writeVarlong(buf, pos, timestampDelta);
    pos = writeVarint(buf, pos, offsetDelta);
    pos = writeField(buf, pos, key);
    pos = writeField(buf, pos, value);
    const headerCount = headers === null ? 0 : headers.length;
    pos = writeVarint(buf, pos, headerCount);
    for (let i = 0; i < headerCount; i++) {
      const header = headers![i]!;
      pos = writeField(buf, pos, header.key);
      pos = writeField(buf, pos, header.value);
    }
    const body = pos - start - reserved;
    const needed = sizeOfVarint(body);
    if (needed !== reserved) {
      buf.copyWithin(start + needed, start + reserved, pos);
      pos -= reserved - needed;
    }
    writeVarint(buf, start, body);
    this.#pos = pos;
    this.#count++;
    return pos - start;
  }

  /**
   * The encoded records written so far (a view), for compression.
   *
   * @returns The records section, after the record count.
   */
  records(): Uint8Array {
    return this.#buf.subarray(RECORD_BATCH_HEADER_SIZE, this.#pos);
  }

  /**
   * Writes the batch header, the length and the CRC, and returns the batch. The
   * builder must not be used afterwards.
   *
   * @param header The batch-level fields.
   * @param compressedRecords When the batch is compressed, the compressed records
   * section that replaces the one appended.
   * @returns The encoded batch (a view of the builder's buffer).
   */
  finish(header: RecordBatchHeader, compressedRecords?: Uint8Array): Uint8Array {
    const batch = this.finishUnsealed(header, compressedRecords);
    sealRecordBatch(batch);
    return batch;
  }

  /**
   * As {@link RecordBatchBuilder.finish}, without the CRC: for a batch whose header
   * changes before it is sent (a producer stamps its id and sequence then), which
   * {@link sealRecordBatch} or {@link restampRecordBatch} completes once, so a large
   * batch is summed once, not twice.
   *
   * @param header The batch-level fields.
   * @param compressedRecords The compressed records section, when compressed.
   * @returns The encoded batch, its CRC field not yet written.
   */
  finishUnsealed(header: RecordBatchHeader, compressedRecords?: Uint8Array): Uint8Array {
    let end = this.#pos;
    if (compressedRecords !== undefined) {
      end = RECORD_BATCH_HEADER_SIZE + compressedRecords.length;
      if (end > this.#buf.length) this.#grow(end);
      this.#buf.set(compressedRecords, RECORD_BATCH_HEADER_SIZE);
    }
    const buf = this.#buf;
    const view = new DataView(buf.buffer, buf.byteOffset, end);
    view.setBigInt64(0, header.baseOffset);
    view.setInt32(BATCH_LENGTH_OFFSET, end - 12);
    view.setInt32(12, header.partitionLeaderEpoch);
    view.setInt8(16, 2);
    view.setInt16(ATTRIBUTES_OFFSET, header.attributes);
    view.setInt32(23, header.lastOffsetDelta);
    view.setBigInt64(27, header.baseTimestamp);
    view.setBigInt64(35, header.maxTimestamp);
    view.setBigInt64(PRODUCER_ID_OFFSET, header.producerId);
    view.setInt16(PRODUCER_EPOCH_OFFSET, header.producerEpoch);
    view.setInt32(BASE_SEQUENCE_OFFSET, header.baseSequence);
    view.setInt32(RECORD_COUNT_OFFSET, this.#count);
    return buf.subarray(0, end);
  }

  #grow(need: number): void {
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const old = this.#buf;
    let next = this.#allocator?.take(size);
    if (next === undefined || next.length < need) next = new Uint8Array(size);
    next.set(old.subarray(0, this.#pos));
    this.#buf = next;
    this.#allocator?.give(old);
  }
}

/**
 * Rewrites the producer id, epoch and base sequence of an encoded batch and
 * recomputes its CRC, as an idempotent producer does when its epoch is bumped.
 *
 * @param batch An encoded batch; changed in place.
 * @param producerId The producer id.
 * @param producerEpoch The producer epoch.
 * @param baseSequence The sequence of the first record.
 */
export function restampRecordBatch(
  batch: Uint8Array,
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
): void {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  view.setBigInt64(PRODUCER_ID_OFFSET, producerId);
  view.setInt16(PRODUCER_EPOCH_OFFSET, producerEpoch);
  view.setInt32(BASE_SEQUENCE_OFFSET, baseSequence);
  sealRecordBatch(batch);
}

/**
 * Writes the CRC-32C of an encoded batch (over everything from its attributes on)
 * into its CRC field.
 *
 * @param batch An encoded batch; changed in place.
 */
export function sealRecordBatch(batch: Uint8Array): void {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  view.setUint32(CRC_OFFSET, crc32c(batch.subarray(ATTRIBUTES_OFFSET)));
}
