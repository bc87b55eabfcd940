/**
 * CRC-32C of 1 KiB, 64 KiB and 1 MiB, ours against KafkaJS 2.2.4's byte-at-a-time
 * table version (what it uses for record batch v2).
 *
 * `BENCH_SMOKE=1` runs each case a few times only, for CI.
 */
import { Buffer } from "node:buffer";
// A bench-only baseline, imported inline so deno.json stays free of dependencies.
// deno-lint-ignore no-import-prefix
import kafkajsCrc32c from "npm:kafkajs@2.2.4/src/protocol/recordBatch/crc32C/crc32C.js";
import { crc32c } from "../src/record/crc32c.ts";

const smoke = Deno.env.get("BENCH_SMOKE") === "1";
const runs = smoke ? { n: 10, warmup: 1 } : {};

const kafkajs = kafkajsCrc32c as (bytes: Buffer) => number;

function bytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9 ^ size;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

for (const [label, size] of [["1 KiB", 1024], ["64 KiB", 65536], ["1 MiB", 1 << 20]] as const) {
  const ours = bytes(size);
  const theirs = Buffer.from(ours);
  if (crc32c(ours) !== kafkajs(theirs)) throw new Error(`crc32c differs from KafkaJS on ${label}`);
  Deno.bench({
    name: `crc32c ${label} (@webstream/kafka)`,
    group: `crc32c ${label}`,
    baseline: true,
    ...runs,
    fn() {
      crc32c(ours);
    },
  });
  Deno.bench({
    name: `crc32c ${label} (kafkajs 2.2.4)`,
    group: `crc32c ${label}`,
    ...runs,
    fn() {
      kafkajs(theirs);
    },
  });
}
