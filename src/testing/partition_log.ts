/**
 * The log of one partition: record batches in offset order, each stored as the
 * producer sent it with only the base offset and partition leader epoch rewritten
 * (both outside the CRC, as Kafka rewrites them), so a consumer gets the very bytes.
 * Retention keeps it under a byte budget: the oldest batches are dropped and the log
 * start offset moves. It also keeps what consumers need besides the batches: the
 * leader epoch history (for OffsetForLeaderEpoch and diverging-epoch checks), the
 * first offset of each open transaction (the last stable offset), and the aborted
 * transactions (for read_committed Fetch).
 *
 * Batches are copied into segments (buffers of up to 1 MiB, sized to the log) and a
 * segment whose batches retention dropped is used again for new ones, so a long run
 * allocates almost nothing for what it stores. A segment a Fetch answer still points
 * into is pinned and never reused: it is left to the collector.
 *
 * Offsets are JavaScript numbers: exact up to 2^53, far beyond what a test writes.
 *
 * @module
 */

import {
  BASE_SEQUENCE_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_COUNT_OFFSET,
} from "../record/record_batch_builder.ts";

/** Offset of the partitionLeaderEpoch field in a batch. */
const LEADER_EPOCH_OFFSET = 12;
/** Offset of the attributes field. */
const ATTRIBUTES = 21;
/** Offset of the maxTimestamp field. */
const MAX_TIMESTAMP = 35;
/** Offset of the baseTimestamp field. */
const BASE_TIMESTAMP = 27;

/** A buffer batches are copied into. */
interface Segment {
  /** The buffer. */
  buffer: Uint8Array;
  /** Bytes used. */
  used: number;
  /** Batches in it not dropped yet. */
  live: number;
  /** Reads that point into it and are not released yet. */
  pins: number;
}

const SEGMENT_MIN = 16 * 1024;
const SEGMENT_MAX = 1024 * 1024;
/** Free segments a log keeps for reuse. */
const FREE_SEGMENTS = 2;

/** One stored batch. */
export interface StoredBatch {
  /** The offset of its first record. */
  readonly baseOffset: number;
  /** The offset of its last record. */
  readonly lastOffset: number;
  /** The whole batch, as stored and served. */
  readonly bytes: Uint8Array;
  /** The leader epoch it was written in. */
  readonly epoch: number;
  /** The producer id, or -1. */
  readonly producerId: bigint;
  /** Whether it belongs to a transaction. */
  readonly transactional: boolean;
  /** Whether it is a control batch (a transaction marker). */
  readonly control: boolean;
  /** Its largest timestamp. */
  readonly maxTimestamp: number;
  /** The segment holding it. */
  readonly segment: Segment;
}

/** An aborted transaction, as the transaction index keeps it. */
export interface AbortedTxn {
  /** The producer id. */
  readonly producerId: bigint;
  /** The transaction's first offset here. */
  readonly firstOffset: number;
  /** The offset of its abort marker. */
  readonly lastOffset: number;
}

/** A read from the log. */
export interface LogRead {
  /** The batches, whole, the first one holding the offset asked. */
  readonly batches: StoredBatch[];
  /** Their total size. */
  readonly bytes: number;
  /** Unpins the segments read: call it once the batches are written out (or dropped). */
  readonly release: () => void;
}

/** Fields of a batch header, read once. */
export interface BatchHeader {
  /** Number of records (lastOffsetDelta + 1, checked by the caller). */
  readonly count: number;
  /** The producer id, or -1. */
  readonly producerId: bigint;
  /** The producer epoch. */
  readonly producerEpoch: number;
  /** The base sequence. */
  readonly baseSequence: number;
  /** The attributes. */
  readonly attributes: number;
  /** The base timestamp. */
  readonly baseTimestamp: number;
  /** The largest timestamp. */
  readonly maxTimestamp: number;
}

/**
 * Reads the header fields the broker needs from an encoded batch of at least 61 bytes.
 *
 * @param bytes The batch.
 * @returns Its header fields.
 */
export function readBatchHeader(bytes: Uint8Array): BatchHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    count: view.getInt32(RECORD_COUNT_OFFSET),
    producerId: view.getBigInt64(PRODUCER_ID_OFFSET),
    producerEpoch: view.getInt16(PRODUCER_EPOCH_OFFSET),
    baseSequence: view.getInt32(BASE_SEQUENCE_OFFSET),
    attributes: view.getInt16(ATTRIBUTES),
    baseTimestamp: Number(view.getBigInt64(BASE_TIMESTAMP)),
    maxTimestamp: Number(view.getBigInt64(MAX_TIMESTAMP)),
  };
}

/**
 * A partition's log.
 *
 * @example Appending past retention
 * ```ts
 * import { PartitionLog, readBatchHeader } from "./partition_log.ts";
 * import { encodeRecordBatch } from "../record/record_batch.ts";
 *
 * const batch = encodeRecordBatch({ records: [{ value: "a" }, { value: "b" }] }) as Uint8Array;
 * const log = new PartitionLog(batch.length * 2);
 * for (let i = 0; i < 5; i++) log.append(batch, readBatchHeader(batch));
 * console.log(log.logStartOffset, log.logEndOffset); // 6 10
 * ```
 */
export class PartitionLog {
  /** Batches in offset order; `#head` is the first one kept. */
  #batches: StoredBatch[] = [];
  #head = 0;
  #logStartOffset = 0;
  #logEndOffset = 0;
  #bytes = 0;
  readonly #retentionBytes: number;
  /** Leader epochs and the offset each began at, ascending. */
  readonly #epochs: { epoch: number; startOffset: number }[] = [{ epoch: 0, startOffset: 0 }];
  /** Open transactions: producer id to first offset. */
  readonly #open = new Map<bigint, number>();
  readonly #aborted: AbortedTxn[] = [];
  #active: Segment | undefined;
  readonly #free: Segment[] = [];

  /**
   * Makes an empty log.
   *
   * @param retentionBytes The most bytes kept; older batches are dropped past it (the
   * last batch always stays). -1 keeps everything.
   */
  constructor(retentionBytes: number) {
    this.#retentionBytes = retentionBytes;
  }

  /** The first offset still stored. */
  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  /** The offset the next record gets; also the high watermark (replication is instant here). */
  get logEndOffset(): number {
    return this.#logEndOffset;
  }

  /** Offsets below it belong to no open transaction. */
  get lastStableOffset(): number {
    let lso = this.#logEndOffset;
    for (const first of this.#open.values()) if (first < lso) lso = first;
    return lso;
  }

  /** Bytes stored. */
  get sizeBytes(): number {
    return this.#bytes;
  }

  /** Batches stored. */
  get batchCount(): number {
    return this.#batches.length - this.#head;
  }

  /** The current leader epoch. */
  get leaderEpoch(): number {
    return this.#epochs.at(-1)!.epoch;
  }

  /**
   * Starts a new leader epoch at the log end (a leader change).
   *
   * @returns The new epoch.
   */
  bumpEpoch(): number {
    const epoch = this.leaderEpoch + 1;
    const last = this.#epochs.at(-1)!;
    // An epoch in which nothing was written is replaced, as Kafka's epoch cache does.
    if (last.startOffset === this.#logEndOffset && this.#epochs.length > 1) this.#epochs.pop();
    this.#epochs.push({ epoch, startOffset: this.#logEndOffset });
    return epoch;
  }

  /**
   * The end offset of a leader epoch, as OffsetForLeaderEpoch answers: the largest
   * epoch at or below the one asked and where the next one began (the log end for the
   * current epoch), or (-1, -1) when the epoch asked is older than every known one.
   *
   * @param epoch The epoch asked.
   * @returns The epoch found and its end offset.
   */
  endOffsetFor(epoch: number): { epoch: number; endOffset: number } {
    const epochs = this.#epochs;
    for (let i = epochs.length - 1; i >= 0; i--) {
      const entry = epochs[i]!;
      if (entry.epoch <= epoch) {
        const next = epochs[i + 1];
        return {
          epoch: entry.epoch,
          endOffset: next === undefined ? this.#logEndOffset : next.startOffset,
        };
      }
    }
    return { epoch: -1, endOffset: -1 };
  }

  /**
   * The leader epoch an offset was written in.
   *
   * @param offset The offset.
   * @returns The epoch.
   */
  epochAt(offset: number): number {
    const epochs = this.#epochs;
    for (let i = epochs.length - 1; i >= 0; i--) {
      if (epochs[i]!.startOffset <= offset) return epochs[i]!.epoch;
    }
    return epochs[0]!.epoch;
  }

  /**
   * Appends a batch: copies it, sets its base offset and leader epoch, and applies
   * retention.
   *
   * @param batch The encoded batch (validated by the caller).
   * @param header Its header fields.
   * @returns The base offset it got.
   */
  append(batch: Uint8Array, header: BatchHeader): number {
    const segment = this.#segmentFor(batch.length);
    const bytes = segment.buffer.subarray(segment.used, segment.used + batch.length);
    bytes.set(batch);
    segment.used += batch.length;
    segment.live++;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const baseOffset = this.#logEndOffset;
    const epoch = this.leaderEpoch;
    view.setBigInt64(0, BigInt(baseOffset));
    view.setInt32(LEADER_EPOCH_OFFSET, epoch);
    const stored: StoredBatch = {
      baseOffset,
      lastOffset: baseOffset + header.count - 1,
      bytes,
      epoch,
      producerId: header.producerId,
      transactional: (header.attributes & 0x10) !== 0,
      control: (header.attributes & 0x20) !== 0,
      maxTimestamp: header.maxTimestamp,
      segment,
    };
    this.#batches.push(stored);
    this.#bytes += bytes.length;
    this.#logEndOffset = stored.lastOffset + 1;
    this.#retain();
    return baseOffset;
  }

  /**
   * Notes that a producer's transaction opened at an offset.
   *
   * @param producerId The producer id.
   * @param firstOffset The transaction's first offset.
   */
  openTransaction(producerId: bigint, firstOffset: number): void {
    if (!this.#open.has(producerId)) this.#open.set(producerId, firstOffset);
  }

  /**
   * Notes that a producer's transaction ended with a marker.
   *
   * @param producerId The producer id.
   * @param firstOffset The transaction's first offset here.
   * @param markerOffset The marker's offset.
   * @param aborted Whether it was aborted.
   */
  closeTransaction(
    producerId: bigint,
    firstOffset: number,
    markerOffset: number,
    aborted: boolean,
  ): void {
    this.#open.delete(producerId);
    if (aborted) this.#aborted.push({ producerId, firstOffset, lastOffset: markerOffset });
  }

  /**
   * The aborted transactions overlapping `[from, to)`, as Fetch reports them.
   *
   * @param from The first offset read.
   * @param to One past the last offset read.
   * @returns Their producer ids and first offsets.
   */
  abortedBetween(from: number, to: number): AbortedTxn[] {
    return this.#aborted.filter((txn) => txn.lastOffset >= from && txn.firstOffset < to);
  }

  /**
   * Reads whole batches from the one holding `offset`, below `upTo`, until `maxBytes`
   * is reached; the first batch is returned even when larger (KIP-74) if `minOne`.
   *
   * @param offset The first offset wanted, in `[logStartOffset, logEndOffset]`.
   * @param upTo Offsets at or past it are not read (the high watermark or LSO).
   * @param maxBytes The byte budget.
   * @param minOne Whether the first batch comes even over budget.
   * @returns The batches read.
   */
  read(offset: number, upTo: number, maxBytes: number, minOne: boolean): LogRead {
    const batches: StoredBatch[] = [];
    let bytes = 0;
    for (let i = this.#find(offset); i < this.#batches.length; i++) {
      const batch = this.#batches[i]!;
      if (batch.baseOffset >= upTo) break;
      // A batch that straddles the upper bound is not served (Kafka stops at the bound's batch).
      if (batch.lastOffset >= upTo) break;
      if (bytes + batch.bytes.length > maxBytes && !(minOne && batches.length === 0)) break;
      batches.push(batch);
      bytes += batch.bytes.length;
    }
    const pinned = new Set(batches.map((b) => b.segment));
    for (const segment of pinned) segment.pins++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const segment of pinned) segment.pins--;
    };
    return { batches, bytes, release };
  }

  /** The segment the next batch of `size` bytes goes into. */
  #segmentFor(size: number): Segment {
    const active = this.#active;
    if (active !== undefined && active.buffer.length - active.used >= size) return active;
    // Sized to the log (a quarter of what it holds), so a small log stays small.
    const wanted = Math.min(SEGMENT_MAX, Math.max(SEGMENT_MIN, this.#bytes >>> 2, size));
    let segment: Segment | undefined;
    const i = this.#free.findIndex((f) =>
      f.buffer.length >= size && f.buffer.length >= wanted >>> 1
    );
    if (i >= 0) {
      segment = this.#free.splice(i, 1)[0]!;
      segment.used = 0;
    } else {
      segment = { buffer: new Uint8Array(Math.max(wanted, size)), used: 0, live: 0, pins: 0 };
    }
    this.#active = segment;
    return segment;
  }

  #dropped(segment: Segment): void {
    if (--segment.live > 0 || segment === this.#active) return;
    // A segment a Fetch answer points into is never written again.
    if (segment.pins === 0 && this.#free.length < FREE_SEGMENTS) this.#free.push(segment);
  }

  /**
   * Every stored batch, oldest first.
   *
   * @returns The batches.
   */
  *batches(): IterableIterator<StoredBatch> {
    for (let i = this.#head; i < this.#batches.length; i++) yield this.#batches[i]!;
  }

  /**
   * The first batch whose largest timestamp is at or after a time.
   *
   * @param timestamp The time in milliseconds.
   * @returns The batch, or undefined.
   */
  firstBatchAtOrAfter(timestamp: number): StoredBatch | undefined {
    for (let i = this.#head; i < this.#batches.length; i++) {
      const batch = this.#batches[i]!;
      if (!batch.control && batch.maxTimestamp >= timestamp) return batch;
    }
    return undefined;
  }

  /** Index of the batch holding `offset` (or the first after it). */
  #find(offset: number): number {
    let low = this.#head;
    let high = this.#batches.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#batches[mid]!.lastOffset < offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  #retain(): void {
    if (this.#retentionBytes < 0) return;
    while (this.#bytes > this.#retentionBytes && this.#batches.length - this.#head > 1) {
      const dropped = this.#batches[this.#head]!;
      this.#batches[this.#head] = undefined as unknown as StoredBatch;
      this.#head++;
      this.#bytes -= dropped.bytes.length;
      this.#logStartOffset = dropped.lastOffset + 1;
      this.#dropped(dropped.segment);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#batches.length) {
      this.#batches = this.#batches.slice(this.#head);
      this.#head = 0;
    }
    const start = this.#logStartOffset;
    while (this.#aborted.length > 0 && this.#aborted[0]!.lastOffset < start) this.#aborted.shift();
    // Epochs that ended before the log start are forgotten; the one holding it stays.
    while (this.#epochs.length > 1 && this.#epochs[1]!.startOffset <= start) this.#epochs.shift();
  }
}
