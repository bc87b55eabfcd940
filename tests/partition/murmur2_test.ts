import { describe, test } from "node:test";
import { KeyScratch } from "../../src/partition/key_bytes.ts";
import assert from "node:assert/strict";
import { murmur2, murmur2Ascii, partitionForKey, toPositive } from "../../src/partition/murmur2.ts";

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Printed by the real kafka-clients 4.3.1 jar (`Utils.murmur2` and
 * `BuiltInPartitioner.partitionForKey` for 3, 10 and 64 partitions), from a single-file
 * Java program: keys of lengths 0..16 with byte `i` = `(byte) (i * 0x9e + length * 0x3b + 0x80)`
 * (every tail case, bytes above 0x7f), some UTF-8 strings, and 40 keys from
 * `java.util.Random(42)` (lengths 0..40).
 *
 * [key as hex, murmur2, partition of 3, partition of 10, partition of 64]
 */
const JAVA_GOLDEN: [string, number, number, number, number][] = [
  ["", 275646681, 0, 1, 25], // length 0
  ["bb", 839706665, 2, 5, 41], // length 1
  ["f694", 1251009420, 0, 0, 12], // length 2
  ["31cf6d", -1029966382, 1, 6, 18], // length 3
  ["6c0aa846", -2087267365, 1, 3, 27], // length 4
  ["a745e3811f", 489453653, 2, 3, 21], // length 5
  ["e2801ebc5af8", 1207234252, 1, 2, 12], // length 6
  ["1dbb59f79533d1", 1565223401, 2, 1, 41], // length 7
  ["58f69432d06e0caa", 1421570046, 0, 6, 62], // length 8
  ["9331cf6d0ba947e583", 1135479181, 1, 1, 13], // length 9
  ["ce6c0aa846e48220be5c", -1664539858, 1, 0, 46], // length 10
  ["09a745e3811fbd5bf99735", -2006790878, 0, 0, 34], // length 11
  ["44e2801ebc5af89634d2700e", -1840250699, 0, 9, 53], // length 12
  ["7f1dbb59f79533d16f0dab49e7", -241099151, 0, 7, 49], // length 13
  ["ba58f69432d06e0caa48e68422c0", 1657723215, 0, 5, 15], // length 14
  ["f59331cf6d0ba947e58321bf5dfb99", -1322512355, 0, 3, 29], // length 15
  ["30ce6c0aa846e48220be5cfa9836d472", 237633888, 0, 8, 32], // length 16
  ["757365722d30", 637506763, 1, 3, 11], // "user-0"
  ["757365722d31", 1404122828, 2, 8, 12], // "user-1"
  ["757365722d32", -324981792, 2, 6, 32], // "user-2"
  ["757365722d33", 1141442267, 2, 7, 27], // "user-3"
  ["757365722d34", 2067937567, 1, 7, 31], // "user-4"
  ["757365722d35", -345666322, 1, 6, 46], // "user-5"
  ["757365722d36", -936439275, 2, 3, 21], // "user-6"
  ["757365722d37", 696778364, 2, 4, 60], // "user-7"
  ["757365722d38", -1644747527, 0, 1, 57], // "user-8"
  ["757365722d39", -1013299269, 2, 9, 59], // "user-9"
  ["757365722d3130", -1766607138, 2, 0, 30], // "user-10"
  ["757365722d3131", -1064211118, 1, 0, 18], // "user-11"
  ["d0bad0bbd18ed187", 2122343024, 2, 4, 48], // "ключ"
  ["e382ade383bc", -443984012, 0, 6, 52], // "キー"
  ["f09f9491", 2080712807, 2, 7, 39], // "🔑"
  ["6f726465723a323032342d30312d30313a3432", 887280766, 1, 6, 62], // "order:2024-01-01:42"
  ["f78afe0de1bbe7ae28c0450ce43c", -1099013981, 0, 7, 35], // java.util.Random(42) #0
  ["839dee466d852c", 1702911219, 0, 9, 51], // java.util.Random(42) #1
  ["9a0c6117bd6743e7dc978573998e685e885cb361f86c974620bebfb011", -1565475359, 0, 9, 33], // java.util.Random(42) #2
  [
    "0f406cc8e3a188fff11059eb6fbce62655dfbd6f83b89670d6d9f9bf52d83deedc0bf66205835c",
    -468804252,
    2,
    6,
    36,
  ], // java.util.Random(42) #3
  [
    "8c478a26f450279849599b56dd53b3351a572b40f27f72d37f347b5d9979162cfa959d2832a46196",
    178858693,
    1,
    3,
    5,
  ], // java.util.Random(42) #4
  ["97e953c0026cc4a4", -300229039, 1, 9, 17], // java.util.Random(42) #5
  ["829e8d14ee827c94edc93517ef7da4c0ce2972cc9b060b08b6460851f3a3a05b", -108854783, 0, 5, 1], // java.util.Random(42) #6
  ["ed235bd1283ed5021192ed6a754300", -2084329056, 2, 2, 32], // java.util.Random(42) #7
  ["b6c4a514cacaa1b6a736738853", -54790068, 2, 0, 12], // java.util.Random(42) #8
  ["0100", 1013532917, 2, 7, 53], // java.util.Random(42) #9
  ["8c082af3d5d78b98bcc00bd26fae51303f23fba277b4e0602cbf7e5e9ba8ec22", -1070213372, 0, 6, 4], // java.util.Random(42) #10
  ["bb3cb06feaf2456f0a5717a6b5bb127579092bb2831b0279bb5070f331dc", -890885579, 0, 9, 53], // java.util.Random(42) #11
  ["3667cbd3ed4091091e01aa26a3d1750dfb4178d5d1a3e2c95da3d675", 1250448036, 0, 6, 36], // java.util.Random(42) #12
  ["c790d347801aa2a1c6b52a", -1564921858, 1, 0, 62], // java.util.Random(42) #13
  ["0edde42d2e8a65f64ba69ddd914f387b8934917ca07a548c5dcdc46ba917160239c103a2", 1223911047, 0, 7, 7], // java.util.Random(42) #14
  ["8eef29b32fa68ba1aa5db9501dfbfb1177b5", 1963239841, 1, 1, 33], // java.util.Random(42) #15
  [
    "7ca9fa5e105f6c4adb3d2fdfc7b360271f6244ce3d236f400c2ec09dc6814b62dd03d65fbe",
    -817393273,
    1,
    5,
    7,
  ], // java.util.Random(42) #16
  [
    "786e90251df79ae83722a44af8b13632383ec12be5cd22cf0719e948223cc0a0b454e2c7a0",
    950394466,
    1,
    6,
    34,
  ], // java.util.Random(42) #17
  ["7c6f3a4e7854b9ff2181378ac08dc8cbbba296a2c5a3adb1e7", 598588056, 0, 6, 24], // java.util.Random(42) #18
  [
    "bbd0507fa7ea6bcaa20ffe06f6b4a9aba00c570946defa77f530dd7b4ae498753e94b1a77bed00",
    127108843,
    1,
    3,
    43,
  ], // java.util.Random(42) #19
  ["66bd", 1813865516, 2, 6, 44], // java.util.Random(42) #20
  [
    "a6a2df2212db756276353fd171756fa5bece42fa4c3c3dc50333b9b318fddfe4a9d10e6549",
    1193573330,
    2,
    0,
    18,
  ], // java.util.Random(42) #21
  ["2365ddf9cd937a9dacd9bb13", 1220319712, 1, 2, 32], // java.util.Random(42) #22
  ["6a4f6ec6e604d75de8", 488508427, 1, 7, 11], // java.util.Random(42) #23
  ["0a5232e619344f2ebdb9b35f93e6a6eb", 1966985702, 2, 2, 38], // java.util.Random(42) #24
  ["4955094702341355bc3251cd3d81ad50aa47c2cba5245771efa41820ed01b118", -1774671731, 0, 7, 13], // java.util.Random(42) #25
  ["f05dc2bee32fcee2b876bd2b9705a4e90d162ece4ac6414a3540c923d50450f0cc", 1442970599, 2, 9, 39], // java.util.Random(42) #26
  [
    "db6deb068f9218a9a2a95f8c1c1e0041a3253e48f96cac67f4c5adf728f93cfceb618de753",
    -307961784,
    2,
    4,
    8,
  ], // java.util.Random(42) #27
  ["0f", 712294742, 2, 2, 22], // java.util.Random(42) #28
  ["39c14a", -881336383, 1, 5, 1], // java.util.Random(42) #29
  ["3a315f0490a680853957974d1cc1ccd582be528f2ebe5d95a628ad6cfee430b027", 434193136, 1, 6, 48], // java.util.Random(42) #30
  ["ab9ef7", 1437268711, 1, 1, 39], // java.util.Random(42) #31
  ["06f5884f8280a896a2807f13700b28e50bbb7fe32cad60a0a6a13aa9cbd3f061", -1368529061, 0, 7, 27], // java.util.Random(42) #32
  ["", 275646681, 0, 1, 25], // java.util.Random(42) #33
  [
    "6653309755566dd5f69b9625e70c9c423cb2f101f31c55f69431ffa3e5edc4657d1e42d4de2bd392",
    10543099,
    1,
    9,
    59,
  ], // java.util.Random(42) #34
  ["c01917421277bdf1aaea5dd246632de4843fc0a847e90e218319369d", 260101408, 1, 8, 32], // java.util.Random(42) #35
  [
    "d280fa7ce2692435ba56895c5e155933075decbc772bf8fe7ff8f8da577c18f89daaf956faa54a81",
    -2088296001,
    2,
    7,
    63,
  ], // java.util.Random(42) #36
  ["f082fe17d142e0b996033d825222318297", -661428193, 1, 5, 31], // java.util.Random(42) #37
  ["bc0665c59d414760487779a8690be2dc7ebdf0203db574b2fe0ceb665454fe", -178515784, 1, 4, 56], // java.util.Random(42) #38
  ["17cad0cc65a00b85f70fb7b9dfa8cb6ec9e8", 452293551, 0, 1, 47], // java.util.Random(42) #39
];

describe("murmur2()", () => {
  test("murmur2() gives the values of Java's UtilsTest.testMurmur2", () => {
    assert.equal(murmur2(encode("21")), -973932308);
    assert.equal(murmur2(encode("foobar")), -790332482);
    assert.equal(murmur2(encode("a-little-bit-long-string")), -985981536);
    assert.equal(murmur2(encode("a-little-bit-longer-string")), -1486304829);
    assert.equal(
      murmur2(encode("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")),
      -58897971,
    );
    assert.equal(murmur2(new Uint8Array([0x61, 0x62, 0x63])), 479470107);
  });

  test("murmur2() of the empty key is Java's", () => {
    assert.equal(murmur2(new Uint8Array(0)), 275646681);
  });

  test("murmur2() matches kafka-clients on keys of every length 0..16 and random keys", () => {
    for (const [hex, hash] of JAVA_GOLDEN) {
      assert.equal(murmur2(fromHex(hex)), hash, `key ${hex}`);
    }
  });

  test("murmur2() returns a signed 32-bit integer", () => {
    for (const [hex] of JAVA_GOLDEN) {
      const hash = murmur2(fromHex(hex));
      assert.equal(hash, hash | 0, `key ${hex}`);
    }
  });

  test("murmur2() hashes a subarray as its own bytes", () => {
    const backing = new Uint8Array([0xff, 0x66, 0x6f, 0x6f, 0x62, 0x61, 0x72, 0xff]);
    assert.equal(murmur2(backing.subarray(1, 7)), -790332482);
  });
});

describe("toPositive()", () => {
  test("toPositive() clears the sign bit as Java's Utils.toPositive", () => {
    assert.equal(toPositive(0), 0);
    assert.equal(toPositive(1), 1);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(2147483647), 2147483647);
    assert.equal(toPositive(-790332482), 1357151166);
  });
});

describe("partitionForKey()", () => {
  test("partitionForKey() matches kafka-clients' BuiltInPartitioner.partitionForKey", () => {
    for (const [hex, , p3, p10, p64] of JAVA_GOLDEN) {
      const key = fromHex(hex);
      assert.deepEqual(
        [partitionForKey(key, 3), partitionForKey(key, 10), partitionForKey(key, 64)],
        [p3, p10, p64],
        `key ${hex}`,
      );
    }
  });

  test("partitionForKey() with one partition is always 0", () => {
    for (const [hex] of JAVA_GOLDEN) assert.equal(partitionForKey(fromHex(hex), 1), 0);
  });

  test("partitionForKey() rejects a partition count that is not a positive integer", () => {
    for (const count of [0, -1, 1.5, NaN, Infinity]) {
      assert.throws(() => partitionForKey(encode("k"), count), {
        name: "RangeError",
        message:
          `Cannot choose a partition for a key as the partition count must be a positive integer: current value is ${count}`,
      });
    }
  });
});

test("murmur2Ascii() equals murmur2() of the UTF-8 bytes for ASCII keys, NaN otherwise", () => {
  const enc = new TextEncoder();
  for (let length = 0; length < 40; length++) {
    for (let seed = 0; seed < 20; seed++) {
      let key = "";
      for (let i = 0; i < length; i++) key += String.fromCharCode((seed * 31 + i * 17) % 128);
      assert.equal(murmur2Ascii(key), murmur2(enc.encode(key)), JSON.stringify(key));
    }
  }
  for (const key of ["é", "key-é", "abc\u0080", "日本語", "\ud800", "abcd\u00ff"]) {
    assert.ok(Number.isNaN(murmur2Ascii(key)), key);
  }
});

test("KeyScratch.partition() puts string and byte keys where partitionForKey does", () => {
  const enc = new TextEncoder();
  const scratch = new KeyScratch();
  for (const key of ["", "a", "key-00000042", "user-€", "日本語キー", "x".repeat(300)]) {
    for (const count of [1, 6, 7, 100]) {
      const expected = partitionForKey(enc.encode(key), count);
      assert.equal(scratch.partition(key, count), expected, key);
      assert.equal(scratch.partition(enc.encode(key), count), expected, key);
    }
  }
});
