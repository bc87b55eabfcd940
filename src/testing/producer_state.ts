/**
 * Idempotence state of one partition, as Kafka's `ProducerStateManager` keeps it: per
 * producer id, its epoch, the sequence ranges and offsets of its last five batches,
 * and the first offset of its open transaction. A batch is checked before it is
 * appended: a repeat of one of the five is a duplicate (answered with the offset it
 * got the first time), an older epoch is fenced, a sequence that does not follow is
 * out of order.
 *
 * Two rule sets: `"kafka-4"` (Kafka 2.5 and later, KIP-360): a producer the partition
 * has no state for may start at any sequence, and a sequence before the five
 * remembered batches is OUT_OF_ORDER_SEQUENCE_NUMBER. `"kafka-2.4"` (Kafka 1.0-2.4):
 * such a producer starting above 0 gets UNKNOWN_PRODUCER_ID, and a sequence before
 * the remembered window DUPLICATE_SEQUENCE_NUMBER.
 *
 * @module
 */

import { ErrorCode } from "../protocol/error_codes.ts";

/** Which broker generation's sequence rules to follow. */
export type SequenceRules = "kafka-4" | "kafka-2.4";

/** How many batches per producer are remembered to detect duplicates (Kafka's NUM_BATCHES_TO_RETAIN). */
export const BATCHES_REMEMBERED = 5;

const MAX_SEQUENCE = 0x7fffffff;

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

/** What the partition knows of one producer. */
export interface ProducerEntry {
  /** The producer id. */
  readonly producerId: bigint;
  /** Its current epoch, -1 before any batch or marker. */
  epoch: number;
  /** The last batches, oldest first. */
  readonly batches: BatchMeta[];
  /** The first offset of its open transaction, or -1. */
  txnFirstOffset: number;
  /** The offset of its last batch or marker here. */
  lastOffset: number;
}

/** The fields of a batch the check reads. */
export interface SequencedBatch {
  /** The producer id (>= 0). */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
  /** The sequence of the first record. */
  baseSequence: number;
  /** The number of records. */
  count: number;
  /** Whether the batch belongs to a transaction. */
  transactional: boolean;
}

/** The outcome of {@link ProducerStateTable.check}. */
export type SequenceCheck =
  | { readonly kind: "append" }
  | { readonly kind: "duplicate"; readonly firstOffset: number }
  | { readonly kind: "error"; readonly code: number; readonly message: string };

const APPEND: SequenceCheck = { kind: "append" };

function lastSequence(batch: SequencedBatch): number {
  // Sequences wrap at 2^31 - 1 (Kafka's DefaultRecordBatch.incrementSequence).
  const last = batch.baseSequence + batch.count - 1;
  return last > MAX_SEQUENCE ? last - MAX_SEQUENCE - 1 : last;
}

function error(code: number, message: string): SequenceCheck {
  return { kind: "error", code, message };
}

/** One of the producer's remembered batches with the same sequence range, as a duplicate. */
function duplicateOf(entry: ProducerEntry, batch: SequencedBatch): SequenceCheck | undefined {
  const lastSeq = lastSequence(batch);
  for (const meta of entry.batches) {
    if (meta.firstSeq === batch.baseSequence && meta.lastSeq === lastSeq) {
      return { kind: "duplicate", firstOffset: meta.firstOffset };
    }
  }
  return undefined;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === MAX_SEQUENCE);
}

/**
 * The producers of one partition.
 *
 * @example A retried batch is a duplicate
 * ```ts
 * import { ProducerStateTable } from "./producer_state.ts";
 *
 * const producers = new ProducerStateTable("kafka-4");
 * const batch = { producerId: 7n, producerEpoch: 0, baseSequence: 0, count: 3, transactional: false };
 * producers.appended(batch, 40);
 * console.log(producers.check(batch)); // { kind: "duplicate", firstOffset: 40 }
 * ```
 */
export class ProducerStateTable {
  readonly #entries = new Map<bigint, ProducerEntry>();
  readonly #rules: SequenceRules;

  /**
   * Makes an empty table.
   *
   * @param rules The sequence rules to follow.
   */
  constructor(rules: SequenceRules) {
    this.#rules = rules;
  }

  /**
   * The entry of a producer.
   *
   * @param producerId The producer id.
   * @returns The entry, or undefined if the partition holds no state for it.
   */
  get(producerId: bigint): ProducerEntry | undefined {
    return this.#entries.get(producerId);
  }

  /** How many producers the partition remembers. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Checks a batch against its producer's state, changing nothing.
   *
   * @param batch The batch's producer fields.
   * @returns Whether to append it, that it is a duplicate, or the error to answer.
   */
  check(batch: SequencedBatch): SequenceCheck {
    const entry = this.#entries.get(batch.producerId);
    const epoch = entry?.epoch ?? -1;
    const duplicate = entry !== undefined && batch.producerEpoch === epoch
      ? duplicateOf(entry, batch)
      : undefined;
    if (duplicate !== undefined) return duplicate;
    const id = `producer ${batch.producerId}`;
    if (batch.producerEpoch < epoch) {
      return error(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `Epoch of ${id} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${epoch}`,
      );
    }
    const sequence = batch.producerEpoch !== epoch
      ? this.#newEpochError(batch, epoch, id)
      : this.#sequenceError(entry!, batch, id);
    if (sequence !== undefined) return sequence;
    if (entry !== undefined && entry.txnFirstOffset >= 0 && !batch.transactional) {
      return error(
        ErrorCode.INVALID_TXN_STATE,
        `Expected transactional write from ${id} as its transaction is open`,
      );
    }
    return APPEND;
  }

  /** A batch of an epoch the partition has not seen must start at sequence 0, unless the producer is new here. */
  #newEpochError(batch: SequencedBatch, epoch: number, id: string): SequenceCheck | undefined {
    if (batch.baseSequence === 0) return undefined;
    if (epoch !== -1) {
      return error(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `Invalid sequence number for new epoch ${batch.producerEpoch} of ${id}: ${batch.baseSequence} (expected 0)`,
      );
    }
    if (this.#rules === "kafka-2.4") {
      return error(
        ErrorCode.UNKNOWN_PRODUCER_ID,
        `Found no record of ${id} on the partition: its records may have been removed by retention`,
      );
    }
    return undefined;
  }

  /** A batch of the current epoch must follow the last one. */
  #sequenceError(
    entry: ProducerEntry,
    batch: SequencedBatch,
    id: string,
  ): SequenceCheck | undefined {
    const firstSeq = batch.baseSequence;
    const currentLastSeq = entry.batches.at(-1)?.lastSeq ?? -1;
    if (inSequence(currentLastSeq, firstSeq)) return undefined;
    const lastSeq = lastSequence(batch);
    const oldest = entry.batches[0];
    if (
      this.#rules === "kafka-2.4" && oldest !== undefined && lastSeq < oldest.firstSeq &&
      firstSeq <= currentLastSeq
    ) {
      return error(
        ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
        `Duplicate sequence number for ${id}: (${firstSeq}, ${lastSeq})`,
      );
    }
    return error(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
      `Out of order sequence number for ${id}: ${firstSeq} (incoming seq. number), ${currentLastSeq} (current end sequence number)`,
    );
  }

  /**
   * Records an appended batch.
   *
   * @param batch The batch's producer fields.
   * @param firstOffset The offset its first record got.
   * @returns True when the batch opened a transaction on this partition.
   */
  appended(batch: SequencedBatch, firstOffset: number): boolean {
    let entry = this.#entries.get(batch.producerId);
    if (entry === undefined) {
      entry = {
        producerId: batch.producerId,
        epoch: -1,
        batches: [],
        txnFirstOffset: -1,
        lastOffset: -1,
      };
      this.#entries.set(batch.producerId, entry);
    }
    if (entry.epoch !== batch.producerEpoch) {
      entry.epoch = batch.producerEpoch;
      entry.batches.length = 0;
    }
    const lastOffset = firstOffset + batch.count - 1;
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: lastSequence(batch),
      firstOffset,
      lastOffset,
    });
    if (entry.batches.length > BATCHES_REMEMBERED) entry.batches.shift();
    entry.lastOffset = lastOffset;
    if (batch.transactional && entry.txnFirstOffset < 0) {
      entry.txnFirstOffset = firstOffset;
      return true;
    }
    return false;
  }

  /**
   * Records a transaction marker written for a producer: its epoch becomes the
   * marker's (a newer epoch forgets the remembered batches) and its transaction ends.
   *
   * @param producerId The producer id.
   * @param epoch The marker's epoch.
   * @param offset The marker's offset.
   * @returns The first offset of the transaction it ended (the marker's offset if
   * the producer wrote nothing here).
   */
  marker(producerId: bigint, epoch: number, offset: number): number {
    let entry = this.#entries.get(producerId);
    if (entry === undefined) {
      entry = { producerId, epoch, batches: [], txnFirstOffset: -1, lastOffset: offset };
      this.#entries.set(producerId, entry);
    }
    if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches.length = 0;
    }
    const first = entry.txnFirstOffset >= 0 ? entry.txnFirstOffset : offset;
    entry.txnFirstOffset = -1;
    entry.lastOffset = offset;
    return first;
  }

  /**
   * Forgets producers whose last batch is below the log start offset, as Kafka does
   * when retention deletes what they wrote (open transactions are kept).
   *
   * @param logStartOffset The new log start offset.
   */
  evictBefore(logStartOffset: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.lastOffset < logStartOffset && entry.txnFirstOffset < 0) this.#entries.delete(id);
    }
  }
}
