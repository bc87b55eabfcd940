import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AckRate, type LineTimers, ProgressLine, progressText } from "../../src/cli/progress.ts";

describe("progress line", () => {
  test("progressText() shows acknowledged records and MB, rate, in flight and retries", () => {
    const s = {
      "record-send-total": 10,
      "record-retry-total": 1,
      "requests-in-flight": 1,
      "record-ack-total": 1234,
      "byte-ack-total": 2_500_000,
    };
    assert.equal(
      progressText(s, 999.6),
      "1,234 records (2.5 MB) acknowledged, 1,000 records/s, 1 request in flight, 1 retry",
    );
  });

  test("AckRate gives the rate over the last window, not since the start", () => {
    const rate = new AckRate(1000);
    rate.sample(0, 0);
    assert.equal(rate.sample(250, 0), 0);
    assert.equal(rate.sample(1000, 1000), 1000);
    rate.sample(1250, 6000);
    // The rate runs from the newest sample at least a window old (1000 at 1000 ms):
    // 5000 more in the last second, not 6000 in two.
    assert.equal(rate.sample(2000, 6000), 5000);
  });

  test("ProgressLine draws at once, redraws per tick, and erases itself on stop", () => {
    let tick: (() => void) | undefined;
    const timers: LineTimers = {
      setInterval: (fn) => {
        tick = fn;
        return 1;
      },
      clearInterval: () => tick = undefined,
    };
    const out: string[] = [];
    let n = 0;
    const line = new ProgressLine((t) => out.push(t), () => `n=${++n}`, 250, timers);
    line.start();
    line.start(); // no second timer
    tick!();
    tick!();
    line.stop();
    line.stop(); // erased once
    assert.deepEqual(out, ["\r\x1b[Kn=1", "\r\x1b[Kn=2", "\r\x1b[Kn=3", "\r\x1b[K"]);
    assert.equal(tick, undefined);
  });
});
