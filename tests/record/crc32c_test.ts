import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { crc32c, crc32cUpdate } from "../../src/record/crc32c.ts";

/** CRC-32C one bit at a time, straight from the definition: the reference. */
function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A seeded xorshift32, so failures reproduce. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed | 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

function filled(length: number, f: (i: number) => number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => f(i));
}

describe("crc32c()", () => {
  test('crc32c() gives the check value of "123456789"', () => {
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  });

  test("crc32c() gives the RFC 3720 B.4 values", () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(filled(32, (i) => i)), 0x46dd794e);
    assert.equal(crc32c(filled(32, (i) => 31 - i)), 0x113fdb5c);
  });

  test("crc32c() of no bytes is 0", () => {
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  test("crc32c() returns an unsigned 32-bit integer", () => {
    const crc = crc32c(new Uint8Array(32).fill(0xff));
    assert.ok(Number.isInteger(crc) && crc >= 0 && crc <= 0xffffffff);
    assert.ok(crc32c(new Uint8Array(32)) > 0x7fffffff);
  });

  test("crc32c() matches the bit-by-bit reference for every length 0..300", () => {
    for (let length = 0; length <= 300; length++) {
      const bytes = randomBytes(length, length + 1);
      assert.equal(crc32c(bytes), referenceCrc32c(bytes), `length ${length}`);
    }
  });

  test("crc32c() matches the reference on unaligned subarrays", () => {
    const backing = randomBytes(400, 7);
    for (let offset = 0; offset < 8; offset++) {
      for (let length = 0; length <= 300; length += 1 + offset) {
        const view = backing.subarray(offset, offset + length);
        assert.equal(crc32c(view), referenceCrc32c(view), `offset ${offset}, length ${length}`);
      }
    }
  });

  test("crc32c() matches the reference on long inputs at every alignment", () => {
    const backing = randomBytes(70_000, 99);
    for (const length of [511, 512, 513, 527, 1024, 4099, 65_536, 69_990]) {
      for (let offset = 0; offset < 4; offset++) {
        const view = backing.subarray(offset, offset + length);
        assert.equal(crc32c(view), referenceCrc32c(view), `offset ${offset}, length ${length}`);
      }
    }
  });

  test("crc32c() reads only the view, not the rest of its buffer", () => {
    const backing = randomBytes(2000, 3);
    const view = backing.subarray(3, 1500);
    const copy = view.slice();
    assert.equal(crc32c(view), crc32c(copy));
  });

  test("crc32c() works on a view of a SharedArrayBuffer", () => {
    const shared = new Uint8Array(new SharedArrayBuffer(1024));
    shared.set(randomBytes(1024, 5));
    assert.equal(crc32c(shared.subarray(1)), referenceCrc32c(shared.slice(1)));
  });
});

describe("crc32cUpdate()", () => {
  test("crc32cUpdate() from 0 equals crc32c()", () => {
    const bytes = randomBytes(1000, 11);
    assert.equal(crc32cUpdate(0, bytes), crc32c(bytes));
  });

  test("crc32cUpdate() continues a checksum across any split", () => {
    const bytes = randomBytes(1200, 13);
    const whole = crc32c(bytes);
    for (const split of [0, 1, 3, 15, 16, 17, 511, 512, 600, 1199, 1200]) {
      const crc = crc32cUpdate(crc32c(bytes.subarray(0, split)), bytes.subarray(split));
      assert.equal(crc, whole, `split at ${split}`);
    }
  });

  test("crc32cUpdate() continues over many small pieces", () => {
    const bytes = randomBytes(777, 17);
    let crc = 0;
    for (let i = 0; i < bytes.length; i += 5) crc = crc32cUpdate(crc, bytes.subarray(i, i + 5));
    assert.equal(crc, crc32c(bytes));
  });

  test("crc32cUpdate() accepts the signed form of a checksum", () => {
    const a = new TextEncoder().encode("1234");
    const b = new TextEncoder().encode("56789");
    assert.equal(crc32cUpdate(crc32c(a) | 0, b), 0xe3069283);
  });

  test("crc32cUpdate() with no bytes returns the checksum unchanged", () => {
    assert.equal(crc32cUpdate(0xe3069283, new Uint8Array(0)), 0xe3069283);
  });
});
