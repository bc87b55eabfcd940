/**
 * A growable big-endian byte writer for Kafka requests: one `Uint8Array` and a
 * `DataView` over it, doubled when full, with reserve/patch for lengths and CRCs
 * that are only known once what follows them is written.
 *
 * @module
 */

import { writeUnsignedVarint, writeVarint, writeVarlongBigInt } from "./varint.ts";

const encoder = new TextEncoder();

/** One tagged field of a flexible-version structure: its tag and its raw bytes. */
export interface TaggedField {
  /** The tag number. */
  tag: number;
  /** The field's serialized bytes. */
  data: Uint8Array;
}

/**
 * Writes Kafka protocol primitives.
 *
 * @example Writing a nullable string and patching a length prefix
 * ```ts
 * import { Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * const at = w.reserve(4);
 * w.string("hi");
 * w.patchInt32(at, w.length - 4);
 * console.log(w.bytes()); // Uint8Array [0, 0, 0, 4, 0, 2, 104, 105]
 * ```
 */
export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  /**
   * Makes an empty writer.
   *
   * @param capacity Initial capacity in bytes; it grows as needed.
   */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, capacity));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /**
   * Makes room for `n` more bytes.
   *
   * @param n How many bytes are about to be written.
   */
  ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    // Double for small steps; a large step (a whole record batch) gets exactly its size.
    const size = Math.max(need, this.#buf.length * 2);
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Empties the writer, keeping its buffer for reuse. */
  reset(): void {
    this.#pos = 0;
  }

  /**
   * The bytes written so far: a view of the writer's buffer, valid until the next write.
   *
   * @returns The written bytes.
   */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  /**
   * Skips `n` bytes to be filled later with the patch methods.
   *
   * @param n How many bytes to reserve.
   * @returns The offset of the reserved bytes.
   */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.#pos;
    this.#buf.fill(0, at, at + n);
    this.#pos += n;
    return at;
  }

  /**
   * Writes a big-endian int32 at an earlier offset.
   *
   * @param at The offset returned by {@link Writer.reserve}.
   * @param value A signed 32-bit integer.
   */
  patchInt32(at: number, value: number): void {
    this.#view.setInt32(at, value);
  }

  /**
   * Writes a big-endian uint32 at an earlier offset.
   *
   * @param at The offset returned by {@link Writer.reserve}.
   * @param value An unsigned 32-bit integer.
   */
  patchUint32(at: number, value: number): void {
    this.#view.setUint32(at, value);
  }

  /**
   * Writes raw bytes.
   *
   * @param bytes The bytes.
   * @returns This writer.
   */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  /**
   * Writes an int8.
   *
   * @param value A signed 8-bit integer.
   * @returns This writer.
   */
  int8(value: number): this {
    this.ensure(1);
    this.#view.setInt8(this.#pos, value);
    this.#pos += 1;
    return this;
  }

  /**
   * Writes a boolean as one byte.
   *
   * @param value The boolean.
   * @returns This writer.
   */
  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  /**
   * Writes a big-endian int16.
   *
   * @param value A signed 16-bit integer.
   * @returns This writer.
   */
  int16(value: number): this {
    this.ensure(2);
    this.#view.setInt16(this.#pos, value);
    this.#pos += 2;
    return this;
  }

  /**
   * Writes a big-endian int32.
   *
   * @param value A signed 32-bit integer.
   * @returns This writer.
   */
  int32(value: number): this {
    this.ensure(4);
    this.#view.setInt32(this.#pos, value);
    this.#pos += 4;
    return this;
  }

  /**
   * Writes a big-endian uint32.
   *
   * @param value An unsigned 32-bit integer.
   * @returns This writer.
   */
  uint32(value: number): this {
    this.ensure(4);
    this.#view.setUint32(this.#pos, value);
    this.#pos += 4;
    return this;
  }

  /**
   * Writes a big-endian int64.
   *
   * @param value A signed 64-bit integer.
   * @returns This writer.
   */
  int64(value: bigint): this {
    this.ensure(8);
    this.#view.setBigInt64(this.#pos, value);
    this.#pos += 8;
    return this;
  }

  /**
   * Writes a zigzag varint.
   *
   * @param value A signed 32-bit integer.
   * @returns This writer.
   */
  varint(value: number): this {
    this.ensure(5);
    this.#pos = writeVarint(this.#buf, this.#pos, value);
    return this;
  }

  /**
   * Writes a zigzag varlong.
   *
   * @param value A signed 64-bit integer.
   * @returns This writer.
   */
  varlong(value: bigint): this {
    this.ensure(10);
    this.#pos = writeVarlongBigInt(this.#buf, this.#pos, value);
    return this;
  }

  /**
   * Writes an unsigned varint.
   *
   * @param value An integer in [0, 2^32).
   * @returns This writer.
   */
  unsignedVarint(value: number): this {
    this.ensure(5);
    this.#pos = writeUnsignedVarint(this.#buf, this.#pos, value);
    return this;
  }

  /**
   * Writes a nullable string with an int16 length (-1 for null).
   *
   * @param value The string or null.
   * @returns This writer.
   */
  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const at = this.reserve(2);
    const n = this.#utf8(value);
    this.#view.setInt16(at, n);
    return this;
  }

  /**
   * Writes a nullable compact string: unsigned varint length + 1 (0 for null).
   *
   * @param value The string or null.
   * @returns This writer.
   */
  compactString(value: string | null): this {
    if (value === null) return this.unsignedVarint(0);
    return this.compactBytes(encoder.encode(value));
  }

  /**
   * Writes nullable bytes with an int32 length (-1 for null).
   *
   * @param value The bytes or null.
   * @returns This writer.
   */
  bytes32(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).raw(value);
  }

  /**
   * Writes nullable compact bytes: unsigned varint length + 1 (0 for null).
   *
   * @param value The bytes or null.
   * @returns This writer.
   */
  compactBytes(value: Uint8Array | null): this {
    if (value === null) return this.unsignedVarint(0);
    return this.unsignedVarint(value.length + 1).raw(value);
  }

  /**
   * Writes an array with an int32 count (-1 for null), each item by `write`.
   *
   * @param items The items or null.
   * @param write Writes one item.
   * @returns This writer.
   */
  array<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /**
   * Writes a compact array: unsigned varint count + 1 (0 for null), each item by `write`.
   *
   * @param items The items or null.
   * @param write Writes one item.
   * @returns This writer.
   */
  compactArray<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.unsignedVarint(0);
    this.unsignedVarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  /**
   * Writes a tagged-field section: the count, then each field's tag, size and bytes,
   * in ascending tag order as the protocol requires.
   *
   * @param fields The tagged fields; none writes the empty section (one zero byte).
   * @returns This writer.
   */
  tags(fields: readonly TaggedField[] = []): this {
    this.unsignedVarint(fields.length);
    const sorted = fields.length > 1 ? [...fields].sort((a, b) => a.tag - b.tag) : fields;
    for (const field of sorted) {
      this.unsignedVarint(field.tag).unsignedVarint(field.data.length).raw(field.data);
    }
    return this;
  }

  /**
   * Writes a 16-byte UUID.
   *
   * @param value The 16 bytes.
   * @returns This writer.
   */
  uuid(value: Uint8Array): this {
    if (value.length !== 16) {
      throw new RangeError(
        `Cannot write UUID as it must be 16 bytes: current length is ${value.length}`,
      );
    }
    return this.raw(value);
  }

  /** Encodes a string as UTF-8 at the current position; returns its byte length. */
  #utf8(value: string): number {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    this.ensure(value.length * 3);
    const { written } = encoder.encodeInto(value, this.#buf.subarray(this.#pos));
    this.#pos += written;
    return written;
  }
}
