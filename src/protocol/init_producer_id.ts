/**
 * InitProducerId (key 22): obtains a producer id and epoch, for idempotence (any
 * broker, null transactional id) or for transactions (the transaction coordinator).
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import { endStruct, readNullableString, writeString } from "./flexible.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** An InitProducerId request. */
export interface InitProducerIdRequest {
  /** The transactional id, or null for an idempotent-only producer. */
  transactionalId: string | null;
  /** How long the coordinator waits before aborting an idle transaction, in milliseconds. */
  transactionTimeoutMs: number;
  /**
   * The current producer id when re-initializing after an error (v3+, KIP-360).
   *
   * @default {-1n}
   */
  producerId?: bigint;
  /**
   * The current epoch when re-initializing (v3+).
   *
   * @default {-1}
   */
  producerEpoch?: number;
}

/** An InitProducerId response. */
export interface InitProducerIdResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The error code, or NONE. */
  errorCode: number;
  /** The producer id, or -1. */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
}

/*
 * InitProducerIdRequest, validVersions 0-6 (v6, KIP-939 two-phase commit, is
 * "latestVersionUnstable" in Kafka 4.3/4.4 and not spoken here), flexibleVersions 2+:
 *   TransactionalId       string  0+  nullable
 *   TransactionTimeoutMs  int32   0+
 *   ProducerId            int64   3+  default -1
 *   ProducerEpoch         int16   3+  default -1
 *   (Enable2Pc bool 6+, KeepPreparedTxn bool 6+)
 *
 * InitProducerIdResponse, validVersions 0-6, flexibleVersions 2+:
 *   ThrottleTimeMs        int32   0+
 *   ErrorCode             int16   0+
 *   ProducerId            int64   0+  default -1
 *   ProducerEpoch         int16   0+
 *   (OngoingTxnProducerId int64 6+, OngoingTxnProducerEpoch int16 6+)
 *
 * v4 adds PRODUCER_FENCED, v5 TRANSACTION_ABORTABLE as possible errors.
 */

const FLEXIBLE = 2;

function encodeInitProducerId(w: Writer, version: number, request: InitProducerIdRequest): void {
  assertVersion(initProducerIdApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  writeString(w, flexible, request.transactionalId);
  w.int32(request.transactionTimeoutMs);
  if (version >= 3) w.int64(request.producerId ?? -1n).int16(request.producerEpoch ?? -1);
  endStruct(w, flexible);
}

function decodeInitProducerId(r: Reader, version: number): InitProducerIdResponse {
  assertVersion(initProducerIdApi, version, "decode");
  const response = {
    throttleTimeMs: r.int32(),
    errorCode: r.int16(),
    producerId: r.int64(),
    producerEpoch: r.int16(),
  };
  if (version >= FLEXIBLE) r.skipTags();
  return response;
}

function decodeInitProducerIdRequest(r: Reader, version: number): InitProducerIdRequest {
  assertVersion(initProducerIdApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const request: InitProducerIdRequest = {
    transactionalId: readNullableString(r, flexible),
    transactionTimeoutMs: r.int32(),
  };
  if (version >= 3) {
    request.producerId = r.int64();
    request.producerEpoch = r.int16();
  }
  if (flexible) r.skipTags();
  return request;
}

function encodeInitProducerIdResponse(
  w: Writer,
  version: number,
  response: InitProducerIdResponse,
): void {
  assertVersion(initProducerIdApi, version, "encode");
  w.int32(response.throttleTimeMs).int16(response.errorCode);
  w.int64(response.producerId).int16(response.producerEpoch);
  if (version >= FLEXIBLE) w.tags();
}

/**
 * The InitProducerId API, v0-v5, flexible from v2.
 *
 * @example Encoding an idempotent producer's request at v4
 * ```ts
 * import { initProducerIdApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * initProducerIdApi.encode(w, 4, { transactionalId: null, transactionTimeoutMs: 60000 });
 * console.log(w.length); // 16
 * ```
 */
export const initProducerIdApi: ServerApi<InitProducerIdRequest, InitProducerIdResponse> = {
  key: ApiKey.InitProducerId,
  name: "InitProducerId",
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: FLEXIBLE,
  encode: encodeInitProducerId,
  decode: decodeInitProducerId,
  decodeRequest: decodeInitProducerIdRequest,
  encodeResponse: encodeInitProducerIdResponse,
};
