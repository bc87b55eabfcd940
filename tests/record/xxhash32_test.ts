import assert from "node:assert/strict";
import { test } from "node:test";
import { xxhash32 } from "../../src/record/xxhash32.ts";

test("xxhash32() agrees with the reference implementation (Python's xxhash package)", () => {
  const enc = new TextEncoder();
  const cases: [Uint8Array, number][] = [
    [new Uint8Array(0), 0x02cc5d05],
    [enc.encode("abc"), 0x32d153ff],
    [Uint8Array.from({ length: 100 }, (_, i) => i), 0x7f89ba44],
    [enc.encode("a".repeat(15)), 0x6a786076], // under one 16-byte stripe
    [enc.encode("a".repeat(16)), 0x5dacdd8c], // exactly one
    [enc.encode("a".repeat(17)), 0xdf090c34], // one and a byte
  ];
  for (const [data, expected] of cases) {
    assert.equal(xxhash32(data), expected, `${data.length} bytes`);
  }
});
