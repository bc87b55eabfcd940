/**
 * The compression codecs a record batch can use, keyed by the id in the batch's
 * attributes (bits 0-2): 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. gzip comes from
 * the runtime's `CompressionStream`; snappy and lz4 are written here in TypeScript,
 * as no runtime ships them; zstd comes from the runtime's `node:zlib` and is
 * registered by the producer (`zstdCodec`). The table is open: codecs register with
 * {@link registerCompressionCodec}.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { lz4Compress, lz4Decompress } from "./lz4.ts";
import { snappyCompress, snappyDecompress } from "./snappy.ts";

/** Compression ids as Kafka numbers them in record batch attributes. */
export const CompressionId = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

/** The names of the compression types Kafka knows. */
export type CompressionName = keyof typeof CompressionId;

/**
 * The names of the compression types in id order, from {@link CompressionId}: the one
 * list that the producer's option check and its documentation use.
 */
export const COMPRESSION_NAMES: readonly CompressionName[] = Object.freeze(
  Object.keys(CompressionId) as CompressionName[],
);

/** A compression codec for the records section of a batch. */
export interface CompressionCodec {
  /** The id in the batch attributes (1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  readonly id: number;
  /** The name, as in Java's `compression.type`. */
  readonly name: string;
  /** Compresses the records section. */
  compress(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /**
   * Decompresses a records section, failing once the output would exceed `maxBytes`
   * (a batch claiming more than the caller accepts is refused, not allocated).
   */
  decompress(data: Uint8Array, maxBytes: number): Uint8Array | Promise<Uint8Array>;
}

/** The most bytes a decompressed records section may take unless the caller says otherwise. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

async function pipeThrough(
  data: Uint8Array,
  transform: { writable: WritableStream<BufferSource>; readable: ReadableStream<Uint8Array> },
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const writer = transform.writable.getWriter();
  // The write and close settle only as the readable side is drained below; their
  // failures surface through the reader, so they are observed but not awaited here.
  writer.write(data as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = transform.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new KafkaProtocolError(
          `Cannot ${what} record batch as its records exceed ${maxBytes} bytes`,
        );
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof KafkaProtocolError) throw cause;
    throw new KafkaProtocolError(`Cannot ${what} record batch: ${String(cause)}`, { cause });
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

/** gzip through the runtime's `CompressionStream` / `DecompressionStream`. */
export const gzipCodec: CompressionCodec = {
  id: CompressionId.gzip,
  name: "gzip",
  compress(data: Uint8Array): Promise<Uint8Array> {
    return pipeThrough(data, new CompressionStream("gzip"), Infinity, "gzip");
  },
  decompress(data: Uint8Array, maxBytes: number): Promise<Uint8Array> {
    return pipeThrough(data, new DecompressionStream("gzip"), maxBytes, "gunzip");
  },
};

/** Snappy framed as Java's client frames it (xerial); see snappy.ts. */
export const snappyCodec: CompressionCodec = {
  id: CompressionId.snappy,
  name: "snappy",
  compress: snappyCompress,
  decompress: snappyDecompress,
};

/** LZ4 in the frame format Kafka uses (KIP-57); see lz4.ts. */
export const lz4Codec: CompressionCodec = {
  id: CompressionId.lz4,
  name: "lz4",
  compress: lz4Compress,
  decompress: lz4Decompress,
};

const codecs = new Map<number, CompressionCodec>([
  [gzipCodec.id, gzipCodec],
  [snappyCodec.id, snappyCodec],
  [lz4Codec.id, lz4Codec],
]);

/**
 * Adds or replaces a codec, for example an lz4, snappy or zstd implementation.
 *
 * @example Registering a codec
 * ```ts
 * import { registerCompressionCodec } from "@webstream/kafka/protocol";
 *
 * registerCompressionCodec({
 *   id: 4,
 *   name: "zstd",
 *   compress: (data) => data, // a real implementation goes here
 *   decompress: (data) => data,
 * });
 * ```
 *
 * @param codec The codec; its `id` must be 1 to 4.
 */
export function registerCompressionCodec(codec: CompressionCodec): void {
  if (!Number.isInteger(codec.id) || codec.id < 1 || codec.id > 7) {
    throw new RangeError(
      `Cannot register compression codec as its id must be an integer in [1, 7]: current value is ${codec.id}`,
    );
  }
  codecs.set(codec.id, codec);
}

/**
 * Whether a codec is registered for a compression id.
 *
 * @param id The id from the batch attributes (1-7).
 * @returns True when {@link compressionCodec} would find one.
 */
export function hasCompressionCodec(id: number): boolean {
  return codecs.has(id);
}

/**
 * Finds the codec for a compression id.
 *
 * @param id The id from the batch attributes (1-7).
 * @returns The codec.
 * @throws {KafkaProtocolError} When no codec is registered for the id.
 */
export function compressionCodec(id: number): CompressionCodec {
  const codec = codecs.get(id);
  if (codec === undefined) {
    const name = Object.entries(CompressionId).find(([, value]) => value === id)?.[0] ??
      `unknown (${id})`;
    throw new KafkaProtocolError(
      `Cannot use compression ${name}: no codec is registered for id ${id}`,
    );
  }
  return codec;
}
