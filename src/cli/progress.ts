/**
 * The progress line: records and megabytes acknowledged, records/s, requests in
 * flight and retries, redrawn a few times a second on standard error and cleared at
 * the end.
 *
 * Its figures are the producer's own metrics (`producer.metrics()`, Java's names),
 * read through {@linkcode meteredSink}: the same numbers a dashboard would show.
 *
 * @module
 */

import { createProducer, type ProducerOptions, type ProducerRecord } from "../../mod.ts";
import { count, megabytes, perSecond } from "./format.ts";

/** The figures the progress line shows: a part of the producer's metrics snapshot. */
export interface ProgressSnapshot {
  /** Records sent, each once, when its batch was first sent (Java's `record-send-total`). */
  readonly "record-send-total": number;
  /** Records sent again after a retriable error (Java's `record-retry-total`). */
  readonly "record-retry-total": number;
  /** Produce requests sent and not answered (Java's `requests-in-flight`). */
  readonly "requests-in-flight": number;
  /** Records acknowledged by their partition's leader (no Java metric counts these). */
  readonly "record-ack-total": number;
  /** Bytes of the record batches acknowledged, as sent (compressed if compressed). */
  readonly "byte-ack-total": number;
}

/** A sink, and the figures of the producer behind it. */
export interface MeteredSink {
  /** The sink: `pipeTo` it. */
  readonly writable: WritableStream<ProducerRecord>;
  /**
   * The figures now.
   *
   * @returns The snapshot.
   */
  snapshot(): ProgressSnapshot;
  /**
   * Closes the producer once the pipe has ended (the sink flushes, it does not close).
   *
   * @returns Resolves when closed.
   */
  close(): Promise<void>;
}

/**
 * A `kafkaSink` whose progress can be read while records flow.
 *
 * @example A sink with figures
 * ```ts
 * import { meteredSink } from "./progress.ts";
 *
 * const sink = meteredSink({ bootstrap: "127.0.0.1:9092", topic: "events" });
 * console.log(sink.snapshot()["record-ack-total"]); // 0 (nothing written yet)
 * await sink.close();
 * ```
 *
 * @param options The producer's options.
 * @returns The sink and its figures.
 */
export function meteredSink(options: ProducerOptions): MeteredSink {
  const producer = createProducer(options);
  return {
    writable: producer.writable,
    snapshot: () => producer.metrics(),
    close: () => producer.close(),
  };
}

/**
 * The progress line's text.
 *
 * @example
 * ```ts
 * import { progressText } from "./progress.ts";
 *
 * const text = progressText({
 *   "record-send-total": 1_200_000,
 *   "record-retry-total": 0,
 *   "requests-in-flight": 3,
 *   "record-ack-total": 1_000_000,
 *   "byte-ack-total": 118_000_000,
 * }, 512_345);
 * console.log(text);
 * // 1,000,000 records (118.0 MB) acknowledged, 512,345 records/s, 3 requests in flight, 0 retries
 * ```
 *
 * @param s The figures.
 * @param recordsPerSecond The recent rate of acknowledgements.
 * @returns The line, without a newline.
 */
export function progressText(s: ProgressSnapshot, recordsPerSecond: number): string {
  const inFlight = s["requests-in-flight"];
  const retries = s["record-retry-total"];
  return `${count(s["record-ack-total"])} records (${
    megabytes(s["byte-ack-total"])
  }) acknowledged, ${count(recordsPerSecond)} records/s, ${inFlight} request${
    inFlight === 1 ? "" : "s"
  } in flight, ${count(retries)} retr${retries === 1 ? "y" : "ies"}`;
}

/**
 * The rate of acknowledgements over the last second or so, from snapshots taken as
 * the line is redrawn.
 */
export class AckRate {
  readonly #samples: { at: number; acked: number }[] = [];
  readonly #windowMs: number;

  /**
   * @param windowMs How far back the rate looks.
   */
  constructor(windowMs = 1000) {
    this.#windowMs = windowMs;
  }

  /**
   * Adds a sample and gives the rate since the oldest one in the window.
   *
   * @example
   * ```ts
   * import { AckRate } from "./progress.ts";
   *
   * const rate = new AckRate();
   * rate.sample(0, 0);
   * console.log(rate.sample(500, 1000)); // 2000
   * ```
   *
   * @param at The time (ms).
   * @param acked Records acknowledged by then.
   * @returns Records per second.
   */
  sample(at: number, acked: number): number {
    const samples = this.#samples;
    samples.push({ at, acked });
    while (samples.length > 2 && at - samples[1]!.at >= this.#windowMs) samples.shift();
    const first = samples[0]!;
    return perSecond(acked - first.acked, at - first.at);
  }
}

/** Timers the line redraws on (injected in tests). */
export interface LineTimers {
  /** Starts calling `fn` every `ms`. */
  setInterval(fn: () => void, ms: number): unknown;
  /** Stops it. */
  clearInterval(handle: unknown): void;
}

const defaultTimers: LineTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/** A line redrawn in place on a terminal (carriage return, erase to the end of line). */
export class ProgressLine {
  readonly #write: (text: string) => void;
  readonly #render: () => string;
  readonly #timers: LineTimers;
  readonly #intervalMs: number;
  #handle: unknown;

  /**
   * @param write Writes raw text to standard error.
   * @param render The line's text now.
   * @param intervalMs How often it is redrawn.
   * @param timers The timers it redraws on.
   */
  constructor(
    write: (text: string) => void,
    render: () => string,
    intervalMs = 250,
    timers: LineTimers = defaultTimers,
  ) {
    this.#write = write;
    this.#render = render;
    this.#intervalMs = intervalMs;
    this.#timers = timers;
  }

  /**
   * Draws the line, and again every interval.
   *
   * @example Drawn, redrawn and cleared
   * ```ts
   * import { ProgressLine } from "./progress.ts";
   *
   * let n = 0;
   * const out: string[] = [];
   * const line = new ProgressLine((t) => out.push(t), () => `step ${++n}`, 10);
   * line.start();
   * await new Promise((r) => setTimeout(r, 25));
   * line.stop();
   * console.log(out[0], out.at(-1)); // "\r\x1b[Kstep 1" "\r\x1b[K"
   * ```
   */
  start(): void {
    if (this.#handle !== undefined) return;
    this.#draw();
    this.#handle = this.#timers.setInterval(() => this.#draw(), this.#intervalMs);
  }

  /** Stops redrawing and erases the line. */
  stop(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearInterval(this.#handle);
    this.#handle = undefined;
    this.#write("\r\x1b[K");
  }

  #draw(): void {
    this.#write(`\r\x1b[K${this.#render()}`);
  }
}
