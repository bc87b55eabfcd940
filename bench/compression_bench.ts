/**
 * Compressing and decompressing a 256 KiB records section (the default batchBytes)
 * of keyed records, with the codecs the producer uses: snappy and lz4 (TypeScript,
 * here), gzip and zstd (the runtime's). Baselines in the same run: snappyjs 0.7.0
 * (the pure-JS codec of KafkaJS's snappy plugin) and lz4js 0.2.0 (a pure-JS LZ4).
 *
 * `BENCH_SMOKE=1` runs each case a few times only, for CI.
 */
// Bench-only baselines, imported inline so deno.json stays free of dependencies.
// deno-lint-ignore no-import-prefix
import snappyjs from "npm:snappyjs@0.7.0";
// deno-lint-ignore no-import-prefix
import lz4js from "npm:lz4js@0.2.0";
import { gzipCodec } from "../src/record/compression.ts";
import { lz4Compress, lz4Decompress } from "../src/record/lz4.ts";
import { snappyCompress, snappyDecompress } from "../src/record/snappy.ts";
import { zstdCodec } from "../src/producer/zstd_codec.ts";

const smoke = Deno.env.get("BENCH_SMOKE") === "1";
const runs = smoke ? { n: 5, warmup: 1 } : {};

// ~2,300 records as the e2e bench makes them: 12-byte keys, 100-byte values.
const section = new TextEncoder().encode(
  Array.from({ length: 2300 }, (_, i) => `key-${String(i).padStart(8, "0")}${"v".repeat(100)}`)
    .join(""),
);
const MAX = 1 << 20;

const snappyjsCodec = snappyjs as {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array): Uint8Array;
};
const lz4jsCodec = lz4js as {
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
};

const cases: [
  string,
  (d: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  (
    d: Uint8Array,
  ) => Uint8Array | Promise<Uint8Array>,
  boolean,
][] = [
  ["snappy (@webstream/kafka)", snappyCompress, (d) => snappyDecompress(d, MAX), true],
  ["snappy (snappyjs 0.7.0)", snappyjsCodec.compress, snappyjsCodec.uncompress, false],
  ["lz4 (@webstream/kafka)", lz4Compress, (d) => lz4Decompress(d, MAX), true],
  ["lz4 (lz4js 0.2.0)", lz4jsCodec.compress, lz4jsCodec.decompress, false],
  ["gzip (runtime)", (d) => gzipCodec.compress(d), (d) => gzipCodec.decompress(d, MAX), false],
  ["zstd (runtime)", (d) => zstdCodec.compress(d), (d) => zstdCodec.decompress(d, MAX), false],
];

for (const [name, compress, decompress, baseline] of cases) {
  const packed = await compress(section);
  const back = await decompress(packed);
  if (back.length !== section.length || back.some((b, i) => b !== section[i])) {
    throw new Error(`${name} does not round-trip`);
  }
  Deno.bench({
    name: `compress ${name}: ${section.length} B -> ${packed.length} B`,
    group: `compress ${name.split(" ")[0]}`,
    baseline,
    ...runs,
    async fn() {
      await compress(section);
    },
  });
  Deno.bench({
    name: `decompress ${name}`,
    group: `decompress ${name.split(" ")[0]}`,
    baseline,
    ...runs,
    async fn() {
      await decompress(packed);
    },
  });
}
