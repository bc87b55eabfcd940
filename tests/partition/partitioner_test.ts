import { describe, test } from "node:test";
import { KafkaPartitionerError } from "../../src/errors.ts";
import assert from "node:assert/strict";
import {
  checkExplicitPartition,
  createPartitioner,
  type Partitioner,
  type PartitionerRecord,
} from "../../src/partition/partitioner.ts";

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const record = { key: null, value: "v" };

/** A `random` that returns the given values in turn, then fails the test. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error("random() called more often than expected");
    return values[i++]!;
  };
}

/** Picks for an unkeyed record. */
function pickNull(p: Partitioner, count: number, topic = "t"): number {
  return p.partition(topic, null, record, count);
}

describe("createPartitioner()", () => {
  test("createPartitioner() rejects an unknown strategy", () => {
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => createPartitioner("random" as any, { batchBytes: 100 }),
      {
        name: "TypeError",
        message:
          'Cannot create partitioner as partitioner must be "default", "murmur2", "sticky", "round-robin" or a function: current value is "random"',
      },
    );
    // deno-lint-ignore no-explicit-any
    assert.throws(() => createPartitioner(42 as any, { batchBytes: 100 }), TypeError);
  });

  test("createPartitioner() rejects a batchBytes that is not a positive integer", () => {
    for (const batchBytes of [0, -1, 1.5, NaN]) {
      assert.throws(() => createPartitioner("default", { batchBytes }), {
        name: "RangeError",
        message:
          `Cannot create partitioner as batchBytes must be a positive integer: current value is ${batchBytes}`,
      });
    }
  });

  test("createPartitioner() rejects a random that is not a function", () => {
    assert.throws(
      // deno-lint-ignore no-explicit-any
      () => createPartitioner("default", { batchBytes: 100, random: 0.5 as any }),
      {
        name: "TypeError",
        message: "Cannot create partitioner as random must be a function: current value is 0.5",
      },
    );
  });

  test("createPartitioner() uses Math.random when no random is given", () => {
    const p = createPartitioner(undefined, { batchBytes: 100 });
    const partition = pickNull(p, 10);
    assert.ok(Number.isInteger(partition) && partition >= 0 && partition < 10);
  });

  test("createPartitioner() returns partitioners with their own state", () => {
    const a = createPartitioner("round-robin", { batchBytes: 100 });
    const b = createPartitioner("round-robin", { batchBytes: 100 });
    assert.equal(pickNull(a, 3), 0);
    assert.equal(pickNull(a, 3), 1);
    assert.equal(pickNull(b, 3), 0);
  });

  test("every partitioner rejects a partition count that is not a positive integer", () => {
    for (const option of ["default", "sticky", "round-robin", () => 0] as const) {
      const p = createPartitioner(option, { batchBytes: 100, random: () => 0 });
      for (const count of [0, -3, 2.5, NaN]) {
        assert.throws(() => p.partition("events", encode("k"), record, count), {
          name: "RangeError",
          message:
            `Cannot choose a partition for topic "events" as the partition count must be a positive integer: current value is ${count}`,
        });
      }
    }
  });
});

describe('createPartitioner("default")', () => {
  test("keyed records go where Java's BuiltInPartitioner.partitionForKey puts them", () => {
    for (const option of [undefined, "default", "murmur2"] as const) {
      const p = createPartitioner(option, { batchBytes: 100, random: sequence() });
      // Expected values printed by kafka-clients 4.3.1 (see murmur2_test.ts).
      assert.equal(p.partition("t", encode("user-0"), record, 3), 1);
      assert.equal(p.partition("t", encode("user-0"), record, 10), 3);
      assert.equal(p.partition("t", encode("user-0"), record, 64), 11);
      assert.equal(p.partition("t", encode("user-10"), record, 64), 30);
      assert.equal(p.partition("t", encode("foobar"), record, 6), 0);
    }
  });

  test("an empty key is a key: it is hashed, not made sticky", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence() });
    assert.equal(p.partition("t", new Uint8Array(0), record, 10), 1);
    assert.equal(p.partition("t", new Uint8Array(0), record, 64), 25);
  });

  test("keyed records do not consume randomness nor move the sticky partition", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0.5) });
    assert.equal(pickNull(p, 10), 5);
    for (let i = 0; i < 50; i++) p.partition("t", encode(`k${i}`), record, 10);
    assert.equal(pickNull(p, 10), 5);
  });

  test("unkeyed records stick to a random partition", () => {
    const p = createPartitioner("default", { batchBytes: 1000, random: sequence(0.35) });
    for (let i = 0; i < 20; i++) {
      assert.equal(pickNull(p, 10), 3);
      p.onAppend("t", 3, 10, i === 0);
    }
  });

  test("the sticky partition moves once batchBytes were appended and a batch opened", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0, 0.5) });
    assert.equal(pickNull(p, 5), 0);
    p.onAppend("t", 0, 60, true); // 60 bytes: below batchBytes
    assert.equal(pickNull(p, 5), 0);
    p.onAppend("t", 0, 60, false); // 120 bytes, but still in the same batch
    assert.equal(pickNull(p, 5), 0);
    p.onAppend("t", 0, 30, true); // 150 bytes and a new batch: switch
    // 0.5 over the 4 other partitions picks index 2 of [1, 2, 3, 4]
    assert.equal(pickNull(p, 5), 3);
  });

  test("the sticky partition moves at 2 * batchBytes even without a new batch", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0.9, 0.9) });
    assert.equal(pickNull(p, 4), 3);
    p.onAppend("t", 3, 199, false);
    assert.equal(pickNull(p, 4), 3);
    p.onAppend("t", 3, 1, false);
    assert.equal(pickNull(p, 4), 2); // 0.9 over [0, 1, 2]
  });

  test("bytes count afresh on the new sticky partition", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0, 0, 0) });
    assert.equal(pickNull(p, 3), 0);
    p.onAppend("t", 0, 150, true);
    assert.equal(pickNull(p, 3), 1);
    p.onAppend("t", 1, 50, true);
    assert.equal(pickNull(p, 3), 1);
    p.onAppend("t", 1, 50, true);
    assert.equal(pickNull(p, 3), 0);
  });

  test("a switch never draws the partition it leaves", () => {
    let state = 12345;
    const random = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const p = createPartitioner("default", { batchBytes: 10, random });
    const seen = new Set<number>();
    let previous = pickNull(p, 4);
    seen.add(previous);
    for (let i = 0; i < 200; i++) {
      p.onAppend("t", previous, 10, true);
      const next = pickNull(p, 4);
      assert.notEqual(next, previous);
      seen.add(next);
      previous = next;
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
  });

  test("with one partition the sticky partition is 0, switches included", () => {
    const p = createPartitioner("default", { batchBytes: 10, random: () => 0.99 });
    for (let i = 0; i < 5; i++) {
      assert.equal(pickNull(p, 1), 0);
      p.onAppend("t", 0, 100, true);
    }
  });

  test("appends to other partitions or topics do not count", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0.5) });
    assert.equal(pickNull(p, 4), 2);
    p.onAppend("t", 1, 1000, true);
    p.onAppend("other", 2, 1000, true);
    assert.equal(pickNull(p, 4), 2);
  });

  test("topics have sticky partitions of their own", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0.1, 0.7, 0) });
    assert.equal(pickNull(p, 10, "a"), 1);
    assert.equal(pickNull(p, 10, "b"), 7);
    p.onAppend("a", 1, 200, true);
    assert.equal(pickNull(p, 10, "a"), 0);
    assert.equal(pickNull(p, 10, "b"), 7);
  });

  test("a change of partition count draws a new sticky partition", () => {
    const p = createPartitioner("default", { batchBytes: 100, random: sequence(0.5, 0.5, 0.95) });
    assert.equal(pickNull(p, 4), 2);
    p.onAppend("t", 2, 90, false);
    assert.equal(pickNull(p, 8), 4); // redrawn over all 8
    p.onAppend("t", 4, 90, true); // bytes counted afresh: 90 < 100
    assert.equal(pickNull(p, 8), 4);
    assert.equal(pickNull(p, 2), 1); // shrunk
  });

  test("a random() outside [0, 1) is a RangeError", () => {
    for (const value of [1, -0.1, NaN]) {
      const p = createPartitioner("default", { batchBytes: 100, random: () => value });
      assert.throws(() => pickNull(p, 3, "events"), {
        name: "RangeError",
        message:
          `Cannot pick a sticky partition for topic "events" as random() must return a number in [0, 1): current value is ${value}`,
      });
    }
  });
});

describe('createPartitioner("sticky")', () => {
  test("keys are ignored: keyed and unkeyed records share the sticky partition", () => {
    const p = createPartitioner("sticky", { batchBytes: 100, random: sequence(0.25, 0) });
    assert.equal(p.partition("t", encode("user-0"), record, 8), 2);
    assert.equal(p.partition("t", encode("foobar"), record, 8), 2);
    assert.equal(pickNull(p, 8), 2);
    p.onAppend("t", 2, 100, true);
    assert.equal(p.partition("t", encode("user-0"), record, 8), 0);
  });
});

describe('createPartitioner("round-robin")', () => {
  test("records cycle through the partitions in order, starting at 0", () => {
    const p = createPartitioner("round-robin", { batchBytes: 100 });
    const got = Array.from({ length: 8 }, (_, i) => p.partition("t", encode(`k${i}`), record, 3));
    assert.deepEqual(got, [0, 1, 2, 0, 1, 2, 0, 1]);
  });

  test("keys and appends do not change the order", () => {
    const p = createPartitioner("round-robin", { batchBytes: 100 });
    const got: number[] = [];
    for (let i = 0; i < 6; i++) {
      const partition = p.partition("t", i % 2 ? null : encode("same"), record, 4);
      p.onAppend("t", partition, 1000, true);
      got.push(partition);
    }
    assert.deepEqual(got, [0, 1, 2, 3, 0, 1]);
  });

  test("each topic has its own counter", () => {
    const p = createPartitioner("round-robin", { batchBytes: 100 });
    assert.equal(pickNull(p, 3, "a"), 0);
    assert.equal(pickNull(p, 3, "a"), 1);
    assert.equal(pickNull(p, 5, "b"), 0);
    assert.equal(pickNull(p, 3, "a"), 2);
    assert.equal(pickNull(p, 5, "b"), 1);
  });

  test("a change of partition count keeps picks in range", () => {
    const p = createPartitioner("round-robin", { batchBytes: 100 });
    assert.deepEqual([pickNull(p, 6), pickNull(p, 6), pickNull(p, 6)], [0, 1, 2]);
    assert.deepEqual([pickNull(p, 2), pickNull(p, 2), pickNull(p, 2)], [1, 0, 1]);
  });

  test("every partition gets the same share", () => {
    const p = createPartitioner("round-robin", { batchBytes: 100 });
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 700; i++) counts[pickNull(p, 7)]!++;
    assert.deepEqual(counts, new Array<number>(7).fill(100));
  });
});

describe("createPartitioner(function)", () => {
  test("the function gets the record, the partition count and the topic", () => {
    const calls: [PartitionerRecord, number, string][] = [];
    const p = createPartitioner((r, count, topic) => {
      calls.push([r, count, topic]);
      return 4;
    }, { batchBytes: 100 });
    const keyBytes = encode("k");
    assert.equal(p.partition("events", keyBytes, { key: "k", value: { n: 1 } }, 6), 4);
    assert.equal(calls.length, 1);
    const [r, count, topic] = calls[0]!;
    assert.deepEqual(r, { topic: "events", key: "k", value: { n: 1 }, keyBytes });
    assert.equal(r.keyBytes, keyBytes);
    assert.equal(count, 6);
    assert.equal(topic, "events");
  });

  test("a result outside [0, partitionCount) is a RangeError", () => {
    for (const result of [6, -1, 1.5, NaN, Infinity]) {
      const p = createPartitioner(() => result, { batchBytes: 100 });
      assert.throws(() => p.partition("events", null, record, 6), {
        name: "RangeError",
        message:
          `Cannot partition record for topic "events" as the partitioner function must return an integer in [0, 6): current value is ${result}`,
      });
    }
  });

  test("a result that is not a number is a TypeError", () => {
    for (const [result, shown] of [["1", '"1"'], [undefined, "undefined"], [null, "null"]]) {
      // deno-lint-ignore no-explicit-any
      const p = createPartitioner((() => result) as any, { batchBytes: 100 });
      assert.throws(() => p.partition("events", null, record, 6), {
        name: "TypeError",
        message:
          `Cannot partition record for topic "events" as the partitioner function must return an integer in [0, 6): current value is ${shown}`,
      });
    }
  });

  test("an error thrown by the function propagates with the topic, as cause", () => {
    const boom = new Error("no partition for you");
    const p = createPartitioner(() => {
      throw boom;
    }, { batchBytes: 100 });
    assert.throws(() => p.partition("events", null, record, 6), (error: unknown) => {
      assert.ok(error instanceof KafkaPartitionerError);
      assert.equal(error.topic, "events");
      assert.equal(
        error.message,
        'Cannot partition record for topic "events" as the partitioner function threw: no partition for you',
      );
      assert.equal(error.cause, boom);
      return true;
    });
  });

  test("a thrown non-error is shown and kept as cause", () => {
    const p = createPartitioner(() => {
      throw "nope";
    }, { batchBytes: 100 });
    assert.throws(() => p.partition("events", null, record, 6), {
      name: "KafkaPartitionerError",
      message:
        'Cannot partition record for topic "events" as the partitioner function threw: "nope"',
      cause: "nope",
    });
  });

  test("onAppend() is accepted and ignored", () => {
    const p = createPartitioner(() => 1, { batchBytes: 100 });
    p.onAppend("events", 1, 1000, true);
    assert.equal(p.partition("events", null, record, 6), 1);
  });
});

describe("checkExplicitPartition()", () => {
  test("checkExplicitPartition() returns a partition in [0, count)", () => {
    assert.equal(checkExplicitPartition("events", 0, 6), 0);
    assert.equal(checkExplicitPartition("events", 5, 6), 5);
  });

  test("checkExplicitPartition() names topic, partition and count when out of range", () => {
    for (const partition of [6, 7, -1, 1.5, NaN]) {
      assert.throws(() => checkExplicitPartition("events", partition, 6), {
        name: "RangeError",
        message:
          `Cannot send record to topic "events" as its partition must be an integer in [0, 6): current value is ${partition}`,
      });
    }
  });

  test("checkExplicitPartition() rejects every partition of a topic with none", () => {
    assert.throws(() => checkExplicitPartition("empty", 0, 0), {
      name: "RangeError",
      message:
        'Cannot send record to topic "empty" as its partition must be an integer in [0, 0): current value is 0',
    });
  });
});
