/**
 * `kafkaSink()`: the producer as a Web Streams `WritableStream`, for
 * `readable.pipeTo(kafkaSink(...))`.
 *
 * @module
 */

import type { ProducerRecord } from "../types.ts";
import type { ProducerOptions, RequiredSerializers } from "./options.ts";
import { createSink, KafkaProducer } from "./producer.ts";

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
 * Web Streams sink.
 *
 * @example Piping a stream of records into a topic
 * ```ts ignore
 * import { kafkaSink } from "@webstream/kafka";
 *
 * const records = ReadableStream.from([
 *   { key: "user-1", value: "signed in" },
 *   { key: "user-2", value: "signed out", headers: { source: "web" } },
 * ]);
 * await records.pipeTo(kafkaSink({ bootstrap: ["localhost:9092"], topic: "events" }));
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
