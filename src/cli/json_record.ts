/**
 * One line of `--format json`: `{ "key", "value", "headers", "partition",
 * "timestamp" }`, strings as UTF-8 and `{ "base64": "..." }` for bytes.
 *
 * @module
 */

import type { HeaderValue, ProducerRecord, RecordHeaders } from "../../mod.ts";

/** The fields a JSON record may have. */
const FIELDS = ["key", "value", "headers", "partition", "timestamp"];

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A string, null, or `{ "base64": ... }` as bytes. */
function bytes(field: string, value: unknown): string | Uint8Array | null {
  if (value === null || typeof value === "string") return value;
  if (typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const b64 = (value as { base64?: unknown }).base64;
    if (keys.length === 1 && typeof b64 === "string") {
      let binary: string;
      try {
        binary = atob(b64);
      } catch {
        throw new Error(`its ${field}.base64 is not base64: current value is ${describe(b64)}`);
      }
      const out = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
      return out;
    }
  }
  throw new Error(
    `its ${field} must be a string, null or { "base64": "..." }: current value is ${
      describe(value)
    }`,
  );
}

function headers(value: unknown): RecordHeaders {
  if (Array.isArray(value)) {
    return value.map((pair, i): [string, HeaderValue] => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
        throw new Error(
          `its headers[${i}] must be a [name, value] pair: current value is ${describe(pair)}`,
        );
      }
      return [pair[0], bytes(`headers[${i}][1]`, pair[1])];
    });
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, HeaderValue> = {};
    for (const [name, v] of Object.entries(value)) out[name] = bytes(`headers.${name}`, v);
    return out;
  }
  throw new Error(
    `its headers must be an object or an array of [name, value] pairs: current value is ${
      describe(value)
    }`,
  );
}

/**
 * Reads one JSON line as a record.
 *
 * @example A keyed record with bytes and a header
 * ```ts
 * import { jsonRecord } from "./json_record.ts";
 *
 * const record = jsonRecord('{"key":"k","value":{"base64":"AAE="},"headers":{"h":"x"}}');
 * console.log(record.key, record.value, record.headers); // k Uint8Array(2) [ 0, 1 ] { h: "x" }
 * ```
 *
 * @param text The line.
 * @returns The record.
 * @throws {Error} For text that is not JSON, or JSON that is not a record; the
 * message is the reason ("it is not JSON: ..."), for the caller to name the line.
 */
export function jsonRecord(text: string): ProducerRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`it is not a JSON object: current value is ${describe(parsed)}`);
  }
  const object = parsed as Record<string, unknown>;
  for (const field of Object.keys(object)) {
    if (!FIELDS.includes(field)) {
      throw new Error(`it has an unknown field "${field}" (a record has ${FIELDS.join(", ")})`);
    }
  }
  if (!("value" in object)) throw new Error("it has no value (null for a tombstone)");
  const record: ProducerRecord = { value: bytes("value", object.value) };
  if (object.key !== undefined) record.key = bytes("key", object.key);
  if (object.headers !== undefined) record.headers = headers(object.headers);
  if (object.partition !== undefined) {
    const p = object.partition;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0) {
      throw new Error(
        `its partition must be an integer of at least 0: current value is ${describe(p)}`,
      );
    }
    record.partition = p;
  }
  if (object.timestamp !== undefined) {
    const t = object.timestamp;
    const ms = typeof t === "number" ? t : typeof t === "string" ? Date.parse(t) : NaN;
    if (!Number.isInteger(ms)) {
      throw new Error(
        `its timestamp must be milliseconds since the epoch or an ISO 8601 date: current value is ${
          describe(t)
        }`,
      );
    }
    record.timestamp = ms;
  }
  return record;
}
