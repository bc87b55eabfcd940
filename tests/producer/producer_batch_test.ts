import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CompletionRuns,
  type ProducerBatch,
  type RecordCompletion,
} from "../../src/producer/producer_batch.ts";

/** A completion that logs what it was told. */
function logging(name: string, log: string[]): RecordCompletion {
  return {
    timestamp: 0,
    resolve: (_batch, index, baseOffset) => log.push(`${name} ok ${index} @${baseOffset}`),
    reject: (error) => log.push(`${name} fail ${(error as Error).message}`),
  };
}

const batch = {} as ProducerBatch;

describe("CompletionRuns", () => {
  test("consecutive records of one completion take one run, resolved per record", () => {
    const log: string[] = [];
    const a = logging("a", log);
    const b = logging("b", log);
    const runs = new CompletionRuns();
    for (const c of [a, a, a, b, a]) runs.push(c);
    assert.equal(runs.count, 5);
    runs.resolve(batch, 10n, -1);
    assert.deepEqual(log, ["a ok 0 @10", "a ok 1 @10", "a ok 2 @10", "b ok 3 @10", "a ok 4 @10"]);
  });

  test("reject() rejects every record once", () => {
    const log: string[] = [];
    const runs = new CompletionRuns();
    const a = logging("a", log);
    runs.push(a);
    runs.push(a);
    runs.push(logging("b", log));
    runs.reject(new Error("gone"));
    assert.deepEqual(log, ["a fail gone", "a fail gone", "b fail gone"]);
  });

  test("slice() keeps the records of a range, renumbered from 0", () => {
    const log: string[] = [];
    const a = logging("a", log);
    const b = logging("b", log);
    const runs = new CompletionRuns();
    for (const c of [a, a, b, b, b, a]) runs.push(c);
    for (const [from, to] of [[0, 6], [1, 4], [2, 5], [5, 6], [3, 3]] as const) {
      log.length = 0;
      const part = runs.slice(from, to);
      assert.equal(part.count, to - from);
      part.resolve(batch, 100n, -1);
      const expected = [a, a, b, b, b, a].slice(from, to).map((c, i) =>
        `${c === a ? "a" : "b"} ok ${i} @100`
      );
      assert.deepEqual(log, expected, `slice(${from}, ${to})`);
    }
  });
});
