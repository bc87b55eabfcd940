import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Writer } from "../../src/protocol/writer.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { KafkaProtocolError } from "../../src/errors.ts";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

function written(fn: (w: Writer) => void): Uint8Array {
  const w = new Writer(16);
  fn(w);
  return w.bytes().slice();
}

describe("Writer", () => {
  test("int8/16/32/64 and uint32 are big-endian two's complement", () => {
    assert.deepEqual(written((w) => w.int8(-1)), bytes(0xff));
    assert.deepEqual(written((w) => w.int16(0x1234)), bytes(0x12, 0x34));
    assert.deepEqual(written((w) => w.int16(-2)), bytes(0xff, 0xfe));
    assert.deepEqual(written((w) => w.int32(-1)), bytes(0xff, 0xff, 0xff, 0xff));
    assert.deepEqual(written((w) => w.int32(0x01020304)), bytes(1, 2, 3, 4));
    assert.deepEqual(written((w) => w.uint32(0xe3069283)), bytes(0xe3, 0x06, 0x92, 0x83));
    assert.deepEqual(
      written((w) => w.int64(-2n)),
      bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe),
    );
    assert.deepEqual(
      written((w) => w.int64(0x0102030405060708n)),
      bytes(1, 2, 3, 4, 5, 6, 7, 8),
    );
    assert.deepEqual(written((w) => w.boolean(true).boolean(false)), bytes(1, 0));
  });

  test("varint() writes zigzag as in the protocol guide", () => {
    // zigzag: 0→0, -1→1, 1→2, -2→3, 63→126, -64→127, 64→128 (two bytes)
    assert.deepEqual(written((w) => w.varint(0)), bytes(0));
    assert.deepEqual(written((w) => w.varint(-1)), bytes(1));
    assert.deepEqual(written((w) => w.varint(1)), bytes(2));
    assert.deepEqual(written((w) => w.varint(-2)), bytes(3));
    assert.deepEqual(written((w) => w.varint(63)), bytes(0x7e));
    assert.deepEqual(written((w) => w.varint(-64)), bytes(0x7f));
    assert.deepEqual(written((w) => w.varint(64)), bytes(0x80, 0x01));
    assert.deepEqual(written((w) => w.varint(300)), bytes(0xd8, 0x04));
    assert.deepEqual(written((w) => w.varint(2147483647)), bytes(0xfe, 0xff, 0xff, 0xff, 0x0f));
    assert.deepEqual(written((w) => w.varint(-2147483648)), bytes(0xff, 0xff, 0xff, 0xff, 0x0f));
  });

  test("unsignedVarint() writes 7 bits per byte, low first", () => {
    assert.deepEqual(written((w) => w.unsignedVarint(0)), bytes(0));
    assert.deepEqual(written((w) => w.unsignedVarint(127)), bytes(0x7f));
    assert.deepEqual(written((w) => w.unsignedVarint(128)), bytes(0x80, 0x01));
    assert.deepEqual(written((w) => w.unsignedVarint(300)), bytes(0xac, 0x02));
    assert.deepEqual(
      written((w) => w.unsignedVarint(0xffffffff)),
      bytes(0xff, 0xff, 0xff, 0xff, 0x0f),
    );
  });

  test("varlong() writes 64-bit zigzag", () => {
    assert.deepEqual(written((w) => w.varlong(0n)), bytes(0));
    assert.deepEqual(written((w) => w.varlong(-1n)), bytes(1));
    assert.deepEqual(written((w) => w.varlong(2147483648n)), bytes(0x80, 0x80, 0x80, 0x80, 0x10));
    assert.deepEqual(
      written((w) => w.varlong(-9223372036854775808n)),
      bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    );
    assert.deepEqual(
      written((w) => w.varlong(9223372036854775807n)),
      bytes(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
    );
  });

  test("string forms: nullable int16 length, compact length + 1", () => {
    assert.deepEqual(written((w) => w.string(null)), bytes(0xff, 0xff));
    assert.deepEqual(written((w) => w.string("")), bytes(0, 0));
    assert.deepEqual(written((w) => w.string("hé")), bytes(0, 3, 0x68, 0xc3, 0xa9));
    assert.deepEqual(written((w) => w.compactString(null)), bytes(0));
    assert.deepEqual(written((w) => w.compactString("")), bytes(1));
    assert.deepEqual(written((w) => w.compactString("ab")), bytes(3, 0x61, 0x62));
  });

  test("bytes forms: nullable int32 length, compact length + 1", () => {
    assert.deepEqual(written((w) => w.bytes32(null)), bytes(0xff, 0xff, 0xff, 0xff));
    assert.deepEqual(written((w) => w.bytes32(bytes(9))), bytes(0, 0, 0, 1, 9));
    assert.deepEqual(written((w) => w.compactBytes(null)), bytes(0));
    assert.deepEqual(written((w) => w.compactBytes(bytes(9, 8))), bytes(3, 9, 8));
  });

  test("arrays: int32 count (-1 null), compact count + 1 (0 null)", () => {
    const int16 = (w: Writer, v: number): void => void w.int16(v);
    assert.deepEqual(written((w) => w.array([1, 2], int16)), bytes(0, 0, 0, 2, 0, 1, 0, 2));
    assert.deepEqual(written((w) => w.array(null, int16)), bytes(0xff, 0xff, 0xff, 0xff));
    assert.deepEqual(written((w) => w.compactArray([7], int16)), bytes(2, 0, 7));
    assert.deepEqual(written((w) => w.compactArray(null, int16)), bytes(0));
  });

  test("tags() writes count, then tag, size, data in tag order", () => {
    assert.deepEqual(written((w) => w.tags()), bytes(0));
    assert.deepEqual(
      written((w) => w.tags([{ tag: 5, data: bytes(0xaa) }, { tag: 1, data: bytes(1, 2) }])),
      bytes(2, 1, 2, 1, 2, 5, 1, 0xaa),
    );
  });

  test("uuid() writes 16 bytes and refuses any other length", () => {
    const id = new Uint8Array(16).map((_, i) => i);
    assert.deepEqual(written((w) => w.uuid(id)), id);
    assert.throws(() => new Writer().uuid(bytes(1)), RangeError);
  });

  test("reserve() and patchInt32() backfill a length, growing past the capacity", () => {
    const w = new Writer(16);
    const at = w.reserve(4);
    for (let i = 0; i < 100; i++) w.int32(i);
    w.patchInt32(at, w.length - 4);
    const out = w.bytes();
    assert.equal(out.length, 404);
    assert.equal(new DataView(out.buffer, out.byteOffset).getInt32(0), 400);
    assert.equal(new DataView(out.buffer, out.byteOffset).getInt32(400), 99);
  });
});

describe("Reader", () => {
  test("reads back everything Writer writes", () => {
    const id = new Uint8Array(16).fill(7);
    const w = new Writer();
    w.int8(-5).int16(-300).int32(-70000).uint32(0xfffffffe).int64(-123456789012345n)
      .varint(-12345).varlong(-1234567890123n).unsignedVarint(987654)
      .string("kafka").string(null).compactString("é").compactString(null)
      .bytes32(bytes(1, 2)).bytes32(null).compactBytes(bytes(3)).compactBytes(null)
      .array([1, 2, 3], (w, v) => void w.int32(v)).compactArray(
        ["x"],
        (w, v) => void w.compactString(v),
      )
      .tags([{ tag: 3, data: bytes(4) }]).uuid(id).boolean(true);
    const r = new Reader(w.bytes());
    assert.equal(r.int8(), -5);
    assert.equal(r.int16(), -300);
    assert.equal(r.int32(), -70000);
    assert.equal(r.uint32(), 0xfffffffe);
    assert.equal(r.int64(), -123456789012345n);
    assert.equal(r.varint(), -12345);
    assert.equal(r.varlong(), -1234567890123n);
    assert.equal(r.unsignedVarint(), 987654);
    assert.equal(r.string(), "kafka");
    assert.equal(r.string(), null);
    assert.equal(r.compactString(), "é");
    assert.equal(r.compactString(), null);
    assert.deepEqual(r.bytes32(), bytes(1, 2));
    assert.equal(r.bytes32(), null);
    assert.deepEqual(r.compactBytes(), bytes(3));
    assert.equal(r.compactBytes(), null);
    assert.deepEqual(r.array((r) => r.int32()), [1, 2, 3]);
    assert.deepEqual(r.compactArray((r) => r.compactString()), ["x"]);
    assert.deepEqual(r.tags(), [{ tag: 3, data: bytes(4) }]);
    assert.deepEqual(r.uuid(), id);
    assert.equal(r.boolean(), true);
    r.end("test");
  });

  test("varint(), varlong() and varlongNumber() round-trip edge values", () => {
    const ints = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 2 ** 31 - 1, -(2 ** 31)];
    for (const v of ints) {
      const r = new Reader(written((w) => w.varint(v)));
      assert.equal(r.varint(), v);
      r.end("varint");
    }
    const longs = [
      0n,
      -1n,
      2n ** 53n - 1n,
      -(2n ** 53n) + 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      1700000000000n,
    ];
    for (const v of longs) {
      const r = new Reader(written((w) => w.varlong(v)));
      assert.equal(r.varlong(), v);
      r.end("varlong");
    }
    for (
      const v of [
        0,
        -1,
        1700000000000,
        -1700000000000,
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
      ]
    ) {
      const r = new Reader(written((w) => w.varlong(BigInt(v))));
      assert.equal(r.varlongNumber(), v);
    }
    assert.throws(
      () => new Reader(written((w) => w.varlong(2n ** 60n))).varlongNumber(),
      KafkaProtocolError,
    );
  });

  test("skipTags() skips unknown tagged fields", () => {
    const r = new Reader(bytes(2, 0, 1, 9, 200, 1, 2, 1, 1, 42));
    r.skipTags();
    assert.equal(r.int8(), 42);
  });

  test("every read past the end throws KafkaProtocolError", () => {
    const r = new Reader(bytes(1, 2));
    assert.throws(() => r.int32(), KafkaProtocolError);
    assert.equal(r.offset, 0, "a failed read does not move the position");
    for (
      const read of [
        (r: Reader) => r.int64(),
        (r: Reader) => r.raw(3),
        (r: Reader) => r.uuid(),
      ]
    ) {
      assert.throws(() => read(new Reader(bytes(1, 2))), KafkaProtocolError);
    }
  });

  test("negative and oversized lengths are typed errors, not allocations", () => {
    assert.throws(() => new Reader(bytes(0xff, 0xfe)).string(), /invalid length -2/);
    assert.throws(() => new Reader(bytes(0x7f, 0xff, 1)).string(), /exceeds/);
    assert.throws(() => new Reader(bytes(0xff, 0xff, 0xff, 0xfe)).bytes32(), KafkaProtocolError);
    assert.throws(
      () => new Reader(bytes(0x7f, 0xff, 0xff, 0xff)).array((r) => r.int8()),
      /exceeds/,
    );
    assert.throws(
      () => new Reader(bytes(0xff, 0xff, 0xff, 0x0f)).compactArray((r) => r.int8()),
      KafkaProtocolError,
    );
    assert.throws(() => new Reader(bytes(0x05, 1)).compactBytes(), KafkaProtocolError);
    assert.throws(() => new Reader(bytes(0x03)).varintBytes(), /invalid length -2/);
    assert.throws(() => new Reader(bytes(0xff, 0xff, 0x03)).tags(), KafkaProtocolError);
  });

  test("over-long varints are typed errors", () => {
    assert.throws(
      () => new Reader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).unsignedVarint(),
      /exceeds 32 bits/,
    );
    assert.throws(
      () => new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x1f)).varint(),
      /exceeds 32 bits/,
    );
    assert.throws(() => new Reader(new Uint8Array(11).fill(0x80)).varlong(), KafkaProtocolError);
    assert.throws(
      () => new Reader(bytes(...new Array(9).fill(0xff), 0x02)).varlong(),
      /exceeds 64 bits/,
    );
    assert.throws(() => new Reader(bytes(0x80, 0x80)).varint(), KafkaProtocolError);
  });

  test("invalid UTF-8 in a string is a typed error", () => {
    assert.throws(() => new Reader(bytes(0, 1, 0xff)).string(), /not valid UTF-8/);
    assert.throws(() => new Reader(bytes(0)).requiredCompactString(), /null/);
  });

  test("end() reports bytes left over", () => {
    const r = new Reader(bytes(1, 2, 3));
    r.int8();
    assert.throws(() => r.end("thing"), /2 bytes are left over/);
  });

  test("reads honour a subarray's offset and length", () => {
    const backing = bytes(9, 9, 0, 0, 0, 5, 9);
    const r = new Reader(backing.subarray(2, 6));
    assert.equal(r.int32(), 5);
    assert.throws(() => r.int8(), KafkaProtocolError);
  });
});
