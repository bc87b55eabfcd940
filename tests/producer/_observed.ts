// What a producer says while it works, gathered for tests that search it: every log line
// (with its detail) at every level, every event's detail, and any error added by the test.
import type { Logger, Producer, ProducerEventType } from "../../mod.ts";

/** Every event type a producer dispatches. */
export const EVENT_TYPES: readonly ProducerEventType[] = [
  "retry",
  "error",
  "connect",
  "disconnect",
  "metadata",
  "leader-change",
  "epoch-bump",
  "throttle",
];

/** Everything a value says: strings and numbers, errors with stack, fields and causes. */
export function said(value: unknown, depth = 0): string {
  if (depth > 8 || value === null || value === undefined) return "";
  if (value instanceof Error) {
    const own = Object.entries(value).map(([k, v]) => `${k}=${said(v, depth + 1)}`);
    return [value.name, value.message, value.stack ?? "", String(value), ...own]
      .concat(said(value.cause, depth + 1)).join("\n");
  }
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (Array.isArray(value)) return value.map((v) => said(v, depth + 1)).join("\n");
  if (typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}=${said(v, depth + 1)}`).join("\n");
  }
  return String(value);
}

/** A logger and listeners that write down everything a producer says. */
export class Observed {
  /** Every line, detail and error, as text. */
  readonly texts: string[] = [];
  /** Events seen, by type. */
  readonly events: Map<string, number> = new Map();
  /** Log levels used. */
  readonly levels: Set<string> = new Set();
  /** The logger to give the producer. */
  readonly logger: Logger;

  constructor() {
    const line = (level: string) => (message: string, detail?: unknown) => {
      this.levels.add(level);
      this.texts.push(`${level}: ${message}\n${said(detail)}`);
    };
    this.logger = {
      debug: line("debug"),
      info: line("info"),
      warn: line("warn"),
      error: line("error"),
    };
  }

  /** How many events of a type were seen. */
  count(type: ProducerEventType): number {
    return this.events.get(type) ?? 0;
  }

  /** Listens to every event of `producer`. */
  listen<K, V>(producer: Producer<K, V>): void {
    for (const type of EVENT_TYPES) {
      producer.addEventListener(type, (e) => {
        this.events.set(type, (this.events.get(type) ?? 0) + 1);
        this.texts.push(`${type}: ${said(e.detail)}`);
      });
    }
  }

  /** Writes down what a value (an error a call rejected with, a snapshot) says. */
  add(where: string, value: unknown): void {
    this.texts.push(`${where}: ${said(value)}`);
  }

  /** The first text holding one of `forbidden`, or undefined. */
  leak(forbidden: readonly string[]): { secret: string; text: string } | undefined {
    for (const text of this.texts) {
      for (const secret of forbidden) if (text.includes(secret)) return { secret, text };
    }
    return undefined;
  }
}
