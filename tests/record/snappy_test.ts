import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaProtocolError } from "../../src/errors.ts";
import { snappyCompress, snappyCompressBlock, snappyDecompress } from "../../src/record/snappy.ts";
import { fromHex, prng } from "../fixtures/protocol_helpers.ts";
import { compressionInputs, TEXT } from "../fixtures/compression_inputs.ts";

// A raw block written by the reference library (Python's python-snappy).
const REFERENCE = fromHex("31144b61666b6120420600202c2073747265616d733e08000021");

describe("snappy", () => {
  test("snappyDecompress() reads the reference library's raw block", () => {
    assert.deepEqual(snappyDecompress(REFERENCE, 1000), TEXT);
  });

  test("snappyCompress() frames as Java's client: xerial header, big-endian chunk lengths", () => {
    const framed = snappyCompress(TEXT);
    assert.deepEqual(
      [...framed.subarray(0, 16)],
      [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1],
    );
    const block = snappyCompressBlock(TEXT);
    assert.deepEqual([...framed.subarray(16, 20)], [0, 0, 0, block.length]);
    assert.deepEqual(framed.subarray(20), block);
    assert.deepEqual(snappyDecompress(block, 1000), TEXT); // a raw block reads too
  });

  for (const [name, data] of compressionInputs(13)) {
    test(`round trip: ${name}`, () => {
      assert.deepEqual(snappyDecompress(snappyCompress(data), data.length), data);
      assert.deepEqual(snappyDecompress(snappyCompressBlock(data), data.length), data);
    });
  }

  test("data whose content passes maxBytes is refused, not allocated", () => {
    assert.throws(
      () => snappyDecompress(snappyCompress(new Uint8Array(1 << 20)), 1000),
      (e: Error) => e instanceof KafkaProtocolError && /exceed 1000 bytes/.test(e.message),
    );
    // A raw block claiming 2^32 - 1 bytes in five bytes.
    assert.throws(
      () => snappyDecompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), 1000),
      KafkaProtocolError,
    );
  });

  test("truncation at every byte and bit flips end in a typed error or bytes, never a crash", () => {
    const framed = snappyCompress(compressionInputs(13)[4]![1].subarray(0, 5000));
    for (let n = 17; n < framed.length; n++) {
      assert.throws(
        () => snappyDecompress(framed.subarray(0, n), 1 << 20),
        KafkaProtocolError,
        `${n}`,
      );
    }
    const random = prng(9);
    for (let k = 0; k < 2000; k++) {
      const bad = framed.slice();
      bad[Math.floor(random() * bad.length)]! ^= 1 << Math.floor(random() * 8);
      try {
        snappyDecompress(bad, 1 << 20);
      } catch (e) {
        assert.ok(e instanceof KafkaProtocolError, String(e));
      }
    }
  });
});
