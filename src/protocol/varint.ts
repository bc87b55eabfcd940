/**
 * Variable-length integers as Kafka encodes them (protobuf style): unsigned varints
 * for compact lengths and tag numbers, zigzag varints (32-bit) and varlongs (64-bit)
 * inside records. Free functions over a `Uint8Array` and a position, so the record
 * encoder can write straight into its batch buffer without a writer object.
 *
 * Varlongs are written from `number`: record timestamps and offsets in a batch are
 * far inside the 2^53 range doubles hold exactly, and BigInt arithmetic per record
 * would cost more than the whole encoding. Values must be safe integers.
 *
 * @module
 */

const TWO_POW_31 = 0x80000000;

/**
 * Bytes an unsigned varint takes.
 *
 * @param value An integer in [0, 2^32).
 * @returns 1 to 5.
 */
export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/**
 * Bytes a zigzag varint takes.
 *
 * @param value A signed 32-bit integer.
 * @returns 1 to 5.
 */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

/**
 * Bytes a zigzag varlong takes.
 *
 * @param value A safe integer.
 * @returns 1 to 10.
 */
export function sizeOfVarlong(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  if (zigzag < TWO_POW_31) return sizeOfUnsignedVarint(zigzag);
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 128);
    size++;
  }
  return size;
}

/**
 * Writes an unsigned varint.
 *
 * @param buf The destination, large enough.
 * @param pos Where to write.
 * @param value An integer in [0, 2^32).
 * @returns The position after the varint.
 */
export function writeUnsignedVarint(buf: Uint8Array, pos: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Writes a zigzag varint.
 *
 * @param buf The destination, large enough.
 * @param pos Where to write.
 * @param value A signed 32-bit integer.
 * @returns The position after the varint.
 */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0);
}

/**
 * Writes a zigzag varlong from a safe integer.
 *
 * @param buf The destination, large enough.
 * @param pos Where to write.
 * @param value A safe integer.
 * @returns The position after the varlong.
 */
export function writeVarlong(buf: Uint8Array, pos: number, value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  if (zigzag < TWO_POW_31) return writeUnsignedVarint(buf, pos, zigzag);
  while (zigzag >= 0x80) {
    buf[pos++] = (zigzag % 128) | 0x80;
    zigzag = Math.floor(zigzag / 128);
  }
  buf[pos++] = zigzag;
  return pos;
}

/**
 * Bytes a zigzag varlong takes, from a bigint.
 *
 * @param value A signed 64-bit integer.
 * @returns 1 to 10.
 */
export function sizeOfVarlongBigInt(value: bigint): number {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  let size = 1;
  while (zigzag >= 0x80n) {
    zigzag >>= 7n;
    size++;
  }
  return size;
}

/**
 * Writes a zigzag varlong from a bigint (any signed 64-bit value).
 *
 * @param buf The destination, large enough.
 * @param pos Where to write.
 * @param value A signed 64-bit integer.
 * @returns The position after the varlong.
 */
export function writeVarlongBigInt(buf: Uint8Array, pos: number, value: bigint): number {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  while (zigzag >= 0x80n) {
    buf[pos++] = Number(zigzag & 0x7fn) | 0x80;
    zigzag >>= 7n;
  }
  buf[pos++] = Number(zigzag);
  return pos;
}
