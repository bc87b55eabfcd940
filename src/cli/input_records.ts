/**
 * The records of `produce`'s input, as a stream for `pipeTo`: each line of the bytes
 * read (stdin or a file) becomes a record, as `--format lines` (the value, or key and
 * value split at the first `--key-delimiter`) or `--format json` says. The input is
 * read a chunk at a time as the pipe asks for records, never whole. A line that
 * cannot be read ends the stream with an {@linkcode InputError} naming it, once the
 * records before it were taken by the pipe (so they are delivered, not dropped).
 *
 * @module
 */

import type { ProducerRecord } from "../../mod.ts";
import { jsonRecord } from "./json_record.ts";
import { LineSplitter } from "./line_splitter.ts";

/** How input lines become records. */
export type InputFormat = "lines" | "json";

/** Options of {@linkcode inputRecords}. */
export interface InputOptions {
  /** `"lines"`: a line is a value (or key and value); `"json"`: a line is a record object. */
  readonly format: InputFormat;
  /** For `"lines"`: split key and value at the first occurrence of this text. */
  readonly keyDelimiter?: string;
  /** For `"lines"`: empty lines become records with empty values instead of being skipped. */
  readonly keepEmpty?: boolean;
  /** The partition of records that name none. */
  readonly partition?: number;
  /** The input's name in messages, e.g. `"stdin"` or a path. */
  readonly name: string;
}

/** A line of the input could not be read as a record. */
export class InputError extends Error {
  /** The line's number, from 1. */
  readonly line: number;
  /** How many records the lines before it gave. */
  readonly recordsBefore: number;

  /**
   * Builds the error.
   *
   * @param message What was wrong.
   * @param line The line's number.
   * @param recordsBefore The records before it.
   */
  constructor(message: string, line: number, recordsBefore: number) {
    super(message);
    this.name = "InputError";
    this.line = line;
    this.recordsBefore = recordsBefore;
  }
}

/** The record stream and how far it got. */
export interface InputRecords {
  /** The records, for `pipeTo`. */
  readonly readable: ReadableStream<ProducerRecord>;
  /** How many records were handed to the stream so far. */
  readonly records: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Turns input bytes into a stream of records.
 *
 * @example Keyed lines
 * ```ts
 * import { inputRecords } from "./input_records.ts";
 *
 * const bytes = ReadableStream.from([new TextEncoder().encode("k1:a\nk2:b:c\n\nnokey\n")]);
 * const input = inputRecords(bytes, { format: "lines", keyDelimiter: ":", name: "stdin" });
 * const text = (b: unknown) => b instanceof Uint8Array ? new TextDecoder().decode(b) : b;
 * for await (const r of input.readable) console.log(text(r.key), text(r.value));
 * // k1 a
 * // k2 b:c
 * // null nokey
 * ```
 *
 * @param input The bytes.
 * @param options The format.
 * @returns The stream, and a count of the records it gave.
 */
export function inputRecords(
  input: AsyncIterable<Uint8Array>,
  options: InputOptions,
): InputRecords {
  const splitter = new LineSplitter();
  const iterator = input[Symbol.asyncIterator]();
  const partition = options.partition;
  let records = 0;
  let failure: InputError | undefined;
  let controller!: ReadableStreamDefaultController<ProducerRecord>;

  const emit = (record: ProducerRecord): void => {
    if (partition !== undefined && record.partition === undefined) record.partition = partition;
    controller.enqueue(record);
    records++;
  };
  const fail = (reason: string, line: number): false => {
    const message = `Cannot read line ${line} of ${options.name} as ${reason}`;
    failure = new InputError(message, line, records);
    return false;
  };
  const onLine = options.format === "json"
    ? jsonLines(emit, fail)
    : textLines(options.keyDelimiter, options.keepEmpty === true, emit);

  const readable = new ReadableStream<ProducerRecord>({
    start(c) {
      controller = c;
    },
    // Called when the queue is empty: every record given so far was taken by the pipe.
    async pull(c) {
      const before = records;
      while (records === before && failure === undefined) {
        const next = await iterator.next();
        if (next.done === true) {
          splitter.end(onLine);
          if (failure === undefined) {
            c.close();
            return;
          }
          break;
        }
        if (!splitter.push(next.value, onLine)) await iterator.return?.();
      }
      // The records before a bad line are queued first; the error waits for the
      // next pull, when they were taken, so that erroring does not drop them.
      if (failure !== undefined && records === before) c.error(failure);
    },
    async cancel() {
      await iterator.return?.();
    },
  }, { highWaterMark: 1 });

  return {
    readable,
    get records() {
      return records;
    },
  };
}

/** Reads `bytes[start..end)`, line `n` of the input: false when it stops the input. */
type OnLine = (bytes: Uint8Array, start: number, end: number, n: number) => boolean;

/** `--format json`: a line is one record object; empty lines are skipped. */
function jsonLines(
  emit: (record: ProducerRecord) => void,
  fail: (reason: string, line: number) => false,
): OnLine {
  return (bytes, start, end, n) => {
    if (end === start) return true;
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(start, end));
    } catch {
      return fail("it is not UTF-8", n);
    }
    try {
      emit(jsonRecord(text));
    } catch (error) {
      return fail((error as Error).message, n);
    }
    return true;
  };
}

/** `--format lines`: a line is a value, or a key and a value split at the first delimiter. */
function textLines(
  keyDelimiter: string | undefined,
  keepEmpty: boolean,
  emit: (record: ProducerRecord) => void,
): OnLine {
  const delimiter = keyDelimiter === undefined || keyDelimiter === ""
    ? undefined
    : new TextEncoder().encode(keyDelimiter);
  return (bytes, start, end) => {
    if (end === start && !keepEmpty) return true;
    const at = delimiter === undefined ? -1 : indexOf(bytes, start, end, delimiter);
    emit(
      at < 0
        ? { key: null, value: bytes.subarray(start, end) }
        : { key: bytes.subarray(start, at), value: bytes.subarray(at + delimiter!.length, end) },
    );
    return true;
  };
}

/** The first index of `needle` in `haystack[start..end)`, or -1. */
function indexOf(haystack: Uint8Array, start: number, end: number, needle: Uint8Array): number {
  const first = needle[0]!;
  const last = end - needle.length;
  for (let at = start; at <= last; at++) {
    if (haystack[at] !== first) continue;
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i++;
    if (i === needle.length) return at;
  }
  return -1;
}
