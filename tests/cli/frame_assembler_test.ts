import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FrameAssembler } from "../../src/cli/frame_assembler.ts";

function framed(bodies: readonly number[][]): Uint8Array {
  const out: number[] = [];
  for (const b of bodies) {
    out.push(0, (b.length >> 16) & 255, (b.length >> 8) & 255, b.length & 255, ...b);
  }
  return new Uint8Array(out);
}

describe("FrameAssembler", () => {
  test("FrameAssembler gives every frame whole however the bytes are cut", () => {
    const bodies = [[1], [], [2, 3, 4], Array.from({ length: 300 }, (_, i) => i & 255), [5]];
    const bytes = framed(bodies);
    for (let seed = 1; seed < 60; seed++) {
      const assembler = new FrameAssembler();
      const got: number[][] = [];
      let s = seed;
      for (let at = 0; at < bytes.length;) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const n = s % 9;
        assembler.push(bytes.subarray(at, at + n), (f) => got.push([...f]));
        at += n;
      }
      assert.deepEqual(got, bodies, `seed ${seed}`);
    }
  });

  test("FrameAssembler refuses a frame over its limit before allocating it", () => {
    const assembler = new FrameAssembler(10);
    assert.throws(
      () => assembler.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]), () => {}),
      /Cannot read frame as its size is over 10 bytes: current value is 2147483647/,
    );
  });
});
