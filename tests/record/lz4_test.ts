import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KafkaProtocolError } from "../../src/errors.ts";
import { lz4Compress, lz4Decompress } from "../../src/record/lz4.ts";
import { fromHex, prng } from "../fixtures/protocol_helpers.ts";
import { compressionInputs, TEXT } from "../fixtures/compression_inputs.ts";

// Written by the reference LZ4 library (Python's lz4.frame): default flags (with the
// content size), and linked blocks with block and content checksums.
const REFERENCE = fromHex(
  "04224d18684031000000000000007f1b0000006d4b61666b61200600982c2073747265616d7308005065616d732100000000",
);
const CHECKSUMMED = fromHex(
  "04224d187c403100000000000000641b0000006d4b61666b61200600982c2073747265616d7308005065616d732116b76205000000005b41dbd9",
);

describe("lz4", () => {
  test("lz4Decompress() reads the reference library's frames", () => {
    assert.deepEqual(lz4Decompress(REFERENCE, 1000), TEXT);
    assert.deepEqual(lz4Decompress(CHECKSUMMED, 1000), TEXT);
  });

  test("lz4Compress() writes Java's frame header: 64 KiB independent blocks, no checksums", () => {
    const frame = lz4Compress(TEXT);
    assert.deepEqual([...frame.subarray(0, 7)], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
    assert.deepEqual([...frame.subarray(-4)], [0, 0, 0, 0]);
  });

  for (const [name, data] of compressionInputs(11)) {
    test(`round trip: ${name}`, () => {
      const frame = lz4Compress(data);
      assert.deepEqual(lz4Decompress(frame, data.length), data);
      assert.ok(frame.length <= data.length + Math.ceil(data.length / 65536) * 4 + 11);
    });
  }

  test("a frame whose content passes maxBytes is refused, not allocated", () => {
    const frame = lz4Compress(new Uint8Array(1 << 20));
    assert.throws(
      () => lz4Decompress(frame, 1000),
      (e: Error) => e instanceof KafkaProtocolError && /exceed 1000 bytes/.test(e.message),
    );
  });

  test("a bad content checksum or header checksum is a typed error", () => {
    const badContent = CHECKSUMMED.slice();
    badContent[badContent.length - 1]! ^= 1;
    assert.throws(() => lz4Decompress(badContent, 1000), /content checksum/);
    const badHeader = REFERENCE.slice();
    badHeader[14]! ^= 1;
    assert.throws(() => lz4Decompress(badHeader, 1000), /header checksum/);
  });

  test("truncation at every byte and bit flips end in a typed error or bytes, never a crash", () => {
    const frame = lz4Compress(compressionInputs(11)[4]![1].subarray(0, 5000));
    for (let n = 0; n < frame.length; n++) {
      assert.throws(() => lz4Decompress(frame.subarray(0, n), 1 << 20), KafkaProtocolError, `${n}`);
    }
    const random = prng(5);
    for (let k = 0; k < 2000; k++) {
      const bad = frame.slice();
      bad[Math.floor(random() * bad.length)]! ^= 1 << Math.floor(random() * 8);
      try {
        lz4Decompress(bad, 1 << 20);
      } catch (e) {
        assert.ok(e instanceof KafkaProtocolError, String(e));
      }
    }
  });
});
