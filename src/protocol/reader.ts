/**
 * A bounds-checked big-endian reader for Kafka responses and record batches. Every
 * read checks what is left first, so malformed input (truncated, a negative or
 * oversized length, an over-long varint) throws a {@link KafkaProtocolError} naming
 * what was being read and where; it never reads past the end, loops or allocates
 * more than the input could hold.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** One tagged field read from a flexible-version structure. */
export interface ReadTaggedField {
  /** The tag number. */
  tag: number;
  /** The field's raw bytes (a view of the input). */
  data: Uint8Array;
}

/**
 * Reads Kafka protocol primitives from a byte array.
 *
 * @example Reading a length-prefixed string
 * ```ts
 * import { Reader } from "@webstream/kafka/protocol";
 *
 * const r = new Reader(new Uint8Array([0, 2, 104, 105]));
 * console.log(r.string()); // "hi"
 * r.end("example"); // throws if bytes were left over
 * ```
 */
export class Reader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos: number;
  readonly #end: number;

  /**
   * Reads from `bytes` (a view; the bytes are not copied).
   *
   * @param bytes The input.
   */
  constructor(bytes: Uint8Array) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = 0;
    this.#end = bytes.length;
  }

  /** The current position. */
  get offset(): number {
    return this.#pos;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  /**
   * Checks that all input was consumed.
   *
   * @param what What was being decoded, for the error message.
   */
  end(what: string): void {
    if (this.#pos !== this.#end) {
      throw new KafkaProtocolError(
        `Cannot decode ${what} as ${
          this.#end - this.#pos
        } bytes are left over at offset ${this.#pos}`,
      );
    }
  }

  #need(n: number, what: string): number {
    const at = this.#pos;
    if (n > this.#end - at) {
      throw new KafkaProtocolError(
        `Cannot read ${what} at offset ${at}: needs ${n} bytes, ${this.#end - at} left`,
      );
    }
    this.#pos = at + n;
    return at;
  }

  /**
   * Reads raw bytes (a view of the input).
   *
   * @param n How many bytes.
   * @param what What they are, for the error message.
   * @returns The bytes.
   */
  raw(n: number, what = "bytes"): Uint8Array {
    const at = this.#need(n, what);
    return this.#buf.subarray(at, at + n);
  }

  /**
   * Skips bytes.
   *
   * @param n How many bytes.
   */
  skip(n: number): void {
    this.#need(n, "skipped bytes");
  }

  /**
   * Reads an int8.
   *
   * @returns A signed 8-bit integer.
   */
  int8(): number {
    return this.#view.getInt8(this.#need(1, "int8"));
  }

  /**
   * Reads a boolean (any non-zero byte is true).
   *
   * @returns The boolean.
   */
  boolean(): boolean {
    return this.#buf[this.#need(1, "boolean")] !== 0;
  }

  /**
   * Reads a big-endian int16.
   *
   * @returns A signed 16-bit integer.
   */
  int16(): number {
    return this.#view.getInt16(this.#need(2, "int16"));
  }

  /**
   * Reads a big-endian int32.
   *
   * @returns A signed 32-bit integer.
   */
  int32(): number {
    return this.#view.getInt32(this.#need(4, "int32"));
  }

  /**
   * Reads a big-endian uint32.
   *
   * @returns An unsigned 32-bit integer.
   */
  uint32(): number {
    return this.#view.getUint32(this.#need(4, "uint32"));
  }

  /**
   * Reads a big-endian int64.
   *
   * @returns A signed 64-bit integer.
   */
  int64(): bigint {
    return this.#view.getBigInt64(this.#need(8, "int64"));
  }

  /**
   * Reads an unsigned varint of at most 5 bytes (32 bits).
   *
   * @returns An integer in [0, 2^32).
   */
  unsignedVarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.#buf[this.#need(1, "unsigned varint")]!;
      if (i === 4 && b > 0x0f) {
        throw new KafkaProtocolError(
          `Cannot read varint at offset ${this.#pos - 5}: it exceeds 32 bits`,
        );
      }
      value += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return value;
    }
    // Unreachable: the fifth byte is either < 0x10 (returned) or rejected above.
    throw new KafkaProtocolError(
      `Cannot read varint at offset ${this.#pos - 5}: it exceeds 5 bytes`,
    );
  }

  /**
   * Reads a zigzag varint.
   *
   * @returns A signed 32-bit integer.
   */
  varint(): number {
    const raw = this.unsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /**
   * Reads a zigzag varlong of at most 10 bytes as a bigint.
   *
   * @returns A signed 64-bit integer.
   */
  varlong(): bigint {
    const start = this.#pos;
    let low = 0; // first 28 bits
    let high = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.#buf[this.#need(1, "varlong")]!;
      if (i === 9 && b > 0x01) {
        throw new KafkaProtocolError(`Cannot read varlong at offset ${start}: it exceeds 64 bits`);
      }
      if (i < 4) low += (b & 0x7f) * 2 ** (7 * i);
      else high |= BigInt(b & 0x7f) << BigInt(7 * i - 28);
      if (b < 0x80) {
        const zigzag = (high << 28n) | BigInt(low);
        return (zigzag >> 1n) ^ -(zigzag & 1n);
      }
    }
    throw new KafkaProtocolError(`Cannot read varlong at offset ${start}: it exceeds 10 bytes`);
  }

  /**
   * Reads a zigzag varlong that must fit a safe integer, as a number (record
   * timestamp deltas and offsets), without BigInt arithmetic when it is small.
   *
   * @returns A safe integer.
   */
  varlongNumber(): number {
    const start = this.#pos;
    let zigzag = 0;
    // Seven bytes hold 49 bits, exact in a double; longer values take the bigint path.
    for (let i = 0; i < 7; i++) {
      const b = this.#buf[this.#need(1, "varlong")]!;
      zigzag += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    }
    this.#pos = start;
    const value = this.varlong();
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new KafkaProtocolError(
        `Cannot read varlong at offset ${start}: ${value} is beyond 2^53`,
      );
    }
    return Number(value);
  }

  /**
   * Reads a length, checking it is at least `-1` (null) when nullable, non-negative
   * otherwise, and no more than what is left times `unit` bytes.
   */
  #length(length: number, nullable: boolean, what: string, unit: number, at: number): number {
    if (length < (nullable ? -1 : 0)) {
      throw new KafkaProtocolError(`Cannot read ${what} at offset ${at}: invalid length ${length}`);
    }
    if (length > 0 && length * unit > this.#end - this.#pos) {
      throw new KafkaProtocolError(
        `Cannot read ${what} at offset ${at}: length ${length} exceeds the ${
          this.#end - this.#pos
        } bytes left`,
      );
    }
    return length;
  }

  /**
   * Reads a nullable string with an int16 length.
   *
   * @returns The string, or null for length -1.
   */
  string(): string | null {
    const at = this.#pos;
    const n = this.#length(this.int16(), true, "string", 1, at);
    return n < 0 ? null : this.#utf8(n, at);
  }

  /**
   * Reads a non-null string with an int16 length.
   *
   * @param what What it is, for the error message.
   * @returns The string.
   */
  requiredString(what = "string"): string {
    const at = this.#pos;
    const value = this.string();
    if (value === null) {
      throw new KafkaProtocolError(`Cannot read ${what} at offset ${at}: it is null`);
    }
    return value;
  }

  /**
   * Reads a nullable compact string (unsigned varint length + 1).
   *
   * @returns The string, or null for length 0.
   */
  compactString(): string | null {
    const at = this.#pos;
    const n = this.#length(this.unsignedVarint() - 1, true, "compact string", 1, at);
    return n < 0 ? null : this.#utf8(n, at);
  }

  /**
   * Reads a non-null compact string.
   *
   * @param what What it is, for the error message.
   * @returns The string.
   */
  requiredCompactString(what = "compact string"): string {
    const at = this.#pos;
    const value = this.compactString();
    if (value === null) {
      throw new KafkaProtocolError(`Cannot read ${what} at offset ${at}: it is null`);
    }
    return value;
  }

  /**
   * Reads nullable bytes with an int32 length (a view of the input).
   *
   * @returns The bytes, or null for length -1.
   */
  bytes32(): Uint8Array | null {
    const at = this.#pos;
    const n = this.#length(this.int32(), true, "bytes", 1, at);
    return n < 0 ? null : this.raw(n);
  }

  /**
   * Reads nullable compact bytes (a view of the input).
   *
   * @returns The bytes, or null for length 0.
   */
  compactBytes(): Uint8Array | null {
    const at = this.#pos;
    const n = this.#length(this.unsignedVarint() - 1, true, "compact bytes", 1, at);
    return n < 0 ? null : this.raw(n);
  }

  /**
   * Reads nullable bytes with a zigzag varint length, as in records and headers.
   *
   * @param what What they are, for the error message.
   * @returns The bytes (a view of the input), or null for length -1.
   */
  varintBytes(what = "varint bytes"): Uint8Array | null {
    const at = this.#pos;
    const n = this.#length(this.varint(), true, what, 1, at);
    return n < 0 ? null : this.raw(n, what);
  }

  /**
   * Reads an array with an int32 count; each item takes at least one byte, so a count
   * larger than what is left is rejected before anything is allocated.
   *
   * @param read Reads one item.
   * @returns The items, or null for count -1.
   */
  array<T>(read: (r: Reader) => T): T[] | null {
    const at = this.#pos;
    const n = this.#length(this.int32(), true, "array", 1, at);
    return n < 0 ? null : this.#items(n, read);
  }

  /**
   * Reads a non-null array with an int32 count.
   *
   * @param read Reads one item.
   * @returns The items (empty for a null array, as Kafka's clients treat it).
   */
  requiredArray<T>(read: (r: Reader) => T): T[] {
    return this.array(read) ?? [];
  }

  /**
   * Reads a compact array (unsigned varint count + 1).
   *
   * @param read Reads one item.
   * @returns The items, or null for count 0.
   */
  compactArray<T>(read: (r: Reader) => T): T[] | null {
    const at = this.#pos;
    const n = this.#length(this.unsignedVarint() - 1, true, "compact array", 1, at);
    return n < 0 ? null : this.#items(n, read);
  }

  /**
   * Reads a non-null compact array.
   *
   * @param read Reads one item.
   * @returns The items (empty for a null array).
   */
  requiredCompactArray<T>(read: (r: Reader) => T): T[] {
    return this.compactArray(read) ?? [];
  }

  #items<T>(n: number, read: (r: Reader) => T): T[] {
    const items: T[] = [];
    for (let i = 0; i < n; i++) items.push(read(this));
    return items;
  }

  /**
   * Reads a tagged-field section and returns the fields; callers pick the tags they
   * know and ignore the rest, as the protocol requires of unknown tags.
   *
   * @returns The fields in wire order.
   */
  tags(): ReadTaggedField[] {
    const at = this.#pos;
    const count = this.#length(this.unsignedVarint(), false, "tagged fields", 2, at);
    const fields: ReadTaggedField[] = [];
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint();
      const sizeAt = this.#pos;
      const size = this.#length(this.unsignedVarint(), false, "tagged field", 1, sizeAt);
      fields.push({ tag, data: this.raw(size, "tagged field") });
    }
    return fields;
  }

  /** Skips a tagged-field section. */
  skipTags(): void {
    const at = this.#pos;
    const count = this.#length(this.unsignedVarint(), false, "tagged fields", 2, at);
    for (let i = 0; i < count; i++) {
      this.unsignedVarint();
      const sizeAt = this.#pos;
      this.skip(this.#length(this.unsignedVarint(), false, "tagged field", 1, sizeAt));
    }
  }

  /**
   * Reads a 16-byte UUID (a copy, so it outlives the input).
   *
   * @returns The 16 bytes.
   */
  uuid(): Uint8Array {
    return this.raw(16, "uuid").slice();
  }

  #utf8(n: number, at: number): string {
    const bytes = this.raw(n, "string");
    try {
      return decoder.decode(bytes);
    } catch (cause) {
      throw new KafkaProtocolError(`Cannot read string at offset ${at}: it is not valid UTF-8`, {
        cause,
      });
    }
  }
}
