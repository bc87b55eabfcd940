/**
 * A windowed statistic as the Java client's metrics keep it (`SampledStat` with
 * `metrics.sample.window.ms` 30 s and `metrics.num.samples` 2): values go into the
 * current sample; a sample older than the window is started afresh; what is measured
 * covers the samples younger than two windows. So an average or a maximum says how
 * the producer does now, not since it started, and a rate is per second over the
 * last 30 to 60 s.
 *
 * @module
 */

/** Java's `metrics.sample.window.ms` default. */
export const SAMPLE_WINDOW_MS = 30_000;
/** Java's `metrics.num.samples` default. */
export const SAMPLES = 2;

interface Sample {
  /** When the sample started (ms). */
  startMs: number;
  /** Events recorded into it. */
  count: number;
  /** Their values added up. */
  sum: number;
  /** The largest value, or -Infinity when it has none. */
  max: number;
}

/**
 * The count, sum and maximum of values recorded over the last two 30-second samples:
 * their average, maximum and rate per second, as Java's `Avg`, `Max` and `Rate`.
 *
 * @example Request latencies, averaged and maxed over the window
 * ```ts
 * import { SampledStat } from "./sampled_stat.ts";
 *
 * const latency = new SampledStat(0);
 * latency.record(12, 1000);
 * latency.record(30, 2000);
 * console.log(latency.avg(2000), latency.max(2000)); // 21 30
 * console.log(latency.avg(120_000)); // 0: both samples are older than 60 s
 * ```
 */
export class SampledStat {
  readonly #samples: Sample[];
  #current = 0;

  /**
   * @param nowMs When measuring starts (ms).
   */
  constructor(nowMs: number) {
    this.#samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      this.#samples.push({ startMs: nowMs, count: 0, sum: 0, max: -Infinity });
    }
  }

  /**
   * Records `count` events adding up to `value` (one event of `value` by default); the
   * maximum takes `value / count`.
   *
   * @param value The value (or the sum of `count` values).
   * @param nowMs The time (ms).
   * @param count How many events `value` adds up.
   */
  record(value: number, nowMs: number, count = 1): void {
    let sample = this.#samples[this.#current]!;
    if (nowMs - sample.startMs >= SAMPLE_WINDOW_MS) {
      this.#current = (this.#current + 1) % SAMPLES;
      sample = this.#samples[this.#current]!;
      reset(sample, nowMs);
    }
    sample.count += count;
    sample.sum += value;
    const each = count === 1 ? value : value / count;
    if (each > sample.max) sample.max = each;
  }

  /**
   * The average of the values in the window, 0 when there is none (Java: NaN).
   *
   * @param nowMs The time (ms).
   * @returns The average.
   */
  avg(nowMs: number): number {
    this.#purge(nowMs);
    let count = 0;
    let sum = 0;
    for (const s of this.#samples) {
      count += s.count;
      sum += s.sum;
    }
    return count === 0 ? 0 : sum / count;
  }

  /**
   * The largest value in the window, 0 when there is none (Java: NaN).
   *
   * @param nowMs The time (ms).
   * @returns The maximum.
   */
  max(nowMs: number): number {
    this.#purge(nowMs);
    let max = -Infinity;
    for (const s of this.#samples) if (s.max > max) max = s.max;
    return max === -Infinity ? 0 : max;
  }

  /**
   * The values' sum per second over the window, as Java's `Rate`: over the time since
   * the oldest sample started, and at least one window less than the whole.
   *
   * @param nowMs The time (ms).
   * @returns The rate per second.
   */
  rate(nowMs: number): number {
    this.#purge(nowMs);
    let sum = 0;
    let oldest = nowMs;
    for (const s of this.#samples) {
      sum += s.sum;
      if (s.startMs < oldest) oldest = s.startMs;
    }
    let elapsedMs = nowMs - oldest;
    const fullWindows = Math.floor(elapsedMs / SAMPLE_WINDOW_MS);
    if (fullWindows < SAMPLES - 1) elapsedMs += (SAMPLES - 1 - fullWindows) * SAMPLE_WINDOW_MS;
    return sum / (elapsedMs / 1000);
  }

  /** Samples older than the whole window count no more (Java's `purgeObsoleteSamples`). */
  #purge(nowMs: number): void {
    for (const s of this.#samples) {
      if (nowMs - s.startMs >= SAMPLES * SAMPLE_WINDOW_MS) reset(s, nowMs);
    }
  }
}

function reset(sample: Sample, nowMs: number): void {
  sample.startMs = nowMs;
  sample.count = 0;
  sample.sum = 0;
  sample.max = -Infinity;
}
