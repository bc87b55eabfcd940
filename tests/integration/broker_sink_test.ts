/**
 * The package's kafkaSink against the test broker, in the runtime running the test
 * (Deno or Bun: the broker and the sink both), read back by librdkafka (kcat -C -e,
 * CRC checks on): 40,000 records of mixed shapes (string, binary, null and empty keys
 * and values, explicit partitions, headers, timestamps, large values) come back
 * exactly, every one once, keyed ones on Java's murmur2 partition, in write order
 * per partition; then the same through each compression codec.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  kafkaSink,
  partitionForKey,
  type ProducerOptions,
  type ProducerRecord,
} from "../../mod.ts";
import { startTestBroker } from "../../src/testing.ts";
import { kcatMissing, kcatReadBack, skipLoudly } from "./broker_tools.ts";

const enc = new TextEncoder();
const PARTITIONS = 6;
const TIMESTAMP = Date.UTC(2026, 0, 2, 3, 4, 5);

interface Expected {
  key: Uint8Array | null;
  value: Uint8Array | null;
  partition?: number;
  headers: [string, Uint8Array | null][];
  timestamp?: number;
}

function bytes(i: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, j) => (i * 31 + j * 7) & 0xff);
}

/** Record i, and what should be stored for it; every record is told apart by its key or value. */
function shape(
  i: number,
): {
  record: ProducerRecord<Uint8Array | string | null, Uint8Array | string | null>;
  expected: Expected;
} {
  const id = `#${i}`;
  const e = (
    key: Uint8Array | null,
    value: Uint8Array | null,
    more: Partial<Expected> = {},
  ): Expected => ({
    key,
    value,
    headers: [],
    ...more,
  });
  switch (i % 10) {
    case 0: // null key: the sticky partitioner's choice
      return {
        record: { key: null, value: `no key ${id}` },
        expected: e(null, enc.encode(`no key ${id}`)),
      };
    case 1: { // binary key and value, every byte value
      const key = new Uint8Array([...bytes(i, 1 + (i % 32)), ...enc.encode(id)]);
      const value = bytes(i + 1, 256);
      return { record: { key, value }, expected: e(key, value) };
    }
    case 2: // an explicit partition
      return {
        record: { key: `pinned ${id}`, value: "pinned", partition: i % PARTITIONS },
        expected: e(enc.encode(`pinned ${id}`), enc.encode("pinned"), {
          partition: i % PARTITIONS,
        }),
      };
    case 3: // a tombstone
      return {
        record: { key: `tombstone ${id}`, value: null },
        expected: e(enc.encode(`tombstone ${id}`), null),
      };
    case 4: // empty key, or empty value
      return i % 20 === 4
        ? {
          record: { key: "", value: `empty key ${id}` },
          expected: e(new Uint8Array(), enc.encode(`empty key ${id}`)),
        }
        : {
          record: { key: `empty value ${id}`, value: "" },
          expected: e(enc.encode(`empty value ${id}`), new Uint8Array()),
        };
    case 5: { // larger values; now and then a large one
      const value = "v".repeat(i % 1000 === 5 ? 200_000 : 2_000) + id;
      return {
        record: { key: `big ${i % 7}`, value },
        expected: e(enc.encode(`big ${i % 7}`), enc.encode(value)),
      };
    }
    case 6: { // headers, a repeated key and a null value among them
      const headers: [string, Uint8Array | null][] = [["trace", enc.encode(id)], ["trace", null], [
        "bin",
        bytes(i, 9),
      ]];
      return {
        record: { key: `headers ${i % 13}`, value: `headers ${id}`, headers },
        expected: e(enc.encode(`headers ${i % 13}`), enc.encode(`headers ${id}`), { headers }),
      };
    }
    case 7: // UTF-8 beyond ASCII
      return {
        record: { key: `ключ ${i % 11} 🔑`, value: `значение ${id} ✓` },
        expected: e(enc.encode(`ключ ${i % 11} 🔑`), enc.encode(`значение ${id} ✓`)),
      };
    case 8: // a timestamp given as a Date
      return {
        record: { key: `dated ${i % 5}`, value: `dated ${id}`, timestamp: new Date(TIMESTAMP + i) },
        expected: e(enc.encode(`dated ${i % 5}`), enc.encode(`dated ${id}`), {
          timestamp: TIMESTAMP + i,
        }),
      };
    default:
      return {
        record: { key: `key-${i % 1000}`, value: `value ${id}` },
        expected: e(enc.encode(`key-${i % 1000}`), enc.encode(`value ${id}`)),
      };
  }
}

function identity(key: Uint8Array | null, value: Uint8Array | null): string {
  const k = key === null ? "-" : Array.from(key).join(",");
  const v = value === null
    ? "-"
    : value.length > 64
    ? `${value.length}:${Array.from(value.subarray(-12)).join(",")}`
    : Array.from(value).join(",");
  return `${k}|${v}`;
}

async function produceAndCheck(count: number, options: Partial<ProducerOptions>): Promise<void> {
  await using broker = await startTestBroker({ brokers: 3, topics: { mixed: PARTITIONS } });
  const shapes = Array.from({ length: count }, (_, i) => shape(i));
  let next = 0;
  await new ReadableStream<ProducerRecord<Uint8Array | string | null, Uint8Array | string | null>>({
    pull(controller) {
      for (let n = 0; n < 1000 && next < count; n++) controller.enqueue(shapes[next++]!.record);
      if (next >= count) controller.close();
    },
  }).pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "mixed", ...options }));

  const index = new Map<string, number>();
  for (const [i, s] of shapes.entries()) {
    const id = identity(s.expected.key, s.expected.value);
    assert.ok(!index.has(id), `shape ${i} is told apart`);
    index.set(id, i);
  }
  const seen = new Uint8Array(count);
  const back = await kcatReadBack(broker.bootstrap, "mixed");
  for (const [partition, records] of back) {
    let last = -1;
    for (const r of records) {
      const i = index.get(identity(r.key, r.value));
      assert.ok(
        i !== undefined,
        `partition ${partition} offset ${r.offset}: a record that was not written`,
      );
      assert.equal(seen[i], 0, `record ${i} stored twice`);
      seen[i] = 1;
      assert.ok(
        i > last || shapes[i]!.record.key === null,
        `partition ${partition}: ${i} after ${last}`,
      );
      last = Math.max(last, i);
      const expected = shapes[i]!.expected;
      if (expected.partition !== undefined) {
        assert.equal(partition, expected.partition, `record ${i}`);
      } else if (expected.key !== null) {
        assert.equal(partition, partitionForKey(expected.key, PARTITIONS), `record ${i}`);
      }
      if (expected.timestamp !== undefined) {
        assert.equal(r.timestamp, expected.timestamp, `record ${i}`);
      }
    }
  }
  assert.equal(seen.reduce((a, b) => a + b, 0), count, "every record once");
  // Headers, which kcat does not print byte-safe, from what the broker stored.
  const stored = broker.records("mixed");
  assert.equal(stored.length, count);
  for (const r of stored) {
    const i = index.get(identity(r.key, r.value))!;
    assert.deepEqual(
      r.headers.map((h) => [h.key, h.value]),
      shapes[i]!.expected.headers,
      `headers of ${i}`,
    );
  }
}

describe("kafkaSink into the test broker, read back by librdkafka", () => {
  test(
    "40,000 records of mixed shapes come back exactly, once each, on Java's partitions, in order",
    {
      timeout: 300_000,
    },
    async (t) => {
      const missing = await kcatMissing();
      if (missing !== null) return skipLoudly(t, "kcat", missing);
      await produceAndCheck(40_000, {});
    },
  );

  for (const compression of ["gzip", "snappy", "lz4", "zstd"] as const) {
    test(
      `the same shapes through ${compression} come back exactly`,
      { timeout: 300_000 },
      async (t) => {
        const missing = await kcatMissing();
        if (missing !== null) return skipLoudly(t, "kcat", missing);
        await produceAndCheck(4_000, { compression });
      },
    );
  }
});
