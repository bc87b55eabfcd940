/**
 * What Kafka checks in a produced record batch before it appends it (`UnifiedLog`'s
 * `analyzeAndValidateRecords` and `LogValidator`): exactly one batch per partition,
 * magic 2, the size limit (`max.message.bytes`), the CRC, a record count that matches
 * the offset range, no control batches from clients, producer fields that go
 * together, a known codec, and every record well formed with consecutive offset
 * deltas and a timestamp not too far ahead (`message.timestamp.after.max.ms`).
 * Records are walked in place, without allocating per record.
 *
 * @module
 */

import { ErrorCode } from "../protocol/error_codes.ts";
import { crc32c } from "../record/crc32c.ts";
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
} from "../record/record_batch_builder.ts";
import { type BatchHeader, readBatchHeader } from "./partition_log.ts";
import { decompressSync } from "./decompress.ts";

/** Limits a batch is checked against. */
export interface BatchLimits {
  /** The largest batch accepted (`max.message.bytes`). */
  maxMessageBytes: number;
  /** How far ahead of `now` a record timestamp may be (`message.timestamp.after.max.ms`). */
  timestampAfterMaxMs: number;
  /** The broker's clock, in milliseconds. */
  now: number;
  /** The Produce version the batch came in (zstd needs v7+). */
  produceVersion: number;
}

/** A record that made its batch fail, as Produce v8+ reports it. */
export interface RecordError {
  /** The record's index in the batch. */
  batchIndex: number;
  /** Why. */
  message: string;
}

/** The outcome of {@link validateBatch}. */
export type BatchValidation =
  | { readonly ok: true; readonly header: BatchHeader }
  | {
    readonly ok: false;
    readonly code: number;
    readonly message: string;
    readonly recordErrors: readonly RecordError[];
  };

function fail(code: number, message: string, recordErrors: RecordError[] = []): BatchValidation {
  return { ok: false, code, message, recordErrors };
}

/** A record walk's cursor: a position, and the last value read. */
interface Cursor {
  pos: number;
  value: number;
}

/** Reads a zigzag varint (at most 5 bytes); false when malformed or past `end`. */
function varint(buf: Uint8Array, c: Cursor, end: number): boolean {
  let raw = 0;
  for (let i = 0; i < 5; i++) {
    if (c.pos >= end) return false;
    const b = buf[c.pos++]!;
    raw += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      c.value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return raw <= 0xffffffff;
    }
  }
  return false;
}

/** Reads a zigzag varlong (at most 10 bytes) as a number; false when malformed. */
function varlong(buf: Uint8Array, c: Cursor, end: number): boolean {
  let raw = 0;
  for (let i = 0; i < 10; i++) {
    if (c.pos >= end) return false;
    const b = buf[c.pos++]!;
    raw += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      // Past 2^53 the value is not exact, which a timestamp delta never needs.
      c.value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return true;
    }
  }
  return false;
}

/** Skips a varint-length byte field (key, value, header); false when malformed. */
function bytesField(buf: Uint8Array, c: Cursor, end: number, nullable: boolean): boolean {
  if (!varint(buf, c, end)) return false;
  const n = c.value;
  if (n < (nullable ? -1 : 0)) return false;
  if (n > 0) {
    if (n > end - c.pos) return false;
    c.pos += n;
  }
  return true;
}

/** Walks `count` records; returns an error or null. */
function walkRecords(
  section: Uint8Array,
  count: number,
  baseTimestamp: number,
  maxTimestamp: number,
): BatchValidation | null {
  if (count > section.length / 7) {
    return fail(
      ErrorCode.CORRUPT_MESSAGE,
      `Record batch claims ${count} records in ${section.length} bytes`,
    );
  }
  const c: Cursor = { pos: 0, value: 0 };
  const end = section.length;
  const corrupt = (i: number): BatchValidation =>
    fail(ErrorCode.CORRUPT_MESSAGE, `Record ${i} of the batch is malformed`);
  for (let i = 0; i < count; i++) {
    if (!varint(section, c, end) || c.value < 0 || c.value > end - c.pos) return corrupt(i);
    const recordEnd = c.pos + c.value;
    c.pos++; // attributes
    if (!varlong(section, c, recordEnd)) return corrupt(i);
    const timestamp = baseTimestamp + c.value;
    if (!varint(section, c, recordEnd)) return corrupt(i);
    if (c.value !== i) {
      return fail(ErrorCode.INVALID_RECORD, "Record batch has non-consecutive offset deltas", [{
        batchIndex: i,
        message: `Record ${i} has offset delta ${c.value}, expected ${i}`,
      }]);
    }
    if (!bytesField(section, c, recordEnd, true) || !bytesField(section, c, recordEnd, true)) {
      return corrupt(i);
    }
    if (!varint(section, c, recordEnd)) return corrupt(i);
    const headers = c.value;
    if (headers < 0 || headers > (recordEnd - c.pos) / 2) return corrupt(i);
    for (let h = 0; h < headers; h++) {
      if (!bytesField(section, c, recordEnd, false) || !bytesField(section, c, recordEnd, true)) {
        return corrupt(i);
      }
    }
    if (c.pos !== recordEnd) return corrupt(i);
    if (timestamp > maxTimestamp) {
      return fail(ErrorCode.INVALID_TIMESTAMP, `Record ${i} has a timestamp too far ahead`, [{
        batchIndex: i,
        message: `Timestamp ${timestamp} of record ${i} is more than the allowed time ahead`,
      }]);
    }
  }
  if (c.pos !== end) {
    return fail(
      ErrorCode.CORRUPT_MESSAGE,
      `Record batch has ${end - c.pos} bytes after its records`,
    );
  }
  return null;
}

/**
 * Checks one partition's records field of a Produce request, as Kafka does.
 *
 * @example A flipped bit fails the CRC
 * ```ts
 * import { validateBatch } from "./batch_validation.ts";
 * import { encodeRecordBatch } from "../record/record_batch.ts";
 *
 * const batch = encodeRecordBatch({ records: [{ value: "hello" }] }) as Uint8Array;
 * const limits = { maxMessageBytes: 1048588, timestampAfterMaxMs: 3600000, now: Date.now(), produceVersion: 9 };
 * console.log(validateBatch(batch, limits).ok); // true
 * batch[70]! ^= 1;
 * const result = validateBatch(batch, limits);
 * console.log(result.ok ? 0 : result.code); // 2 (CORRUPT_MESSAGE)
 * ```
 *
 * @param bytes The records field (exactly one batch expected).
 * @param limits The limits to check against.
 * @returns The batch header when valid, else the error code (with record errors for
 * INVALID_RECORD and INVALID_TIMESTAMP).
 */
export function validateBatch(bytes: Uint8Array, limits: BatchLimits): BatchValidation {
  const framing = checkFraming(bytes, limits);
  if (framing !== null) return framing;
  const header = readBatchHeader(bytes);
  const fields = checkHeader(bytes, header, limits);
  if (fields !== null) return fields;
  const section = recordsSection(bytes, header, limits);
  if (!(section instanceof Uint8Array)) return section;
  const latest = limits.now + limits.timestampAfterMaxMs;
  return walkRecords(section, header.count, header.baseTimestamp, latest) ?? { ok: true, header };
}

/** Checks the batch as bytes: its size, magic, length field, size limit and CRC. */
function checkFraming(bytes: Uint8Array, limits: BatchLimits): BatchValidation | null {
  if (bytes.length < RECORD_BATCH_HEADER_SIZE) {
    return fail(
      ErrorCode.CORRUPT_MESSAGE,
      `Record batch of ${bytes.length} bytes is shorter than a batch header`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = bytes[16]!;
  if (magic !== 2) {
    return fail(
      ErrorCode.INVALID_RECORD,
      `Produce requests with version 3 and later take record batches with magic 2 only: got magic ${magic}`,
    );
  }
  const length = view.getInt32(8) + 12;
  if (length < RECORD_BATCH_HEADER_SIZE || length > bytes.length) {
    return fail(
      ErrorCode.CORRUPT_MESSAGE,
      `Record batch length ${length} does not fit its ${bytes.length} bytes`,
    );
  }
  if (length < bytes.length) {
    return fail(
      ErrorCode.INVALID_RECORD,
      "Produce requests with version 3 and later take exactly one record batch per partition",
    );
  }
  if (length > limits.maxMessageBytes) {
    return fail(
      ErrorCode.MESSAGE_TOO_LARGE,
      `Record batch of ${length} bytes is larger than max.message.bytes (${limits.maxMessageBytes})`,
    );
  }
  if (crc32c(bytes.subarray(ATTRIBUTES_OFFSET)) !== view.getUint32(CRC_OFFSET)) {
    return fail(ErrorCode.CORRUPT_MESSAGE, "Record batch is corrupt: its CRC does not match");
  }
  return null;
}

/** Checks the header's fields: the count, control flag, producer fields and codec. */
function checkHeader(
  bytes: Uint8Array,
  header: BatchHeader,
  limits: BatchLimits,
): BatchValidation | null {
  const lastOffsetDelta = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .getInt32(23);
  if (header.count <= 0 || lastOffsetDelta + 1 !== header.count) {
    return fail(
      ErrorCode.INVALID_RECORD,
      `Record batch has ${header.count} records but an offset range of ${lastOffsetDelta + 1}`,
    );
  }
  if ((header.attributes & 0x20) !== 0) {
    return fail(ErrorCode.INVALID_RECORD, "Clients are not allowed to write control records");
  }
  const transactional = (header.attributes & 0x10) !== 0;
  if (header.producerId >= 0n ? header.baseSequence < 0 : transactional) {
    return fail(
      ErrorCode.INVALID_RECORD,
      `Record batch has producer id ${header.producerId} with base sequence ${header.baseSequence}${
        transactional ? " in a transaction" : ""
      }`,
    );
  }
  const codec = header.attributes & 0x07;
  if (codec > 4 || (codec === 4 && limits.produceVersion < 7)) {
    return fail(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `Compression ${codec} is not accepted in Produce v${limits.produceVersion}`,
    );
  }
  return null;
}

/** The records after the header, decompressed. */
function recordsSection(
  bytes: Uint8Array,
  header: BatchHeader,
  limits: BatchLimits,
): Uint8Array | BatchValidation {
  const section = bytes.subarray(RECORD_BATCH_HEADER_SIZE);
  const codec = header.attributes & 0x07;
  if (codec === 0) return section;
  try {
    return decompressSync(codec, section, limits.maxMessageBytes * 64);
  } catch (error) {
    return fail(
      ErrorCode.CORRUPT_MESSAGE,
      `Record batch does not decompress: ${(error as Error).message}`,
    );
  }
}
