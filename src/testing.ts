/**
 * A Kafka in the box, for tests: `startTestBroker()` runs a cluster of Kafka brokers
 * inside the process, on the loopback interface, that this package's producer and
 * other clients (the Java client, librdkafka, franz-go) accept. It keeps what was
 * produced (`records()`), validates what Kafka validates (CRCs, sequences, epochs,
 * transactions, leadership, sizes), bounds its memory by retention, and injects
 * faults on demand.
 *
 * @example A pipeline tested without a Kafka
 * ```ts
 * import { startTestBroker } from "@webstream/kafka/testing";
 * import { kafkaSink } from "@webstream/kafka";
 *
 * await using broker = await startTestBroker({ topics: { events: 3 } });
 * broker.faults.failNext("Produce", "NOT_LEADER_OR_FOLLOWER"); // retried by the producer
 * await ReadableStream.from([{ key: "k", value: "v" }])
 *   .pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "events" }));
 * console.log(broker.records("events").length); // 1
 * ```
 *
 * @module
 */

export { startTestBroker } from "./testing/test_broker.ts";
export type {
  PartitionOffsets,
  RecordsOptions,
  RequestCount,
  TestBroker,
  TestBrokerNode,
  TestBrokerOptions,
  TestKafkaVersion,
  TestOauthBearerOptions,
  TestSaslOptions,
  TestTopicOptions,
} from "./testing/test_broker_options.ts";
export {
  type ApiSelector,
  type DelayOptions,
  type DropOptions,
  type DropPoint,
  Faults,
  type FaultScope,
} from "./testing/faults.ts";
export type { StoredRecord } from "./testing/stored_records.ts";
export type { SequenceRules } from "./testing/producer_state.ts";
export type { TestPasswordMechanism, TestSaslMechanism } from "./testing/sasl_server.ts";
export { unsecuredJwt, type UnsecuredJwtClaims } from "./net/unsecured_jwt.ts";
export type {
  Accepted,
  Listener,
  ListenFunction,
  ListenOptions,
  ListenTlsOptions,
} from "./net/listener.ts";
export type { RecordHeader } from "./record/record_batch.ts";
export type { Transport } from "./net/transport.ts";
export { ApiKey } from "./protocol/api.ts";
