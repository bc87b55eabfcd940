/**
 * zstd for record batches from the runtime's `node:zlib` (Deno and Bun both ship
 * `zstdCompressSync` / `zstdDecompressSync`), so `compression: "zstd"` needs no
 * package. Decompression stops at the caller's byte limit.
 *
 * @module
 */

import * as zlib from "node:zlib";
import { KafkaProtocolError } from "../errors.ts";
import { type CompressionCodec, CompressionId } from "../record/compression.ts";

interface ZstdFunctions {
  zstdCompressSync(data: Uint8Array): Uint8Array;
  zstdDecompressSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
}

const z = zlib as unknown as Partial<ZstdFunctions>;

function plain(bytes: Uint8Array): Uint8Array {
  // A plain view, not a Buffer (whose slice() does not copy).
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The zstd codec (compression id 4), registered by the producer; register it yourself
 * to decode zstd batches with `@webstream/kafka/protocol` alone.
 *
 * @example Registering zstd for decoding
 * ```ts
 * import { zstdCodec } from "@webstream/kafka";
 * import { registerCompressionCodec } from "@webstream/kafka/protocol";
 *
 * registerCompressionCodec(zstdCodec);
 * ```
 */
export const zstdCodec: CompressionCodec = {
  id: CompressionId.zstd,
  name: "zstd",
  compress(data: Uint8Array): Uint8Array {
    if (z.zstdCompressSync === undefined) {
      throw new KafkaProtocolError(
        "Cannot compress with zstd: this runtime's node:zlib has no zstd",
      );
    }
    return plain(z.zstdCompressSync(data));
  },
  decompress(data: Uint8Array, maxBytes: number): Uint8Array {
    if (z.zstdDecompressSync === undefined) {
      throw new KafkaProtocolError("Cannot decompress zstd: this runtime's node:zlib has no zstd");
    }
    try {
      return plain(
        z.zstdDecompressSync(data, { maxOutputLength: Math.min(maxBytes, 2 ** 31 - 1) }),
      );
    } catch (cause) {
      throw new KafkaProtocolError(
        `Cannot decompress zstd record batch (limit ${maxBytes} bytes): ${
          (cause as Error).message
        }`,
        { cause },
      );
    }
  },
};
