/**
 * The fields whose encoding changes at an API's first flexible version (KIP-482):
 * strings, bytes and arrays become compact (an unsigned varint of length + 1) and
 * every struct ends in a tagged-field section. A codec works out `flexible` once
 * and calls these, instead of branching at every field.
 *
 * @module
 */

import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * Writes a nullable string: compact when flexible, int16-prefixed before.
 *
 * @param w The writer.
 * @param flexible Whether the version is flexible.
 * @param value The string or null.
 *
 * @example The same string in both encodings
 * ```ts
 * import { writeString } from "./flexible.ts";
 * import { Writer } from "./writer.ts";
 *
 * const w = new Writer();
 * writeString(w, false, "ab");
 * writeString(w, true, "ab");
 * console.log([...w.bytes()]); // [0, 2, 97, 98, 3, 97, 98]
 * ```
 */
export function writeString(w: Writer, flexible: boolean, value: string | null): void {
  if (flexible) w.compactString(value);
  else w.string(value);
}

/**
 * Reads a string that may not be null: compact when flexible, int16-prefixed before.
 *
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 * @param what What it is, for the error message.
 * @returns The string.
 * @throws {KafkaProtocolError} When it is null or truncated.
 */
export function readString(r: Reader, flexible: boolean, what: string): string {
  return flexible ? r.requiredCompactString(what) : r.requiredString(what);
}

/**
 * Reads a nullable string: compact when flexible, int16-prefixed before.
 *
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 * @returns The string, or null.
 */
export function readNullableString(r: Reader, flexible: boolean): string | null {
  return flexible ? r.compactString() : r.string();
}

/**
 * Writes the count that opens an array written item by item in place: `n + 1` as an
 * unsigned varint when flexible, an int32 before.
 *
 * @param w The writer.
 * @param flexible Whether the version is flexible.
 * @param n The number of items.
 */
export function writeCount(w: Writer, flexible: boolean, n: number): void {
  if (flexible) w.unsignedVarint(n + 1);
  else w.int32(n);
}

/**
 * Writes a nullable array: compact when flexible, int32-counted before.
 *
 * @typeParam T The item type.
 * @param w The writer.
 * @param flexible Whether the version is flexible.
 * @param items The items, or null.
 * @param write Writes one item.
 */
export function writeArray<T>(
  w: Writer,
  flexible: boolean,
  items: readonly T[] | null,
  write: (w: Writer, item: T) => void,
): void {
  if (flexible) w.compactArray(items, write);
  else w.array(items, write);
}

/**
 * Reads an array, a null one as empty: compact when flexible, int32-counted before.
 *
 * @typeParam T The item type.
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 * @param read Reads one item.
 * @returns The items.
 */
export function readArray<T>(r: Reader, flexible: boolean, read: (r: Reader) => T): T[] {
  return flexible ? r.requiredCompactArray(read) : r.requiredArray(read);
}

/**
 * Reads a nullable array: compact when flexible, int32-counted before.
 *
 * @typeParam T The item type.
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 * @param read Reads one item.
 * @returns The items, or null.
 */
export function readNullableArray<T>(
  r: Reader,
  flexible: boolean,
  read: (r: Reader) => T,
): T[] | null {
  return flexible ? r.compactArray(read) : r.array(read);
}

/**
 * Ends a struct: its empty tagged-field section when flexible, nothing before.
 *
 * @param w The writer.
 * @param flexible Whether the version is flexible.
 */
export function endStruct(w: Writer, flexible: boolean): void {
  if (flexible) w.tags();
}

/**
 * Skips the tagged fields that end a struct when flexible; nothing before.
 *
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 */
export function skipStructEnd(r: Reader, flexible: boolean): void {
  if (flexible) r.skipTags();
}

/**
 * Writes how a topic is named: by id from `idsFrom` on, else by name.
 *
 * @param w The writer.
 * @param flexible Whether the version is flexible.
 * @param byId Whether the version names topics by id.
 * @param topic The topic's name and id.
 * @param what The request and version, for the error message (`"Fetch v13"`).
 * @throws {TypeError} When topics go by id and this one has none.
 */
export function writeTopicKey(
  w: Writer,
  flexible: boolean,
  byId: boolean,
  topic: { readonly name: string; readonly topicId?: Uint8Array | undefined },
  what: string,
): void {
  if (!byId) return writeString(w, flexible, topic.name);
  if (topic.topicId === undefined) {
    throw new TypeError(
      `Cannot encode ${what} for topic ${topic.name} as it has no topic id: v13 and later name topics by id`,
    );
  }
  w.uuid(topic.topicId);
}

/**
 * Reads a topic's name where the version names topics by name; "" where by id (the id
 * follows, read by the caller).
 *
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 * @param byId Whether the version names topics by id.
 * @returns The name, or "".
 */
export function readTopicName(r: Reader, flexible: boolean, byId: boolean): string {
  return byId ? "" : readString(r, flexible, "topic name");
}

/**
 * Writes an array of topics, each its name and an array of partitions, each topic
 * ending its struct: the shape most requests and responses repeat.
 *
 * @typeParam T The topic type.
 * @typeParam P The partition type.
 * @param w The writer.
 * @param flexible Whether the version is flexible.
 * @param topics The topics.
 * @param fields A topic's name and partitions.
 * @param writePartition Writes one partition (its struct end included).
 */
export function writeTopics<T, P>(
  w: Writer,
  flexible: boolean,
  topics: readonly T[],
  fields: (topic: T) => readonly [name: string, partitions: readonly P[]],
  writePartition: (w: Writer, partition: P) => void,
): void {
  writeArray(w, flexible, topics, (w, topic) => {
    const [name, partitions] = fields(topic);
    writeString(w, flexible, name);
    writeArray(w, flexible, partitions, writePartition);
    endStruct(w, flexible);
  });
}

/**
 * Reads an array of topics written as {@link writeTopics} writes them.
 *
 * @typeParam T The topic type.
 * @typeParam P The partition type.
 * @param r The reader.
 * @param flexible Whether the version is flexible.
 * @param readPartition Reads one partition (its struct end included).
 * @param topic Makes a topic of its name and partitions.
 * @param what What the name is, for the error message.
 * @returns The topics.
 */
export function readTopics<T, P>(
  r: Reader,
  flexible: boolean,
  readPartition: (r: Reader) => P,
  topic: (name: string, partitions: P[]) => T,
  what = "topic name",
): T[] {
  return readArray(r, flexible, (r) => {
    const name = readString(r, flexible, what);
    const made = topic(name, readArray(r, flexible, readPartition));
    skipStructEnd(r, flexible);
    return made;
  });
}
