/**
 * A completion that only counts: a sink's records (and those of one
 * `send(records)` call) share one, so acknowledging a record allocates nothing, and
 * the end of the stream can say exactly how many records failed and why.
 *
 * @module
 */

import { KafkaDeliveryError } from "../errors.ts";
import type { RecordCompletion } from "./producer_batch.ts";

/** Counts delivered and failed records, keeping the first error of each kind. */
export class CountingCompletion implements RecordCompletion {
  /** Unused: a shared completion holds no one record's timestamp. */
  timestamp = 0;
  /** Records delivered. */
  delivered = 0;
  /** Records failed. */
  failed = 0;
  /** The first error of each kind, first seen first. */
  readonly errors: Error[] = [];

  /** Counts one delivered record. */
  resolve(): void {
    this.delivered++;
  }

  /**
   * Counts one failed record, keeping the first error of each kind (its name: the
   * error class, or Kafka's name for a broker's code).
   *
   * @param error Why it failed.
   */
  reject(error: unknown): void {
    this.failed++;
    const e = error instanceof Error ? error : new Error(String(error));
    if (this.errors.length < 8 && !this.errors.some((x) => x.name === e.name)) {
      this.errors.push(e);
    }
  }

  /**
   * The error to report, or null when nothing failed.
   *
   * @returns The error or null.
   */
  error(): KafkaDeliveryError | null {
    return this.failed === 0
      ? null
      : new KafkaDeliveryError(this.failed, this.delivered, this.errors);
  }
}
