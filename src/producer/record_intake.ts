/**
 * What the producer works out per record before it is buffered, kept synchronous and
 * allocation-free: its timestamp and its size for the budget and the size limits.
 *
 * @module
 */

import type { RecordBytes, RecordHeaderInput } from "../record/record_batch_builder.ts";
import { utf8Length } from "../record/utf8.ts";

/**
 * A record's timestamp: the one it names (ms since the epoch, or a `Date`), else now.
 *
 * @param value The record's `timestamp`.
 * @returns Milliseconds since the epoch.
 * @throws {RangeError} For a negative, fractional or non-numeric timestamp.
 */
export function recordTimestamp(value: number | Date | undefined): number {
  if (value === undefined) return Date.now();
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number" || !Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(
      `Cannot send record as its timestamp must be a non-negative integer of milliseconds or a Date: current value is ${
        String(value)
      }`,
    );
  }
  return ms;
}

/**
 * A record's size for the budget and the size limits: exact for bytes and ASCII
 * strings. A string counts its UTF-16 length unless that might cross `limit` (at up to
 * 3 bytes a unit), then its exact UTF-8 length, so the common path stays a few
 * additions.
 *
 * @param key The serialized key.
 * @param value The serialized value.
 * @param headers The serialized headers, or null.
 * @param limit The smallest size limit the result is compared with.
 * @returns The size in bytes.
 */
export function recordSize(
  key: RecordBytes,
  value: RecordBytes,
  headers: RecordHeaderInput[] | null,
  limit: number,
): number {
  let size = 24 + fieldSize(key) + fieldSize(value);
  if (headers !== null) {
    for (const h of headers) size += 10 + h.key.length + fieldSize(h.value);
  }
  if (size * 3 > limit) {
    size = 24 + exactFieldSize(key) + exactFieldSize(value);
    if (headers !== null) {
      for (const h of headers) size += 10 + utf8Length(h.key) + exactFieldSize(h.value);
    }
  }
  return size;
}

function fieldSize(value: RecordBytes): number {
  return value === null ? 1 : value.length + 3;
}

function exactFieldSize(value: RecordBytes): number {
  if (value === null) return 1;
  return (typeof value === "string" ? utf8Length(value) : value.length) + 3;
}
