/**
 * A zero-dependency Kafka producer for Deno, Bun and Node, built on Web Streams.
 *
 * ```ts
 * import { kafkaSink } from "@webstream/kafka";
 * import { startTestBroker } from "@webstream/kafka/testing";
 *
 * // A Kafka broker in this process; against a cluster: bootstrap: ["localhost:9092"].
 * await using broker = await startTestBroker({ topics: { events: 6 } });
 * const readable = ReadableStream.from([{ key: "user-42", value: "signed in" }]);
 * await readable.pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "events" }));
 * console.log(broker.records("events").length); // 1
 * ```
 *
 * Records are serialized (UTF-8 strings, bytes, JSON or your own serializer), routed
 * by Java-compatible murmur2 of their key to per-partition batchers, and sent to each
 * partition's leader, with retries, acks and bounded memory.
 *
 * @example Keyed records land where the Java producer puts them
 * ```ts
 * import { partitionForKey } from "@webstream/kafka";
 *
 * const partition = partitionForKey(new TextEncoder().encode("user-42"), 6);
 * console.log(partition); // 4
 * ```
 *
 * @module
 */

export * from "./src/types.ts";
export * from "./src/errors.ts";
export { murmur2, partitionForKey } from "./src/partition/murmur2.ts";
export type { PartitionerFunction, PartitionerRecord } from "./src/partition/partitioner.ts";
export {
  bytesSerializer,
  jsonSerializer,
  type Serializer,
  stringSerializer,
} from "./src/producer/serializer.ts";
export type {
  CompressionType,
  PartitionerChoice,
  PlainBytes,
  ProducerOptions,
  RequiredSerializers,
} from "./src/producer/options.ts";
export {
  type CloseOptions,
  createProducer,
  type Producer,
  type ProducerEventListener,
} from "./src/producer/producer.ts";
export type {
  BrokerEventDetail,
  EpochBumpEventDetail,
  ErrorEventDetail,
  LeaderChangeEventDetail,
  Logger,
  MetadataEventDetail,
  PartitionCountChange,
  ProducerEventDetail,
  ProducerEventMap,
  ProducerEventType,
  RetryEventDetail,
  ThrottleEventDetail,
} from "./src/producer/producer_events.ts";
export type {
  ProducerMetricsSnapshot,
  TopicMetricsSnapshot,
} from "./src/producer/producer_metrics.ts";
export { kafkaSink } from "./src/producer/kafka_sink.ts";
export { zstdCodec } from "./src/producer/zstd_codec.ts";
export type {
  ConnectFunction,
  ConnectOptions,
  TlsOptions,
  Transport,
} from "./src/net/transport.ts";
export { defaultConnect } from "./src/net/default_connect.ts";
export type {
  PasswordMechanism,
  PasswordSaslOptions,
  SaslMechanism,
  SaslOptions,
} from "./src/net/sasl.ts";
export type { OauthBearerSaslOptions, OauthBearerToken } from "./src/net/oauthbearer.ts";
export {
  type AwsCredentials,
  awsMskIamSasl,
  type AwsMskIamSaslOptions,
  mskIamToken,
  type MskIamTokenOptions,
} from "./src/net/msk_iam.ts";
