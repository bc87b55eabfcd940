import { test } from "node:test";
import assert from "node:assert/strict";
import { utf8Length, writeUtf8 } from "../../src/record/utf8.ts";

test("utf8Length() and writeUtf8() agree with TextEncoder", () => {
  const encoder = new TextEncoder();
  const samples = [
    "",
    "a",
    "é",
    "€",
    "😀",
    "a\ud800b",
    "\udc00",
    "\ud83d",
    "x".repeat(100),
    "é😀€a".repeat(40),
  ];
  for (const s of samples) {
    const expected = encoder.encode(s);
    assert.equal(utf8Length(s), expected.length, JSON.stringify(s));
    const buf = new Uint8Array(s.length * 3 + 1);
    const n = writeUtf8(buf, 1, s);
    assert.deepEqual(buf.subarray(1, 1 + n), expected, JSON.stringify(s));
  }
});

test("writeUtf8() writes long and non-ASCII strings exactly, at any offset, touching nothing else", () => {
  const encoder = new TextEncoder();
  const samples = [
    "y".repeat(49),
    JSON.stringify({ id: 1, user: "user-1", path: "/products/1", ts: 1767225600001, ok: true }),
    "x".repeat(60) + "\ud800",
    "\udfff" + "z".repeat(60),
    "€".repeat(700),
    "a😀".repeat(300) + "\ud83d",
  ];
  for (const s of samples) {
    const expected = encoder.encode(s);
    for (const offset of [0, 7]) {
      // Room for exactly the bound the builder reserves, plus guard bytes after it.
      const buf = new Uint8Array(offset + s.length * 3 + 4).fill(0xee);
      const n = writeUtf8(buf.subarray(0, offset + s.length * 3), offset, s);
      assert.equal(n, expected.length, JSON.stringify(s.slice(0, 20)));
      assert.deepEqual(buf.subarray(offset, offset + n), expected);
      assert.ok(buf.subarray(0, offset).every((b) => b === 0xee), "nothing before the offset");
      assert.ok(buf.subarray(offset + n).every((b) => b === 0xee), "nothing after the string");
    }
    // A view that does not start its buffer (a builder given a subarray, say).
    const backing = new Uint8Array(5 + s.length * 3 + 4).fill(0xee);
    const n = writeUtf8(backing.subarray(5, 5 + s.length * 3), 0, s);
    assert.deepEqual(backing.subarray(5, 5 + n), expected);
    assert.ok(backing.subarray(0, 5).every((b) => b === 0xee), "nothing before the view");
    assert.ok(backing.subarray(5 + n).every((b) => b === 0xee), "nothing after the string");
  }
});
