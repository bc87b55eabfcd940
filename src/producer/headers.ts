/**
 * Record headers as users give them (an object, or `[key, value]` pairs when a key
 * repeats) turned into the list the batch builder writes, values checked.
 *
 * @module
 */

import { KafkaSerializationError } from "../errors.ts";
import type { RecordHeaderInput } from "../record/record_batch_builder.ts";
import type { HeaderValue, RecordHeaders } from "../types.ts";

function checkValue(key: string, value: unknown, topic: string): HeaderValue {
  if (typeof value === "string" || value === null || value instanceof Uint8Array) return value;
  throw new KafkaSerializationError(
    "header",
    topic,
    `header "${key}" must be a string, a Uint8Array or null: got ${typeof value}`,
  );
}

/**
 * Normalizes headers.
 *
 * @param headers The record's headers, if any.
 * @param topic The record's topic, for errors.
 * @returns The headers in order, or null for none.
 * @throws {KafkaSerializationError} For a header that is not a string key with a
 * string, `Uint8Array` or null value.
 */
export function normalizeHeaders(
  headers: RecordHeaders | undefined,
  topic: string,
): RecordHeaderInput[] | null {
  if (headers === undefined || headers === null) return null;
  const out: RecordHeaderInput[] = [];
  if (Array.isArray(headers)) {
    for (const pair of headers as readonly unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") {
        throw new KafkaSerializationError(
          "header",
          topic,
          "headers as an array must hold [key, value] pairs with string keys",
        );
      }
      out.push({ key: pair[0], value: checkValue(pair[0], pair[1], topic) });
    }
  } else if (typeof headers === "object") {
    for (const key in headers) {
      if (Object.hasOwn(headers, key)) {
        out.push({ key, value: checkValue(key, (headers as Record<string, unknown>)[key], topic) });
      }
    }
  } else {
    throw new KafkaSerializationError(
      "header",
      topic,
      `headers must be an object or an array of pairs: got ${typeof headers}`,
    );
  }
  return out.length === 0 ? null : out;
}
