import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  type BatchRecord,
  decodeRecordBatch,
  encodeRecordBatch,
  type RecordBatch,
} from "../../src/record/record_batch.ts";
import { RecordBatchBuilder, restampRecordBatch } from "../../src/record/record_batch_builder.ts";
import { crc32c } from "../../src/record/crc32c.ts";
import { KafkaProtocolError } from "../../src/errors.ts";

interface Fixture {
  name: string;
  compression: number;
  transactional: boolean;
  producerId: string;
  producerEpoch: number;
  baseSequence: number;
  records: {
    offsetDelta: number;
    timestamp: string;
    key: string | null;
    value: string | null;
    headers: [string, string | null][];
  }[];
  batch: string;
}

const hex = (s: string): Uint8Array =>
  new Uint8Array((s.match(/../g) ?? []).map((b) => parseInt(b, 16)));
const maybeHex = (s: string | null): Uint8Array | null => (s === null ? null : hex(s));

// Golden batches made by kafka-python's DefaultRecordBatchBuilder (gen_record_batches.py).
const fixtures: Fixture[] = JSON.parse(
  readFileSync(new URL("../fixtures/record_batches.json", import.meta.url), "utf8"),
);

function expectedRecords(f: Fixture): BatchRecord[] {
  const base = BigInt(f.records[0]!.timestamp);
  return f.records.map((r) => ({
    attributes: 0,
    timestampDelta: BigInt(r.timestamp) - base,
    offsetDelta: r.offsetDelta,
    key: maybeHex(r.key),
    value: maybeHex(r.value),
    headers: r.headers.map(([key, value]) => ({ key, value: maybeHex(value) })),
  }));
}

function inputOf(f: Fixture): Parameters<typeof encodeRecordBatch>[0] {
  const base = BigInt(f.records[0]!.timestamp);
  return {
    partitionLeaderEpoch: 0, // kafka-python writes 0 here; the Java producer writes -1
    attributes: f.compression | (f.transactional ? 0x10 : 0),
    baseTimestamp: base,
    producerId: BigInt(f.producerId),
    producerEpoch: f.producerEpoch,
    baseSequence: f.baseSequence,
    records: expectedRecords(f),
  };
}

describe("encodeRecordBatch()", () => {
  for (const f of fixtures.filter((f) => f.compression === 0)) {
    test(`encodeRecordBatch() matches kafka-python byte for byte: ${f.name}`, () => {
      assert.deepEqual(encodeRecordBatch(inputOf(f)), hex(f.batch));
    });
  }

  test("encodeRecordBatch() writes strings exactly as their UTF-8 bytes", () => {
    const enc = new TextEncoder();
    // Lengths straddle the varint boundaries (63/64, 8191/8192 zigzag) with multi-byte
    // characters, which exercises the shifted-prefix path.
    const strings = [
      "",
      "a",
      "é".repeat(21),
      "é".repeat(32),
      "😀".repeat(16),
      "x".repeat(63),
      "x".repeat(64),
      "é".repeat(4095),
      "é".repeat(4096),
      "a\ud800b",
      "€".repeat(2731),
    ];
    for (const s of strings) {
      const asString = encodeRecordBatch({
        records: [{ key: s, value: s, headers: [{ key: s, value: s }] }],
      });
      const b = enc.encode(s);
      const asBytes = encodeRecordBatch({
        records: [{ key: b, value: b, headers: [{ key: s, value: b }] }],
      });
      assert.deepEqual(asString, asBytes, `string of length ${s.length}`);
    }
  });

  test("encodeRecordBatch() computes lengths, lastOffsetDelta and maxTimestamp", async () => {
    const bytes = encodeRecordBatch({
      baseTimestamp: 1000n,
      records: [{ value: "a", timestampDelta: 5n }, { value: "b", timestampDelta: 2 }],
    }) as Uint8Array;
    const batch = await decodeRecordBatch(bytes);
    assert.equal(batch.batchLength, bytes.length - 12);
    assert.equal(batch.lastOffsetDelta, 1);
    assert.equal(batch.maxTimestamp, 1005n);
    assert.equal(batch.producerId, -1n);
    assert.equal(batch.producerEpoch, -1);
    assert.equal(batch.baseSequence, -1);
    assert.equal(batch.partitionLeaderEpoch, -1);
  });

  test("encodeRecordBatch() refuses magic other than 2 and unsafe timestamp deltas", () => {
    assert.throws(() => encodeRecordBatch({ magic: 1, records: [] }), RangeError);
    assert.throws(
      () => encodeRecordBatch({ records: [{ timestampDelta: 2n ** 60n }] }),
      RangeError,
    );
  });

  test("encodeRecordBatch() with gzip compresses the records section", async () => {
    const records = Array.from(
      { length: 200 },
      (_, i) => ({ key: `key-${i}`, value: "v".repeat(100) }),
    );
    const plain = encodeRecordBatch({ records }) as Uint8Array;
    const gzipped = await encodeRecordBatch({ attributes: 1, records });
    assert.ok(gzipped.length < plain.length / 5, `${gzipped.length} vs ${plain.length}`);
    const batch = await decodeRecordBatch(gzipped);
    assert.equal(batch.attributes & 7, 1);
    assert.equal(batch.records.length, 200);
    assert.deepEqual(batch.records[199]!.key, new TextEncoder().encode("key-199"));
  });

  test("encodeRecordBatch() with an unregistered codec is a typed error", () => {
    assert.throws(
      () => encodeRecordBatch({ attributes: 5, records: [] }),
      (e: Error) =>
        e instanceof KafkaProtocolError && /no codec is registered for id 5/.test(e.message),
    );
  });

  for (const [name, id] of [["snappy", 2], ["lz4", 3]] as const) {
    test(`encodeRecordBatch() with ${name} round-trips and shrinks repetitive records`, async () => {
      const records = Array.from({ length: 500 }, (_, i) => ({
        key: `key-${String(i).padStart(8, "0")}`,
        value: "v".repeat(100),
      }));
      const plain = await encodeRecordBatch({ records });
      const packed = await encodeRecordBatch({ attributes: id, records });
      assert.ok(packed.length < plain.length / 4, `${packed.length} vs ${plain.length}`);
      const batch = await decodeRecordBatch(packed);
      assert.equal(batch.attributes & 7, id);
      assert.equal(batch.records.length, 500);
      assert.deepEqual(batch.records[499]!.key, new TextEncoder().encode("key-00000499"));
      assert.deepEqual(batch.records[0]!.value, new TextEncoder().encode("v".repeat(100)));
    });
  }
});

describe("decodeRecordBatch()", () => {
  for (const f of fixtures) {
    test(`decodeRecordBatch() reads kafka-python's batch: ${f.name}`, async () => {
      const batch = await decodeRecordBatch(hex(f.batch));
      assert.equal(batch.magic, 2);
      assert.equal(batch.attributes & 0x07, f.compression);
      assert.equal((batch.attributes & 0x10) !== 0, f.transactional);
      assert.equal(batch.producerId, BigInt(f.producerId));
      assert.equal(batch.producerEpoch, f.producerEpoch);
      assert.equal(batch.baseSequence, f.baseSequence);
      assert.equal(batch.baseTimestamp, BigInt(f.records[0]!.timestamp));
      const timestamps = f.records.map((r) => BigInt(r.timestamp));
      assert.equal(batch.maxTimestamp, timestamps.reduce((a, b) => (b > a ? b : a)));
      assert.equal(batch.lastOffsetDelta, f.records.length - 1);
      assert.deepEqual(batch.records, expectedRecords(f));
    });
  }

  for (const f of fixtures.filter((f) => f.compression === 0)) {
    test(`encodeRecordBatch(decodeRecordBatch(b)) gives back b: ${f.name}`, () => {
      const b = hex(f.batch);
      assert.deepEqual(encodeRecordBatch(decodeRecordBatch(b) as RecordBatch), b);
    });
  }

  test("decodeRecordBatch() fails with KafkaProtocolError on truncation at every byte", async () => {
    for (const f of fixtures) {
      const b = hex(f.batch);
      for (let n = 0; n < b.length; n++) {
        await assert.rejects(
          async () => await decodeRecordBatch(b.subarray(0, n)),
          KafkaProtocolError,
        );
      }
    }
  });

  test("decodeRecordBatch() detects a flipped bit in the CRC'd bytes", async () => {
    for (const f of fixtures) {
      const b = hex(f.batch);
      for (let i = 21; i < b.length; i++) {
        const copy = b.slice();
        copy[i]! ^= 1 << (i % 8);
        await assert.rejects(async () => await decodeRecordBatch(copy), /CRC/);
      }
    }
  });

  test("decodeRecordBatch() reports a bad magic, length and record count", () => {
    const b = hex(fixtures[0]!.batch);
    const magic = b.slice();
    magic[16] = 1;
    assert.throws(() => decodeRecordBatch(magic), /magic 1/);
    const long = b.slice();
    long[11]! += 1;
    assert.throws(() => decodeRecordBatch(long), /does not match/);
    assert.throws(() => decodeRecordBatch(new Uint8Array([...b, 0])), /does not match/);
  });

  test("decodeRecordBatch() never fails with anything but KafkaProtocolError on corrupt records", async () => {
    // Corrupt the records section but fix the CRC, so the record parser itself is tested.
    let seed = 12345;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (const f of fixtures.filter((f) => f.compression === 0)) {
      const b = hex(f.batch);
      for (let round = 0; round < 2000; round++) {
        const copy = b.slice();
        const flips = 1 + Math.floor(random() * 4);
        for (let k = 0; k < flips; k++) {
          const at = 57 + Math.floor(random() * (copy.length - 57));
          copy[at] = Math.floor(random() * 256);
        }
        new DataView(copy.buffer).setUint32(17, crc32c(copy.subarray(21)));
        try {
          await decodeRecordBatch(copy);
        } catch (error) {
          assert.ok(error instanceof KafkaProtocolError, String(error));
        }
      }
    }
  });

  test("decodeRecordBatch() refuses a gzip batch that expands past maxDecompressedBytes", async () => {
    const bytes = await encodeRecordBatch({
      attributes: 1,
      records: [{ value: new Uint8Array(1 << 20) }],
    });
    await assert.rejects(
      async () => await decodeRecordBatch(bytes, { maxDecompressedBytes: 1000 }),
      (e) => e instanceof KafkaProtocolError && /exceed 1000 bytes/.test(e.message),
    );
    assert.equal((await decodeRecordBatch(bytes)).records[0]!.value!.length, 1 << 20);
  });

  test("decodeRecordBatch() refuses corrupt gzip data with KafkaProtocolError", async () => {
    const bytes = await encodeRecordBatch({ attributes: 1, records: [{ value: "hello" }] });
    const copy = bytes.slice();
    copy[copy.length - 3]! ^= 0xff; // inside the gzip trailer/data
    new DataView(copy.buffer).setUint32(17, crc32c(copy.subarray(21)));
    await assert.rejects(async () => await decodeRecordBatch(copy), KafkaProtocolError);
  });
});

describe("RecordBatchBuilder", () => {
  test("a builder grows through its allocator and gives back the buffer it outgrew", async () => {
    const taken: number[] = [];
    const given: Uint8Array[] = [];
    const allocator = {
      take: (size: number) => {
        taken.push(size);
        return new Uint8Array(size);
      },
      give: (buffer: Uint8Array) => given.push(buffer),
    };
    const first = new Uint8Array(256);
    const builder = new RecordBatchBuilder(first, allocator);
    const value = "v".repeat(300);
    builder.append(0, 0, "k", value, null);
    builder.append(0, 1, "k", value, null);
    // Strings are bounded at 3 bytes per UTF-16 unit before they are written.
    assert.deepEqual(taken, [1024, 2048]);
    assert.equal(given[0], first);
    assert.equal(given.length, taken.length);
    const batch = builder.finish({
      baseOffset: 0n,
      partitionLeaderEpoch: -1,
      attributes: 0,
      lastOffsetDelta: 1,
      baseTimestamp: 0n,
      maxTimestamp: 0n,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
    });
    const decoded = await decodeRecordBatch(batch);
    assert.deepEqual(
      decoded.records.map((r) => new TextDecoder().decode(r.value!)),
      [value, value],
    );
  });

  test("an allocator that hands back too small a buffer is not trusted", () => {
    const builder = new RecordBatchBuilder(new Uint8Array(256), {
      take: () => new Uint8Array(16),
      give: () => {},
    });
    builder.append(0, 0, null, "v".repeat(1000), null);
    assert.ok(builder.size > 1000);
  });

  test("append() returns the bytes taken and maxRecordSize() bounds them", () => {
    const builder = new RecordBatchBuilder(64);
    let total = 61;
    for (let i = 0; i < 300; i++) {
      const key = `key-${i}`;
      const value = "é".repeat(i);
      const bound = RecordBatchBuilder.maxRecordSize(i, i, key, value, null);
      const taken = builder.append(i, i, key, value, null);
      assert.ok(taken <= bound);
      total += taken;
    }
    assert.equal(builder.size, total);
    assert.equal(builder.count, 300);
  });

  test("restampRecordBatch() rewrites producer fields and keeps the CRC valid", async () => {
    const bytes = encodeRecordBatch({ records: [{ value: "x" }] }) as Uint8Array;
    restampRecordBatch(bytes, 77n, 2, 1000);
    const batch = await decodeRecordBatch(bytes);
    assert.equal(batch.producerId, 77n);
    assert.equal(batch.producerEpoch, 2);
    assert.equal(batch.baseSequence, 1000);
  });
});
