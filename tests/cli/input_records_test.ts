import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ProducerRecord } from "../../mod.ts";
import { InputError, type InputOptions, inputRecords } from "../../src/cli/input_records.ts";
import { jsonRecord } from "../../src/cli/json_record.ts";
import { LineSplitter } from "../../src/cli/line_splitter.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (b: unknown): unknown => b instanceof Uint8Array ? decoder.decode(b) : b;

/** Cuts bytes into chunks at seeded pseudo-random points (some of length 0 or 1). */
function cut(bytes: Uint8Array, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = seed;
  for (let at = 0; at < bytes.length;) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const n = s % 7;
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

async function* chunks(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

async function collect(
  parts: readonly Uint8Array[],
  options: Omit<InputOptions, "name">,
): Promise<{ records: ProducerRecord[]; error: unknown }> {
  const input = inputRecords(chunks(parts), { name: "stdin", ...options });
  const records: ProducerRecord[] = [];
  try {
    for await (const r of input.readable) records.push(r);
  } catch (error) {
    return { records, error };
  }
  assert.equal(input.records, records.length);
  return { records, error: undefined };
}

describe("LineSplitter", () => {
  test("LineSplitter gives the same lines however the input is cut", () => {
    const input = encoder.encode("a\nbb\r\n\nccc:d\né€𝄞\r\nlast");
    const expected = ["1:a", "2:bb", "3:", "4:ccc:d", "5:é€𝄞", "6:last"];
    for (let seed = 1; seed < 50; seed++) {
      const lines: string[] = [];
      const splitter = new LineSplitter();
      const on = (bytes: Uint8Array, start: number, end: number, n: number): boolean =>
        lines.push(`${n}:${decoder.decode(bytes.subarray(start, end))}`) > 0;
      for (const c of cut(input, seed)) splitter.push(c, on);
      splitter.end(on);
      assert.deepEqual(lines, expected, `seed ${seed}`);
    }
  });

  test("LineSplitter stops where the handler says, and a trailing newline ends no extra line", () => {
    const splitter = new LineSplitter();
    const seen: number[] = [];
    assert.equal(
      splitter.push(encoder.encode("a\nb\nc\n"), (_b, _s, _e, n) => seen.push(n) < 2),
      false,
    );
    assert.deepEqual(seen, [1, 2]);
    const whole = new LineSplitter();
    let count = 0;
    whole.push(encoder.encode("x\n"), () => ++count > 0);
    assert.equal(whole.end(() => ++count > 0), true);
    assert.equal(count, 1);
  });
});

describe("inputRecords()", () => {
  test("inputRecords() in lines format: values, keys at the first delimiter, empty lines", async () => {
    const bytes = encoder.encode("k1::v1\nplain\n\n::x\nk2::v::2\n");
    for (const seed of [1, 2, 3, 4, 5]) {
      const { records } = await collect(cut(bytes, seed), { format: "lines", keyDelimiter: "::" });
      assert.deepEqual(records.map((r) => [text(r.key), text(r.value)]), [
        ["k1", "v1"],
        [null, "plain"],
        ["", "x"],
        ["k2", "v::2"],
      ]);
    }
    const kept = await collect([bytes], { format: "lines", keepEmpty: true, partition: 3 });
    assert.deepEqual(kept.records.map((r) => text(r.value)), [
      "k1::v1",
      "plain",
      "",
      "::x",
      "k2::v::2",
    ]);
    assert.ok(kept.records.every((r) => r.partition === 3 && r.key === null));
  });

  test("inputRecords() keeps non-UTF-8 bytes of lines exactly", async () => {
    const bytes = new Uint8Array([0xff, 0x3a, 0x00, 0xfe, 0x0a, 0xc3]);
    const { records } = await collect([bytes], { format: "lines", keyDelimiter: ":" });
    assert.equal(records.length, 2);
    assert.deepEqual(records[0], {
      key: new Uint8Array([0xff]),
      value: new Uint8Array([0x00, 0xfe]),
    });
    assert.deepEqual(records[1], { key: null, value: new Uint8Array([0xc3]) });
  });

  test("inputRecords() in json format: every field, and --partition only for records without one", async () => {
    const lines = [
      '{"key":"a","value":"x"}',
      "",
      '{"key":{"base64":"AP8="},"value":null,"partition":1,"timestamp":1700000000000}',
      '{"value":"h","headers":{"s":"v","b":{"base64":"AQ=="},"n":null},"timestamp":"2024-01-02T03:04:05Z"}',
      '{"value":"p","headers":[["r","1"],["r","2"]]}',
    ];
    const { records, error } = await collect([encoder.encode(lines.join("\r\n"))], {
      format: "json",
      partition: 4,
    });
    assert.equal(error, undefined);
    assert.deepEqual(records, [
      { key: "a", value: "x", partition: 4 },
      { key: new Uint8Array([0, 255]), value: null, partition: 1, timestamp: 1700000000000 },
      {
        value: "h",
        headers: { s: "v", b: new Uint8Array([1]), n: null },
        timestamp: Date.UTC(2024, 0, 2, 3, 4, 5),
        partition: 4,
      },
      { value: "p", headers: [["r", "1"], ["r", "2"]], partition: 4 },
    ]);
  });

  test("inputRecords() ends at a bad line with an error naming it, after every record before it", async () => {
    const good = Array.from(
      { length: 2500 },
      (_, i) => JSON.stringify({ key: `k${i}`, value: `v${i}` }),
    );
    const bytes = encoder.encode([...good, '{"key":"k", value:1}', ...good].join("\n"));
    // Whole (the bad line in the chunk of the lines before it) and cut small.
    for (const parts of [[bytes], cut(bytes, 7), cut(bytes, 8)]) {
      const { records, error } = await collect(parts, { format: "json" });
      assert.ok(error instanceof InputError, String(error));
      assert.equal(error.line, 2501);
      assert.equal(error.recordsBefore, 2500);
      assert.match(error.message, /^Cannot read line 2501 of stdin as it is not JSON: /);
      assert.equal(records.length, 2500, "every record before the bad line is handed out");
      assert.deepEqual(records.at(-1), { key: "k2499", value: "v2499" });
    }
  });

  test("inputRecords() names what is wrong with a JSON record", async () => {
    const cases: [string, RegExp][] = [
      ["[1]", /line 1 of stdin as it is not a JSON object: current value is \[1\]/],
      ['{"value":"x","partiton":1}', /unknown field "partiton"/],
      ['{"key":"k"}', /it has no value \(null for a tombstone\)/],
      [
        '{"value":42}',
        /its value must be a string, null or \{ "base64": "\.\.\." \}: current value is 42/,
      ],
      ['{"value":{"base64":"!!"}}', /its value\.base64 is not base64/],
      ['{"value":"x","partition":-1}', /its partition must be an integer of at least 0/],
      ['{"value":"x","timestamp":"yesterday"}', /its timestamp must be/],
      ['{"value":"x","headers":[["a"]]}', /its headers\[0\] must be a \[name, value\] pair/],
      ['{"value":"x","headers":{"a":1}}', /its headers\.a must be/],
    ];
    for (const [line, message] of cases) {
      const { error } = await collect([encoder.encode(line)], { format: "json" });
      assert.ok(error instanceof InputError, line);
      assert.match(error.message, message, line);
    }
    const { error } = await collect([new Uint8Array([0x7b, 0xff, 0x7d, 0x0a])], { format: "json" });
    assert.match((error as Error).message, /line 1 of stdin as it is not UTF-8/);
  });

  test("jsonRecord() leaves absent fields absent", () => {
    assert.deepEqual(jsonRecord('{"value":"v"}'), { value: "v" });
    assert.deepEqual(jsonRecord('{"key":null,"value":""}'), { key: null, value: "" });
  });

  test("inputRecords() reads the input only as records are taken", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield encoder.encode("a\nb\n");
      }
    }
    const input = inputRecords(endless(), { format: "lines", name: "stdin" });
    const reader = input.readable.getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    assert.ok(pulled <= 4, `pulled ${pulled} chunks for 5 records`);
    await reader.cancel();
  });
});
