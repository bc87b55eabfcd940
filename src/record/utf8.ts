/**
 * UTF-8 straight into a destination buffer. Short strings go through a plain loop,
 * which beats a `TextEncoder.encodeInto` call (and its subarray) for the ASCII keys
 * and header names that dominate Kafka traffic; anything longer or non-ASCII goes
 * through `encodeInto`, so the bytes are always exactly what `TextEncoder` makes
 * (lone surrogates become U+FFFD).
 *
 * @module
 */

const encoder = new TextEncoder();

/** Strings up to this many UTF-16 units are tried with the ASCII loop first. */
const ASCII_LOOP_MAX = 48;

/**
 * The most bytes a string can take in UTF-8: 3 per UTF-16 code unit.
 *
 * @param value The string.
 * @returns An upper bound on its UTF-8 length.
 */
export function maxUtf8Length(value: string): number {
  return value.length * 3;
}

/**
 * Writes a string as UTF-8 at `pos`. The caller guarantees room for
 * {@link maxUtf8Length} bytes.
 *
 * @param buf The destination.
 * @param pos Where to write.
 * @param value The string.
 * @returns The number of bytes written.
 */
export function writeUtf8(buf: Uint8Array, pos: number, value: string): number {
  const n = value.length;
  if (n <= ASCII_LOOP_MAX) {
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos + i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(value, buf.subarray(pos)).written;
}

/**
 * The exact UTF-8 length of a string, as `TextEncoder` would encode it (a lone
 * surrogate becomes the 3-byte U+FFFD).
 *
 * @param value The string.
 * @returns Its UTF-8 length in bytes.
 */
export function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Encodes a string as UTF-8 into a new array.
 *
 * @param value The string.
 * @returns Its UTF-8 bytes.
 */
export function encodeUtf8(value: string): Uint8Array {
  return encoder.encode(value);
}
