/**
 * Produce: each partition's batch checked as Kafka checks it (leadership, the batch
 * itself, the transaction it claims, its producer's sequence) and appended to the
 * partition's log, or refused with Kafka's error code. A duplicate of one of the
 * producer's last five batches is answered with the offset it got the first time,
 * and nothing is appended. With acks 0 nothing is answered.
 *
 * A transactional batch that opens the producer's transaction on a partition is
 * verified with the coordinator first (KIP-890 part 1): a partition the transaction
 * did not add is TRANSACTION_ABORTABLE from Produce v11, INVALID_TXN_STATE before,
 * and from v12 (KIP-890 part 2), once the cluster finalized `transaction.version` 2,
 * the broker adds it to the transaction itself.
 *
 * @module
 */

import { ApiKey } from "../../protocol/api.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  produceApi,
  type ProduceNodeEndpoint,
  type ProducePartitionData,
  type ProducePartitionResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceTopicResponse,
} from "../../protocol/produce.ts";
import { validateBatch } from "../batch_validation.ts";
import type { PartitionState, TopicState } from "../cluster_state.ts";
import { partitionKey } from "../faults.ts";
import {
  type BrokerContext,
  leaderHint,
  leadershipError,
  NO_TOPIC_ID,
  type RequestHandler,
  resolveTopics,
} from "../handler.ts";

interface Outcome {
  errorCode: number;
  baseOffset: number;
  message: string | null;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

function refused(errorCode: number, message: string | null = null): Outcome {
  return { errorCode, baseOffset: -1, message, recordErrors: [] };
}

/** The transaction check of a transactional batch; 0 when it may go on. */
function verifyTransaction(
  ctx: BrokerContext,
  request: ProduceRequest,
  partition: PartitionState,
  producerId: bigint,
  producerEpoch: number,
): number {
  const transactionalId = request.transactionalId;
  if (transactionalId === null) return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if ((partition.producers.get(producerId)?.txnFirstOffset ?? -1) >= 0) return ErrorCode.NONE;
  const txn = ctx.coordinator.check(transactionalId, producerId, producerEpoch);
  if (typeof txn === "number") {
    return txn === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : txn;
  }
  if (txn.state === "Ongoing" && txn.partitions.has(partition)) return ErrorCode.NONE;
  if (ctx.version >= 12 && ctx.settings.transactionVersion >= 2) {
    ctx.coordinator.addPartitions(txn, [partition]);
    return ErrorCode.NONE;
  }
  return ctx.version >= 11 ? ErrorCode.TRANSACTION_ABORTABLE : ErrorCode.INVALID_TXN_STATE;
}

function produceTo(
  ctx: BrokerContext,
  request: ProduceRequest,
  partition: PartitionState,
  records: Uint8Array | null,
): Outcome {
  if (records === null) return refused(ErrorCode.INVALID_RECORD, "A partition's records are null");
  const checked = validateBatch(records, {
    maxMessageBytes: partition.topic.config.maxMessageBytes,
    timestampAfterMaxMs: ctx.settings.timestampAfterMaxMs,
    now: ctx.cluster.settings.now(),
    produceVersion: ctx.version,
  });
  if (!checked.ok) {
    return {
      errorCode: checked.code,
      baseOffset: -1,
      message: checked.message,
      recordErrors: checked.recordErrors.map((e) => ({
        batchIndex: e.batchIndex,
        batchIndexErrorMessage: e.message,
      })),
    };
  }
  const header = checked.header;
  const transactional = (header.attributes & 0x10) !== 0;
  if (header.producerId < 0n) return { ...refused(0), baseOffset: partition.append(records) };
  if (transactional) {
    const code = verifyTransaction(
      ctx,
      request,
      partition,
      header.producerId,
      header.producerEpoch,
    );
    if (code !== ErrorCode.NONE) {
      return refused(code, `The transaction check failed for producer ${header.producerId}`);
    }
  }
  const sequenced = {
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    count: header.count,
    transactional,
  };
  const check = partition.producers.check(sequenced);
  if (check.kind === "error") return refused(check.code, check.message);
  if (check.kind === "duplicate") return { ...refused(0), baseOffset: check.firstOffset };
  const baseOffset = partition.append(records);
  if (partition.producers.appended(sequenced, baseOffset)) {
    partition.log.openTransaction(header.producerId, baseOffset);
  }
  return { ...refused(0), baseOffset };
}

/** Where a partition's answer stands while a request is served. */
interface Answer {
  outcome: Outcome;
  currentLeader: { leaderId: number; leaderEpoch: number } | null;
}

/** Checks a partition of the request and, when it may, appends its batch. */
function answerPartition(
  ctx: BrokerContext,
  request: ProduceRequest,
  topic: TopicState | undefined,
  p: ProducePartitionData,
  injected: Map<string, number>,
  endpoints: Map<number, ProduceNodeEndpoint>,
): Answer {
  const partition = topic?.partitions[p.index];
  if (topic === undefined) {
    const code = ctx.version >= 13
      ? ErrorCode.UNKNOWN_TOPIC_ID
      : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return { outcome: refused(code), currentLeader: null };
  }
  if (partition === undefined) {
    return { outcome: refused(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), currentLeader: null };
  }
  if (request.acks !== -1 && request.acks !== 0 && request.acks !== 1) {
    return { outcome: refused(ErrorCode.INVALID_REQUIRED_ACKS), currentLeader: null };
  }
  const code = injected.get(partitionKey(topic.name, p.index)) ?? leadershipError(ctx, partition);
  if (code === ErrorCode.NONE) {
    return { outcome: produceTo(ctx, request, partition, p.records), currentLeader: null };
  }
  if (code !== ErrorCode.NOT_LEADER_OR_FOLLOWER || ctx.version < 10) {
    return { outcome: refused(code), currentLeader: null };
  }
  const hint = leaderHint(ctx, partition);
  if (hint.endpoint !== null) endpoints.set(hint.endpoint.nodeId, hint.endpoint);
  return { outcome: refused(code), currentLeader: hint.leader };
}

/** The Produce handler, v3-v13. */
export const produceHandler: RequestHandler<ProduceRequest, ProduceResponse> = {
  api: produceApi,
  minVersion: 3,
  maxVersion: 13,
  partitioned: true,
  handle(ctx, request) {
    const byId = ctx.version >= 13;
    const { topics, injected } = resolveTopics(
      ctx,
      ApiKey.Produce,
      request.topicData.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitionData.map((p) => p.index),
      })),
    );
    const endpoints = new Map<number, ProduceNodeEndpoint>();
    let appended = false;
    const responses = request.topicData.map((data, i): ProduceTopicResponse => {
      const topic: TopicState | undefined = topics[i];
      const partitionResponses = data.partitionData.map((p): ProducePartitionResponse => {
        const partition = topic?.partitions[p.index];
        const { outcome, currentLeader } = answerPartition(
          ctx,
          request,
          topic,
          p,
          injected,
          endpoints,
        );
        // Only a batch that was checked and appended (or is a duplicate) comes out as NONE.
        if (outcome.errorCode === ErrorCode.NONE) appended = true;
        const known = partition !== undefined &&
          outcome.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER;
        return {
          index: p.index,
          errorCode: outcome.errorCode,
          baseOffset: BigInt(outcome.baseOffset),
          logAppendTimeMs: -1n,
          logStartOffset: known ? BigInt(partition.log.logStartOffset) : -1n,
          recordErrors: outcome.recordErrors,
          errorMessage: outcome.message,
          currentLeader,
        };
      });
      return {
        name: byId ? "" : data.name,
        topicId: topic?.id ?? data.topicId ?? NO_TOPIC_ID,
        partitionResponses,
      };
    });
    if (appended) ctx.cluster.changed();
    if (request.acks === 0) return null;
    return { responses, throttleTimeMs: 0, nodeEndpoints: [...endpoints.values()] };
  },
  errorResponse() {
    throw new Error("Produce faults are put on partitions");
  },
};
