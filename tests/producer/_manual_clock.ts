// A clock for tests: time moves only when the test says so, and due callbacks run then.
import type { Cancel, Clock } from "../../src/timers.ts";

interface Timer {
  at: number;
  callback: () => void;
  cancelled: boolean;
}

/** A {@link Clock} whose time only `advance()` moves. */
export class ManualClock implements Clock {
  #now: number;
  #timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, ms: number): Cancel {
    if (ms === Infinity) return () => {};
    const timer: Timer = { at: this.#now + Math.max(0, ms), callback, cancelled: false };
    this.#timers.push(timer);
    return () => void (timer.cancelled = true);
  }

  /** Timers set and neither fired nor cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward, running each due callback at its own time, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => !t.cancelled && t.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.cancelled = true;
      this.#now = Math.max(this.#now, due.at);
      due.callback();
    }
    this.#now = end;
    this.#timers = this.#timers.filter((t) => !t.cancelled);
  }
}

/** Lets queued microtasks and promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
