/**
 * murmur2 on 12-byte, 100-byte and 1 KiB keys, ours against KafkaJS 2.2.4's
 * default partitioner hash (the Java-compatible one, built on its BigInt `Long`).
 *
 * Each iteration hashes the same 64 different keys (per-call bench overhead would
 * otherwise swamp a 12-byte hash): divide the time by 64 for one key.
 *
 * `BENCH_SMOKE=1` runs each case a few times only, for CI.
 */
import { Buffer } from "node:buffer";
// A bench-only baseline, imported inline so deno.json stays free of dependencies.
// deno-lint-ignore no-import-prefix
import kafkajsMurmur2 from "npm:kafkajs@2.2.4/src/producer/partitioners/default/murmur2.js";
import { murmur2 } from "../src/partition/murmur2.ts";

const smoke = Deno.env.get("BENCH_SMOKE") === "1";
const runs = smoke ? { n: 10, warmup: 1 } : {};

const kafkajs = kafkajsMurmur2 as (key: Buffer) => number;

/** 64 different keys of a size, so the hash cannot be hoisted out of the loop. */
function keys(size: number): Uint8Array[] {
  let x = 0x2545f491 ^ size;
  return Array.from({ length: 64 }, () => {
    const key = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      key[i] = x;
    }
    return key;
  });
}

for (const [label, size] of [["12 B", 12], ["100 B", 100], ["1 KiB", 1024]] as const) {
  const ours = keys(size);
  const theirs = ours.map((key) => Buffer.from(key));
  for (let i = 0; i < ours.length; i++) {
    if (murmur2(ours[i]!) !== kafkajs(theirs[i]!)) {
      throw new Error(`murmur2 differs from KafkaJS on a ${label} key`);
    }
  }
  let sink = 0;
  Deno.bench({
    name: `murmur2 ${label} x64 (@webstream/kafka)`,
    group: `murmur2 ${label}`,
    baseline: true,
    ...runs,
    fn() {
      let h = 0;
      for (let i = 0; i < ours.length; i++) h ^= murmur2(ours[i]!);
      sink ^= h;
    },
  });
  Deno.bench({
    name: `murmur2 ${label} x64 (kafkajs 2.2.4)`,
    group: `murmur2 ${label}`,
    ...runs,
    fn() {
      let h = 0;
      for (let i = 0; i < theirs.length; i++) h ^= kafkajs(theirs[i]!);
      sink ^= h;
    },
  });
}
