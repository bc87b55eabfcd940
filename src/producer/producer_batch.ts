/**
 * What flows through the producer: the completions that settle records, and the
 * closed batches that come out of a partition's batcher and go to the sender.
 *
 * @module
 */

/**
 * Settles records: one per `send()` call, or one shared by all the records of a sink,
 * which only counts (so acknowledging a record allocates nothing for the sink).
 */
export interface RecordCompletion {
  /**
   * The record's timestamp (ms), set when it is buffered. A completion shared by many
   * records (a sink's) holds the last one and does not read it.
   */
  timestamp: number;
  /**
   * Called when the record at `index` of `batch` is stored from `baseOffset` (-1 with
   * acks=0); `logAppendTime` is the broker's time for LogAppendTime topics, else -1.
   */
  resolve(batch: ProducerBatch, index: number, baseOffset: bigint, logAppendTime: number): void;
  /** Called with why the record was not stored. */
  reject(error: unknown): void;
}

/**
 * The completions of consecutive records, kept as runs: a sink's records share one
 * completion, so a batch of thousands holds one entry instead of one per record (no
 * per-record array for the garbage collector to copy while the batch is in flight).
 */
export class CompletionRuns {
  /** The completion of each run. */
  readonly #completions: RecordCompletion[] = [];
  /** Where each run ends (exclusive record index). */
  readonly #ends: number[] = [];
  #count = 0;

  /** Records covered. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds the next record's completion.
   *
   * @param completion The completion.
   */
  push(completion: RecordCompletion): void {
    const last = this.#completions.length - 1;
    this.#count++;
    if (last >= 0 && this.#completions[last] === completion) this.#ends[last] = this.#count;
    else {
      this.#completions.push(completion);
      this.#ends.push(this.#count);
    }
  }

  /**
   * The completions of records `from` (inclusive) to `to` (exclusive).
   *
   * @param from First record.
   * @param to End record.
   * @returns Their completions, as runs.
   */
  slice(from: number, to: number): CompletionRuns {
    const out = new CompletionRuns();
    let start = 0;
    for (let r = 0; r < this.#completions.length; r++) {
      const end = this.#ends[r]!;
      const lo = Math.max(start, from);
      const hi = Math.min(end, to);
      if (lo < hi) {
        out.#completions.push(this.#completions[r]!);
        out.#count += hi - lo;
        out.#ends.push(out.#count);
      }
      start = end;
    }
    return out;
  }

  /**
   * Resolves every record: record `i` is at offset `baseOffset + i`.
   *
   * @param batch The batch they were stored in.
   * @param baseOffset Its base offset (-1 with acks=0).
   * @param logAppendTime The broker's time, or -1.
   */
  resolve(batch: ProducerBatch, baseOffset: bigint, logAppendTime: number): void {
    let i = 0;
    for (let r = 0; r < this.#completions.length; r++) {
      const completion = this.#completions[r]!;
      const end = this.#ends[r]!;
      for (; i < end; i++) completion.resolve(batch, i, baseOffset, logAppendTime);
    }
  }

  /**
   * Rejects every record.
   *
   * @param error Why they were not stored.
   */
  reject(error: unknown): void {
    let start = 0;
    for (let r = 0; r < this.#completions.length; r++) {
      const completion = this.#completions[r]!;
      const end = this.#ends[r]!;
      for (let i = start; i < end; i++) completion.reject(error);
      start = end;
    }
  }
}

/** A closed batch on its way to (or back from) a broker. */
export interface ProducerBatch {
  /** The topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The encoded RecordBatch v2 (restamped with producer id and sequence when sent). */
  readonly bytes: Uint8Array;
  /** Whether its CRC is written for the header it goes with: false until first sent. */
  sealed: boolean;
  /** Records in the batch. */
  readonly count: number;
  /** The records' completions, in offset order. */
  readonly completions: CompletionRuns;
  /** Bytes reserved from the budget for this batch. */
  readonly reserved: number;
  /** When its first record was written (ms): the delivery timeout counts from here. */
  readonly createdMs: number;
  /** The batch's size before compression, header included (for the metrics). */
  readonly uncompressedBytes: number;
  /**
   * When it was first sent (ms), -1 before: the metrics count its records once, then.
   * The halves of a split batch take the time of the batch they came from.
   */
  firstSentMs: number;
  /** Attempts made so far. */
  attempts: number;
  /** The sequence of its first record once assigned (idempotent producers), else -1. */
  baseSequence: number;
  /** The producer epoch it was stamped with, else -1. */
  producerEpoch: number;
  /** Why its latest attempt failed, named if it expires; null before any failure. */
  lastError: Error | null;
}

/**
 * A closed batch never sent: no attempt, sequence, epoch or CRC yet.
 *
 * @param topic The topic.
 * @param partition The partition.
 * @param bytes The finished RecordBatch v2, not sealed.
 * @param count Its records.
 * @param completions Their completions.
 * @param reserved The budget bytes it holds.
 * @param createdMs When its first record was written (ms).
 * @param uncompressedBytes Its size before compression, header included.
 * @returns The batch.
 */
export function newProducerBatch(
  topic: string,
  partition: number,
  bytes: Uint8Array,
  count: number,
  completions: CompletionRuns,
  reserved: number,
  createdMs: number,
  uncompressedBytes: number,
): ProducerBatch {
  return {
    topic,
    partition,
    bytes,
    sealed: false,
    count,
    completions,
    reserved,
    createdMs,
    uncompressedBytes,
    firstSentMs: -1,
    attempts: 0,
    baseSequence: -1,
    producerEpoch: -1,
    lastError: null,
  };
}
