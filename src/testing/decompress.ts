/**
 * Synchronous decompression of a record batch's records section, so the broker can
 * check compressed batches while it appends them and hand back their records from
 * `records()` without a promise: gzip and zstd through the runtime's `node:zlib`
 * (Deno, Bun and Node all ship them), snappy and lz4 through this package's own.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { KafkaProtocolError } from "../errors.ts";
import { lz4Decompress } from "../record/lz4.ts";
import { snappyDecompress } from "../record/snappy.ts";

interface ZlibSync {
  gunzipSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  zstdDecompressSync?(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
}

const z = zlib as unknown as ZlibSync;

function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decompresses a records section.
 *
 * @example lz4, round trip
 * ```ts
 * import { decompressSync } from "./decompress.ts";
 * import { lz4Compress } from "../record/lz4.ts";
 *
 * const plain = new TextEncoder().encode("records ".repeat(100));
 * console.log(decompressSync(3, lz4Compress(plain), 1 << 20).length); // 800
 * ```
 *
 * @param codec The compression id of the batch attributes (1 gzip, 2 snappy, 3 lz4, 4 zstd).
 * @param data The compressed section.
 * @param maxBytes The most bytes the output may take.
 * @returns The records, uncompressed.
 * @throws {KafkaProtocolError} On malformed data, an unknown codec or an output over `maxBytes`.
 */
export function decompressSync(codec: number, data: Uint8Array, maxBytes: number): Uint8Array {
  const limit = Math.min(maxBytes, 2 ** 31 - 1);
  switch (codec) {
    case 1:
    case 4:
      try {
        if (codec === 1) return plain(z.gunzipSync(data, { maxOutputLength: limit }));
        if (z.zstdDecompressSync === undefined) {
          throw new Error("this runtime's node:zlib has no zstd");
        }
        return plain(z.zstdDecompressSync(data, { maxOutputLength: limit }));
      } catch (cause) {
        throw new KafkaProtocolError(
          `Cannot decompress ${codec === 1 ? "gzip" : "zstd"} records: ${(cause as Error).message}`,
          { cause },
        );
      }
    case 2:
      return snappyDecompress(data, limit);
    case 3:
      return lz4Decompress(data, limit);
    default:
      throw new KafkaProtocolError(`Cannot decompress records with unknown codec ${codec}`);
  }
}
