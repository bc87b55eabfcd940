import { test } from "node:test";
import assert from "node:assert/strict";
import { SAMPLE_WINDOW_MS, SampledStat } from "../../src/producer/sampled_stat.ts";

test("SampledStat averages and maxes what its two 30 s samples hold, as Java's Avg and Max", () => {
  const stat = new SampledStat(0);
  assert.equal(stat.avg(0), 0, "nothing measured");
  assert.equal(stat.max(0), 0, "nothing measured");
  stat.record(10, 1_000);
  stat.record(30, 2_000);
  assert.equal(stat.avg(2_000), 20);
  assert.equal(stat.max(2_000), 30);
  // A value past the first window starts the second sample; both count.
  stat.record(50, SAMPLE_WINDOW_MS + 5);
  assert.equal(stat.avg(SAMPLE_WINDOW_MS + 5), 30);
  assert.equal(stat.max(SAMPLE_WINDOW_MS + 5), 50);
  // Two windows after the first sample started, it counts no more.
  assert.equal(stat.avg(2 * SAMPLE_WINDOW_MS), 50);
  assert.equal(stat.max(2 * SAMPLE_WINDOW_MS), 50);
  // The third window reuses the first sample: its old values are gone.
  stat.record(5, 2 * SAMPLE_WINDOW_MS + 10);
  assert.equal(stat.avg(2 * SAMPLE_WINDOW_MS + 10), 27.5);
  assert.equal(stat.avg(10 * SAMPLE_WINDOW_MS), 0, "everything is older than the window");
});

test("SampledStat weighs a sum of several events by their count", () => {
  const stat = new SampledStat(0);
  stat.record(300, 10, 3); // three records of 100 bytes
  stat.record(50, 20);
  assert.equal(stat.avg(20), 87.5);
  assert.equal(stat.max(20), 100);
});

test("SampledStat.rate() divides by at least one window, then by the time since the oldest sample", () => {
  const stat = new SampledStat(0);
  stat.record(600, 1_000);
  // Java's Rate: 1 s elapsed, but never less than (samples - 1) windows: 600 / 31 s.
  assert.equal(stat.rate(1_000), 600 / ((1_000 + SAMPLE_WINDOW_MS) / 1000));
  stat.record(900, 40_000);
  // 1500 over the 40 s since the first sample started.
  assert.equal(stat.rate(40_000), 1500 / 40);
});
