import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { validateBatch } from "../../src/testing/batch_validation.ts";
import { fromHex } from "../fixtures/protocol_helpers.ts";
import { kafkaFixtures } from "../fixtures/kafka_protocol_fixtures.ts";
import { batch } from "./_batches.ts";

const limits = {
  maxMessageBytes: 1048588,
  timestampAfterMaxMs: 3_600_000,
  now: Date.now(),
  produceVersion: 11,
};

function codeOf(bytes: Uint8Array, l = limits): number {
  const result = validateBatch(bytes, l);
  return result.ok ? 0 : result.code;
}

/** Recomputes a batch's CRC after a change (so only the change is judged). */
async function withCrc(bytes: Uint8Array): Promise<Uint8Array> {
  const { crc32c } = await import("../../src/record/crc32c.ts");
  new DataView(bytes.buffer).setUint32(17, crc32c(bytes.subarray(21)));
  return bytes;
}

describe("validateBatch()", () => {
  test("validateBatch() accepts a well-formed batch and reads its header", () => {
    const result = validateBatch(
      batch(3, { producerId: 5n, producerEpoch: 1, baseSequence: 0 }),
      limits,
    );
    assert.ok(result.ok);
    assert.equal(result.header.count, 3);
    assert.equal(result.header.producerId, 5n);
  });

  test("validateBatch() refuses a flipped bit as CORRUPT_MESSAGE (CRC)", () => {
    const bytes = batch(3);
    for (const at of [21, 40, 61, bytes.length - 1]) {
      const copy = bytes.slice();
      copy[at]! ^= 0x10;
      assert.equal(codeOf(copy), ErrorCode.CORRUPT_MESSAGE, `bit flipped at ${at}`);
    }
  });

  test("validateBatch() refuses magic 1, two batches, and a short or long length", () => {
    const magic = batch(1);
    magic[16] = 1;
    assert.equal(codeOf(magic), ErrorCode.INVALID_RECORD);
    const one = batch(1);
    const two = new Uint8Array(one.length * 2);
    two.set(one);
    two.set(one, one.length);
    assert.equal(codeOf(two), ErrorCode.INVALID_RECORD);
    assert.equal(codeOf(one.subarray(0, 40)), ErrorCode.CORRUPT_MESSAGE);
    assert.equal(codeOf(one.subarray(0, one.length - 1)), ErrorCode.CORRUPT_MESSAGE);
  });

  test("validateBatch() refuses a batch over max.message.bytes as MESSAGE_TOO_LARGE", () => {
    const big = batch(1, {}, () => "x".repeat(2000));
    assert.equal(codeOf(big, { ...limits, maxMessageBytes: 1000 }), ErrorCode.MESSAGE_TOO_LARGE);
    assert.equal(codeOf(big, { ...limits, maxMessageBytes: big.length }), 0);
  });

  test("validateBatch() refuses a record count that disagrees with lastOffsetDelta", async () => {
    const bytes = batch(3);
    new DataView(bytes.buffer).setInt32(57, 2);
    assert.equal(codeOf(await withCrc(bytes)), ErrorCode.INVALID_RECORD);
  });

  test("validateBatch() refuses control batches, and producer fields that do not go together", () => {
    assert.equal(codeOf(batch(1, { attributes: 0x20 })), ErrorCode.INVALID_RECORD);
    assert.equal(codeOf(batch(1, { producerId: 3n, baseSequence: -1 })), ErrorCode.INVALID_RECORD);
    assert.equal(codeOf(batch(1, { attributes: 0x10 })), ErrorCode.INVALID_RECORD);
  });

  test("validateBatch() refuses non-consecutive offset deltas as INVALID_RECORD with the record's index", async () => {
    const { encodeRecordBatch } = await import("../../src/record/record_batch.ts");
    const bytes = encodeRecordBatch({
      lastOffsetDelta: 1,
      records: [{ value: "a", offsetDelta: 0 }, { value: "b", offsetDelta: 2 }],
    }) as Uint8Array;
    const result = validateBatch(bytes, limits);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, ErrorCode.INVALID_RECORD);
    assert.equal(!result.ok && result.recordErrors[0]?.batchIndex, 1);
  });

  test("validateBatch() refuses a timestamp more than message.timestamp.after.max.ms ahead", () => {
    const ahead = batch(1, { baseTimestamp: BigInt(limits.now + 3_700_000) });
    assert.equal(codeOf(ahead), ErrorCode.INVALID_TIMESTAMP);
    assert.equal(codeOf(batch(1, { baseTimestamp: BigInt(limits.now + 3_500_000) })), 0);
  });

  test("validateBatch() refuses a malformed record inside a good CRC as CORRUPT_MESSAGE", async () => {
    const bytes = batch(2);
    bytes[61] = 0x7f; // the first record's length, now far past the end
    assert.equal(codeOf(await withCrc(bytes)), ErrorCode.CORRUPT_MESSAGE);
  });

  for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
    test(`validateBatch() checks the records of Java's ${codec} batch`, async () => {
      const bytes = fromHex(kafkaFixtures[`RecordBatch.${codec}`]!);
      assert.equal(codeOf(bytes), 0);
      if (codec === "zstd") {
        assert.equal(
          codeOf(bytes, { ...limits, produceVersion: 6 }),
          ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
        );
      }
      const broken = bytes.slice();
      broken[62]! ^= 0xff; // inside the codec's own header
      assert.notEqual(codeOf(await withCrc(broken)), 0, "corrupt compressed data is refused");
    });
  }
});
