import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameReader } from "../../src/net/frame_reader.ts";
import { concat } from "./_fakes.ts";

/** A size-prefixed frame holding `body`. */
function frame(...body: number[]): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

interface Setup {
  reader: FrameReader;
  frames: number[][];
  views: Uint8Array[];
  errors: string[];
}

function setup(maxFrameBytes = 1024): Setup {
  const frames: number[][] = [];
  const views: Uint8Array[] = [];
  const errors: string[] = [];
  const reader = new FrameReader(maxFrameBytes, (f) => {
    frames.push([...f]);
    views.push(f);
  }, (reason) => errors.push(reason));
  return { reader, frames, views, errors };
}

test("FrameReader.push() hands out the same frames however the stream is cut", () => {
  const stream = concat(frame(1, 2, 3), frame(), frame(4), frame(5, 6, 7, 8, 9));
  const expected = [[1, 2, 3], [], [4], [5, 6, 7, 8, 9]];
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b++) {
      const { reader, frames, errors } = setup();
      reader.push(stream.subarray(0, a));
      reader.push(stream.subarray(a, b));
      reader.push(stream.subarray(b));
      assert.deepEqual(frames, expected, `cut at ${a} and ${b}`);
      assert.deepEqual(errors, []);
      assert.equal(reader.midFrame, false);
    }
  }
});

test("FrameReader.push() hands out a frame that lies whole in one read as a view of it", () => {
  const { reader, views } = setup();
  const chunk = concat(frame(1, 2), frame(3));
  reader.push(chunk);
  assert.equal(views.length, 2);
  assert.equal(views[0]!.buffer, chunk.buffer);
  assert.equal(views[1]!.buffer, chunk.buffer);
});

test("FrameReader.midFrame says whether part of a frame or of its size is buffered", () => {
  const { reader } = setup();
  const bytes = frame(1, 2);
  reader.push(bytes.subarray(0, 2));
  assert.equal(reader.midFrame, true, "half a size prefix");
  reader.push(bytes.subarray(2, 5));
  assert.equal(reader.midFrame, true, "a size and part of the body");
  reader.push(bytes.subarray(5));
  assert.equal(reader.midFrame, false);
});

test("FrameReader.push() refuses a negative size or one over the limit, once, and stops", () => {
  const negative = setup();
  negative.reader.push(new Uint8Array([0xff, 0xff]));
  negative.reader.push(concat(new Uint8Array([0xff, 0xff]), frame(1)));
  assert.deepEqual(negative.errors, ["its size -1 is negative"]);
  assert.deepEqual(negative.frames, [], "nothing after the bad size is read");

  const large = setup(8);
  large.reader.push(concat(frame(1, 2, 3, 4, 5, 6, 7, 8), frame(...new Array(9).fill(0))));
  large.reader.push(frame(1));
  assert.deepEqual(
    large.frames,
    [[1, 2, 3, 4, 5, 6, 7, 8]],
    "a frame of exactly the limit is taken",
  );
  assert.deepEqual(large.errors, ["its size 9 is over the limit of 8 bytes"]);
});

test("FrameReader.stop() from a frame callback drops the rest of the read and later reads", () => {
  const frames: number[][] = [];
  const reader: FrameReader = new FrameReader(1024, (f) => {
    frames.push([...f]);
    reader.stop();
  }, assert.fail);
  reader.push(concat(frame(1), frame(2), frame(3).subarray(0, 5)));
  reader.push(frame(4));
  assert.deepEqual(frames, [[1]]);
  assert.equal(reader.midFrame, false);
});
