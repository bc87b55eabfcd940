/**
 * Serializers turn a record's key or value into bytes. By default a key or value
 * may be a `string` (written as UTF-8 straight into the batch, with no intermediate
 * array), a `Uint8Array` or `null`; a {@link Serializer} option changes that.
 * `null` always stays `null` (a Kafka tombstone / null key).
 *
 * @module
 */

import { KafkaSerializationError } from "../errors.ts";
import { encodeUtf8 } from "../record/utf8.ts";
import type { RecordBytes } from "../record/record_batch_builder.ts";

/**
 * Turns a key or value into bytes, as Java's `Serializer.serialize(topic, data)`.
 * Return `null` for a null key or value. Throwing fails that record with a
 * {@link KafkaSerializationError}; nothing else is affected.
 *
 * @typeParam T The type of the keys or values it takes.
 */
export type Serializer<T> = (value: T, topic: string) => Uint8Array | null;

/**
 * UTF-8 through `TextEncoder`; `null` stays `null`.
 *
 * @example Using the string serializer
 * ```ts
 * import { stringSerializer } from "@webstream/kafka";
 *
 * console.log(stringSerializer("hé", "events")); // Uint8Array [104, 195, 169]
 * ```
 */
export const stringSerializer: Serializer<string | null> = (
  value: string | null,
): Uint8Array | null => value === null ? null : encodeUtf8(value);

/**
 * `JSON.stringify` then UTF-8; `null` stays `null` (a tombstone), not `"null"`.
 *
 * @example Using the JSON serializer
 * ```ts
 * import { jsonSerializer } from "@webstream/kafka";
 *
 * console.log(new TextDecoder().decode(jsonSerializer({ a: 1 }, "events")!)); // {"a":1}
 * ```
 */
export const jsonSerializer: Serializer<unknown> = (value: unknown): Uint8Array | null =>
  value === null ? null : encodeUtf8(jsonText(value));

/** JSON text of a value, or the error JSON.stringify would not give for `undefined`. */
function jsonText(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`JSON.stringify cannot represent a value of type ${typeof value}`);
  }
  return text;
}

/**
 * Raw bytes, passed through; `null` stays `null`.
 *
 * @example Using the bytes serializer
 * ```ts
 * import { bytesSerializer } from "@webstream/kafka";
 *
 * console.log(bytesSerializer(new Uint8Array([1, 2]), "events")); // Uint8Array [1, 2]
 * ```
 */
export const bytesSerializer: Serializer<Uint8Array | null> = (
  value: Uint8Array | null,
): Uint8Array | null => value;

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) {
    return `an object (${value.constructor?.name ?? "null prototype"})`;
  }
  return `a ${typeof value}`;
}

/**
 * Serializes a key, value or header value for the producer: through `serializer`
 * when one is given (its result must be a `Uint8Array` or `null`), else checking
 * the default shapes (`string`, `Uint8Array`, `null`).
 *
 * @param serializer The user's serializer, or undefined for the default.
 * @param value The key, value or header value.
 * @param field Which field it is, for the error.
 * @param topic The record's topic.
 * @returns The bytes (a string is returned as is, to be written as UTF-8 in place).
 * @throws {KafkaSerializationError} When the serializer throws or returns something else.
 */
export function serializeField<T>(
  serializer: Serializer<T> | undefined,
  value: T,
  field: "key" | "value" | "header",
  topic: string,
): RecordBytes {
  if (serializer === undefined) {
    if (typeof value === "string" || value === null || value instanceof Uint8Array) {
      return value as RecordBytes;
    }
    if (value === undefined && field === "key") return null;
    throw new KafkaSerializationError(
      field,
      topic,
      `expected a string, a Uint8Array or null without a ${field}Serializer: got ${
        describe(value)
      }`,
    );
  }
  let bytes: unknown;
  try {
    // The producer's own serializers hand over text, which the batch writes as UTF-8
    // in place: the same bytes, without an array (and a TextEncoder call) per record.
    if (serializer === (jsonSerializer as Serializer<unknown>)) {
      return value === null ? null : jsonText(value);
    }
    if (serializer === (stringSerializer as Serializer<unknown>)) {
      if (value === null || typeof value === "string") return value as string | null;
    }
    bytes = serializer(value, topic);
  } catch (cause) {
    throw new KafkaSerializationError(field, topic, cause);
  }
  if (bytes === null || bytes instanceof Uint8Array) return bytes;
  throw new KafkaSerializationError(
    field,
    topic,
    `the ${field} serializer returned ${describe(bytes)}, not a Uint8Array or null`,
  );
}
