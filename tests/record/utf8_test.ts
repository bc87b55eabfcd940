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
