/**
 * `kafkaSink()`: the producer as a Web Streams `WritableStream`, for
 * `readable.pipeTo(kafkaSink(...))`, and the stream over a producer that
 * `producer.writable` also returns.
 *
 * @module
 */

import { KafkaDeliveryError } from "../errors.ts";
import type { ProducerRecord } from "../types.ts";
import { CountingCompletion } from "./counting_completion.ts";
import { KafkaProducer } from "./kafka_producer.ts";
import type { ProducerOptions, RequiredSerializers } from "./options.ts";
import type { RecordCompletion } from "./producer_batch.ts";

/**
 * A `WritableStream` that produces every record written to it to Kafka. Its own
 * producer opens on the first write and closes with the stream. Writes wait while
 * `bufferBytes` are buffered or in flight, or a quarter of it waits in batches not
 * sent yet (backpressure reaches the source; a wait longer than `maxBlockMs` fails
 * the stream with a timeout error).
 * `close()` (the end of a pipe) resolves once every record is acknowledged, and
 * rejects with a {@link KafkaDeliveryError} saying how many records were not
 * delivered and why; a bad record rejects the pipe with a typed error naming it,
 * after the records before it were delivered. `abort()` (an aborted pipe) delivers
 * what the sink accepted before stopping, then resolves, or rejects with a
 * {@link KafkaDeliveryError} counting the records it could not deliver (an aborted
 * `pipeTo` rejects with that error instead of the abort reason). Records the pipe
 * had read but the sink not yet taken are dropped by the stream itself, as for any
 * Web Streams sink: the one in hand, and on Bun up to 16 more queued in the stream
 * (there its pipe hands records over faster with room to queue).
 *
 * @example Piping a stream of records into a topic
 * ```ts
 * import { kafkaSink } from "@webstream/kafka";
 * import { startTestBroker } from "@webstream/kafka/testing";
 *
 * await using broker = await startTestBroker({ topics: { events: 6 } }); // or your cluster
 * const records = ReadableStream.from([
 *   { key: "user-1", value: "signed in" },
 *   { key: "user-2", value: "signed out", headers: { source: "web" } },
 * ]);
 * await records.pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "events" }));
 * console.log(broker.records("events").length); // 2
 * ```
 *
 * @typeParam K The key type.
 * @typeParam V The value type.
 * @param options Brokers, the default topic and tuning; see {@link ProducerOptions}. Keys
 * and values other than strings, bytes and null need a serializer.
 * @returns The sink.
 */
export function kafkaSink<K = string | Uint8Array | null, V = string | Uint8Array | null>(
  options: ProducerOptions<K, V> & RequiredSerializers<K, V>,
): WritableStream<ProducerRecord<K, V>> {
  return createSink(new KafkaProducer(options), true);
}

/**
 * How many records the sink's stream queues before it signals backpressure (its
 * `highWaterMark`) on Bun. Bun's `pipeTo` waits for `writer.ready` after every
 * record the queue cannot take, which costs it about 8% of its throughput at one;
 * Deno's pipe slows down by a third with any queue once a write waits, and Node's
 * gains nothing, so there it is 1. Buffer space is bounded by `bufferBytes` either way.
 */
const SINK_QUEUE_RECORDS = 16;

function sinkQueue(): QueuingStrategy<unknown> {
  const onBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  return new CountQueuingStrategy({ highWaterMark: onBun ? SINK_QUEUE_RECORDS : 1 });
}

/** What a sink writes into: the producer's record intake. */
export interface SinkTarget<K, V> {
  /** Buffers one record; undefined when done at once, else a promise of it. */
  append(record: ProducerRecord<K, V>, completion: RecordCompletion): Promise<void> | undefined;
  /** Undefined, or a promise to wait for before the next write (see SinkPacer). */
  yieldDue(): Promise<void> | undefined;
  /** Sends what is buffered and waits for every acknowledgement. */
  flush(): Promise<void>;
  /** Closes the producer. */
  close(): Promise<void>;
}

/**
 * A WritableStream over a producer: each `write()` buffers one record (waiting when
 * the buffer is full); `close()` flushes and fails with a {@link KafkaDeliveryError}
 * if any record was not delivered; `abort()` delivers what was written, then fails
 * with one if any record could not be.
 *
 * @param producer The producer.
 * @param ownsProducer Whether closing the sink closes the producer.
 * @returns The sink.
 */
export function createSink<K, V>(
  producer: SinkTarget<K, V>,
  ownsProducer: boolean,
): WritableStream<ProducerRecord<K, V>> {
  const completion = new CountingCompletion();
  let written = 0;
  const finish = async (): Promise<void> => {
    await producer.flush();
    if (ownsProducer) await producer.close();
  };
  const finishReporting = async (): Promise<void> => {
    await finish();
    const error = completion.error();
    if (error !== null) throw error;
  };
  return new WritableStream<ProducerRecord<K, V>>({
    write: (record): Promise<void> | undefined => {
      if (completion.failed > 0) return finishThen(() => completion.error()!);
      let waiting: Promise<void> | undefined;
      try {
        waiting = producer.append(record, completion);
      } catch (error) {
        return recordFailed(error, written);
      }
      written++;
      if (waiting !== undefined) return whenBuffered(waiting, written - 1);
      const turn = producer.yieldDue();
      return turn === undefined ? undefined : whenTurned(turn);
    },
    close: finishReporting,
    // What was written is delivered; what could not be is named, so an aborted pipe
    // (which passes this rejection on) never drops records silently.
    abort: finishReporting,
  }, sinkQueue());

  /** A record waiting for buffer space or metadata; outside write() so write() has no closure. */
  function whenBuffered(waiting: Promise<void>, index: number): Promise<void> {
    return waiting.catch((error) => recordFailed(error, index));
  }

  /** The sender did not catch up in time: what was written is delivered, then the stream fails. */
  function whenTurned(turn: Promise<void>): Promise<void> {
    return turn.catch((error) => finishThen(() => error));
  }

  /** Delivers everything written so far, then fails with the error built from the final counts. */
  async function finishThen(error: () => Error): Promise<never> {
    await finish().catch(() => {});
    throw error();
  }

  /** A record the producer refused: the stream fails naming it, once the records before it settled. */
  function recordFailed(error: unknown, index: number): Promise<never> {
    const cause = error instanceof Error ? error : new Error(String(error));
    completion.reject(cause);
    return finishThen(() => {
      const e = new KafkaDeliveryError(completion.failed, completion.delivered, completion.errors);
      const others = completion.failed - 1;
      (e as { message: string }).message =
        `Cannot write record ${index} to Kafka: ${cause.message}. Of the ${
          plural(index, "record")
        } written before it, ${completion.delivered} delivered and ${others} failed`;
      return e;
    });
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
