/**
 * The protocol layer for advanced users and tests: record batch v2 encoding and
 * decoding, CRC-32C, varints, the byte reader and writer, request and response
 * headers, and the Kafka API codecs (both the client's and the broker's sides).
 *
 * @example Round-tripping a record batch
 * ```ts
 * import { crc32c, decodeRecordBatch, encodeRecordBatch } from "@webstream/kafka/protocol";
 *
 * const bytes = await encodeRecordBatch({ records: [{ key: "k", value: "v" }] });
 * const batch = await decodeRecordBatch(bytes);
 * console.log(batch.crc === crc32c(bytes.subarray(21))); // true
 * ```
 *
 * @module
 */

export { crc32c } from "./record/crc32c.ts";
export {
  type BatchRecord,
  type BatchRecordInput,
  decodeRecordBatch,
  type DecodeRecordBatchOptions,
  decodeRecordsSection,
  encodeRecordBatch,
  type RecordBatch,
  type RecordBatchInput,
  type RecordHeader,
} from "./record/record_batch.ts";
export {
  type BufferAllocator,
  RecordBatchBuilder,
  type RecordBatchHeader,
  type RecordBytes,
  type RecordHeaderInput,
} from "./record/record_batch_builder.ts";
export {
  type CompressionCodec,
  compressionCodec,
  CompressionId,
  type CompressionName,
  hasCompressionCodec,
  registerCompressionCodec,
} from "./record/compression.ts";
export * from "./protocol/varint.ts";
export { Reader, type ReadTaggedField } from "./protocol/reader.ts";
export { type TaggedField, Writer } from "./protocol/writer.ts";
export { ErrorCode, type ErrorInfo, errorInfo, type ErrorName } from "./protocol/error_codes.ts";
export {
  KafkaUnsupportedVersionError,
  type KafkaUnsupportedVersionErrorOptions,
} from "./errors.ts";
export { type Api, ApiKey, type ServerApi } from "./protocol/api.ts";
export * from "./protocol/headers.ts";
export * from "./protocol/apis.ts";
export * from "./protocol/api_versions.ts";
export * from "./protocol/metadata.ts";
export * from "./protocol/produce.ts";
export * from "./protocol/init_producer_id.ts";
export * from "./protocol/find_coordinator.ts";
export * from "./protocol/add_partitions_to_txn.ts";
export * from "./protocol/end_txn.ts";
export * from "./protocol/sasl_handshake.ts";
export * from "./protocol/sasl_authenticate.ts";
export * from "./protocol/sasl_oauthbearer.ts";
export * from "./protocol/leader_hints.ts";
export * from "./protocol/fetch.ts";
export * from "./protocol/list_offsets.ts";
export * from "./protocol/offset_for_leader_epoch.ts";
export * from "./protocol/versions.ts";
