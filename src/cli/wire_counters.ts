/**
 * Counts what the producer's sockets carry, for the progress line: a `connect`
 * wrapper that reads the Produce requests going out (records and bytes per
 * partition, from the record batch headers) and the Produce responses coming back
 * (each partition acknowledged, to be retried, or failed). It sees only what the
 * public `connect` option shows, reads without changing a byte, and costs one pass
 * over each request's headers, never per record. It is a stopgap until the
 * producer's own metrics can be read (see `progress.ts`).
 *
 * @module
 */

import type { ConnectFunction, Transport } from "../../mod.ts";
import {
  ApiKey,
  ErrorCode,
  errorInfo,
  produceApi,
  Reader,
  readRequestHeader,
  readResponseHeader,
} from "../protocol.ts";
import { FrameAssembler } from "./frame_assembler.ts";
import type { ProgressSnapshot } from "./progress.ts";

/** Where a record batch's record count sits, and its length field. */
const BATCH_LENGTH_AT = 8;
const RECORD_COUNT_AT = 57;
const BATCH_HEADER_BYTES = 61;

interface SentPartition {
  readonly records: number;
  readonly bytes: number;
}

interface SentRequest {
  readonly version: number;
  readonly partitions: Map<string, SentPartition>;
}

function partitionKey(topic: string, topicId: Uint8Array | undefined, index: number): string {
  return `${topicId === undefined || topic !== "" ? topic : [...topicId].join(".")}/${index}`;
}

/** Records in a partition's records field: the sum of its batches' counts. */
function recordCount(records: Uint8Array): number {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let count = 0;
  for (let at = 0; at + BATCH_HEADER_BYTES <= records.length;) {
    count += view.getInt32(at + RECORD_COUNT_AT);
    at += 12 + view.getInt32(at + BATCH_LENGTH_AT);
  }
  return count;
}

/** Counters over every connection a producer opens through {@linkcode WireCounters.wrap}. */
export class WireCounters {
  #sent = 0;
  #acked = 0;
  #ackedBytes = 0;
  #retried = 0;
  #inFlight = 0;

  /**
   * Wraps a connect function so that its connections are counted.
   *
   * @example Counting a producer's traffic
   * ```ts
   * import { defaultConnect } from "@webstream/kafka";
   * import { WireCounters } from "./wire_counters.ts";
   *
   * const counters = new WireCounters();
   * const connect = counters.wrap(defaultConnect); // the producer's `connect` option
   * console.log(typeof connect, counters.snapshot()["record-ack-total"]); // function 0
   * ```
   *
   * @param connect The connect function to wrap.
   * @returns One that counts.
   */
  wrap(connect: ConnectFunction): ConnectFunction {
    return async (options) => this.#tap(await connect(options));
  }

  /**
   * The counts now.
   *
   * @returns The snapshot.
   */
  snapshot(): ProgressSnapshot {
    return {
      "record-send-total": this.#sent,
      "record-retry-total": this.#retried,
      "requests-in-flight": this.#inFlight,
      "record-ack-total": this.#acked,
      "byte-ack-total": this.#ackedBytes,
    };
  }

  #tap(transport: Transport): Transport {
    const pending = new Map<number, SentRequest>();
    const outgoing = new FrameAssembler();
    const incoming = new FrameAssembler();
    // Counting is best effort: bytes it cannot read switch it off for the connection,
    // never the connection itself.
    let counting = true;
    const onRequest = (frame: Uint8Array): void => {
      if (frame.length < 2 || ((frame[0]! << 8) | frame[1]!) !== ApiKey.Produce) return;
      const r = new Reader(frame);
      const header = readRequestHeader(r, (_, v) => v >= produceApi.flexibleFrom);
      const request = produceApi.decodeRequest(r, header.apiVersion);
      const partitions = new Map<string, SentPartition>();
      let records = 0;
      let bytes = 0;
      for (const topic of request.topicData) {
        for (const p of topic.partitionData) {
          const sent = {
            records: p.records === null ? 0 : recordCount(p.records),
            bytes: p.records?.length ?? 0,
          };
          records += sent.records;
          bytes += sent.bytes;
          partitions.set(partitionKey(topic.name, topic.topicId, p.index), sent);
        }
      }
      this.#sent += records;
      if (request.acks === 0) {
        // No answer comes: the producer counts these as done once written.
        this.#acked += records;
        this.#ackedBytes += bytes;
        return;
      }
      pending.set(header.correlationId, { version: header.apiVersion, partitions });
      this.#inFlight++;
    };
    const onResponse = (frame: Uint8Array): void => {
      if (frame.length < 4) return;
      const correlationId = new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
      const sent = pending.get(correlationId);
      if (sent === undefined) return;
      pending.delete(correlationId);
      this.#inFlight--;
      const r = new Reader(frame);
      readResponseHeader(r, sent.version >= produceApi.flexibleFrom);
      const response = produceApi.decode(r, sent.version);
      for (const topic of response.responses) {
        for (const p of topic.partitionResponses) {
          const key = partitionKey(topic.name, topic.topicId, p.index);
          const part = sent.partitions.get(key);
          if (part === undefined) continue;
          sent.partitions.delete(key);
          if (
            p.errorCode === ErrorCode.NONE || p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER
          ) {
            this.#acked += part.records;
            this.#ackedBytes += part.bytes;
          } else if (errorInfo(p.errorCode).retriable) {
            this.#retried += part.records;
          }
        }
      }
      for (const part of sent.partitions.values()) this.#retried += part.records;
    };
    const lost = (): void => {
      // Requests a closed connection never answered are sent again (or fail).
      for (const sent of pending.values()) {
        for (const part of sent.partitions.values()) this.#retried += part.records;
      }
      this.#inFlight -= pending.size;
      pending.clear();
    };
    const guard = (assembler: FrameAssembler, chunk: Uint8Array, on: (f: Uint8Array) => void) => {
      if (!counting) return;
      try {
        assembler.push(chunk, on);
      } catch {
        counting = false;
        lost();
      }
    };
    return {
      readable: transport.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            guard(incoming, chunk, onResponse);
            controller.enqueue(chunk);
          },
        }),
      ),
      write(bytes) {
        // Read before writing: the connection reuses the buffer once the write resolves.
        guard(outgoing, bytes, onRequest);
        return transport.write(bytes);
      },
      close: () => transport.close(),
      closed: transport.closed.then(lost),
    };
  }
}
