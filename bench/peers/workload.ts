/**
 * The records every client of bench/peers.ts produces, built the way a user's
 * program builds them: keys with `String(i)` (optionally padded), values as a fresh
 * 100-byte `Uint8Array`, a 100-character string or an object for JSON, made as a
 * plain `ReadableStream` pulls them. bench/peers/rdkafka_producer.c builds the
 * same bytes in C; {@link wireRecord} lets the bench check what each client stored.
 *
 * @module
 */

/** How keys are spelled: `"key-" + String(i).padStart(8, "0")` or `String(i)`. */
export type KeyKind = "padded" | "plain";

/**
 * What values are: `bytes` a fresh 100-byte `Uint8Array`, `string` 100 characters,
 * `json` an object of about 100 bytes as JSON, `text1k` 1 KiB of words (compressible
 * about like text, for the gzip bench).
 */
export type ValueKind = "bytes" | "string" | "json" | "text1k";

/** The value kinds, for argument checks. */
export const VALUE_KINDS: readonly ValueKind[] = ["bytes", "string", "json", "text1k"];

/** One record as the source yields it. */
export interface BenchRecord {
  key: string;
  value: Uint8Array | string | JsonValue;
}

/** The object of a `json` value. */
export interface JsonValue {
  id: number;
  user: string;
  event: string;
  path: string;
  ts: number;
  ok: boolean;
}

/** Records made per `pull()`: about the size of a socket or file read. */
export const RECORDS_PER_PULL = 256;

const TEMPLATE = Uint8Array.from({ length: 100 }, (_, j) => 0x61 + (j % 26));
const FILLER = "x".repeat(86);
const EPOCH_2026 = 1767225600000;
const encoder = new TextEncoder();

const WORDS = [
  "kafka",
  "stream",
  "record",
  "batch",
  "partition",
  "broker",
  "offset",
  "leader",
  "replica",
  "topic",
  "producer",
  "consumer",
  "the",
  "of",
  "and",
  "to",
  "in",
  "is",
  "for",
  "on",
  "with",
  "as",
  "value",
  "key",
  "header",
  "timestamp",
  "commit",
  "fetch",
  "metadata",
  "request",
  "response",
  "error",
];
const CORPUS_BYTES = 65536;
const TEXT_BYTES = 1024;
let corpus: Uint8Array | undefined;

/**
 * The text the `text1k` values are cut from: words picked by xorshift32 from a
 * fixed seed, separated by spaces and now and then a newline (as the C producer).
 *
 * @returns 65,536 + 1,024 bytes of ASCII text.
 */
export function textCorpus(): Uint8Array {
  if (corpus !== undefined) return corpus;
  const out = new Uint8Array(CORPUS_BYTES + TEXT_BYTES);
  let x = 2463534242;
  let n = 0;
  while (n < out.length) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const word = WORDS[x % 32]!;
    for (let j = 0; j < word.length && n < out.length; j++) out[n++] = word.charCodeAt(j);
    if (n < out.length) out[n++] = ((x >>> 8) % 7) === 0 ? 0x0a : 0x20;
  }
  corpus = out;
  return out;
}

/**
 * The key of record `i`.
 *
 * @param kind How keys are spelled.
 * @param i The record's index.
 * @returns The key.
 */
export function keyOf(kind: KeyKind, i: number): string {
  return kind === "plain" ? String(i) : "key-" + String(i).padStart(8, "0");
}

/**
 * The value of record `i`, made fresh as a user's program would.
 *
 * @param kind What values are.
 * @param i The record's index.
 * @returns The value.
 */
export function valueOf(kind: ValueKind, i: number): Uint8Array | string | JsonValue {
  switch (kind) {
    case "bytes": {
      const value = TEMPLATE.slice();
      value[0] = i;
      value[1] = i >>> 8;
      value[2] = i >>> 16;
      value[3] = i >>> 24;
      return value;
    }
    case "string":
      return "value-" + String(i).padStart(8, "0") + FILLER;
    case "json":
      return {
        id: i,
        user: "user-" + i,
        event: "page_view",
        path: "/products/" + (i % 1000),
        ts: EPOCH_2026 + i,
        ok: true,
      };
    case "text1k": {
      const text = textCorpus();
      const start = (i * 4099) % CORPUS_BYTES;
      return text.subarray(start, start + TEXT_BYTES);
    }
  }
}

/**
 * A plain `ReadableStream` of `records` records, made as it is pulled,
 * {@link RECORDS_PER_PULL} per pull.
 *
 * @param records How many.
 * @param keys How keys are spelled.
 * @param values What values are.
 * @returns The stream.
 */
export function recordSource(
  records: number,
  keys: KeyKind,
  values: ValueKind,
): ReadableStream<BenchRecord> {
  let next = 0;
  return new ReadableStream<BenchRecord>({
    pull(controller) {
      const end = Math.min(records, next + RECORDS_PER_PULL);
      for (; next < end; next++) {
        controller.enqueue({ key: keyOf(keys, next), value: valueOf(values, next) });
      }
      if (next >= records) controller.close();
    },
  });
}

/**
 * Record `i` as it goes on the wire (JSON values as `JSON.stringify` spells them), for
 * checking what a client stored against what it was given.
 *
 * @param keys How keys are spelled.
 * @param values What values are.
 * @param i The record's index.
 * @returns The key's and the value's bytes.
 */
export function wireRecord(
  keys: KeyKind,
  values: ValueKind,
  i: number,
): { key: Uint8Array; value: Uint8Array } {
  const value = valueOf(values, i);
  return {
    key: encoder.encode(keyOf(keys, i)),
    value: value instanceof Uint8Array
      ? value.slice()
      : encoder.encode(typeof value === "string" ? value : JSON.stringify(value)),
  };
}
