/**
 * AddPartitionsToTxn (the client form, v0-v3): partitions join the producer's open
 * transaction at its coordinator. An unknown partition fails with
 * UNKNOWN_TOPIC_OR_PARTITION and the others with OPERATION_NOT_ATTEMPTED, as in Kafka.
 *
 * @module
 */

import {
  addPartitionsToTxnApi,
  type AddPartitionsToTxnRequest,
  type AddPartitionsToTxnResponse,
} from "../../protocol/add_partitions_to_txn.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import type { PartitionState } from "../cluster_state.ts";
import { fencedCode, type RequestHandler } from "../handler.ts";

function everyPartition(
  request: AddPartitionsToTxnRequest,
  code: (t: string, p: number) => number,
): AddPartitionsToTxnResponse {
  return {
    throttleTimeMs: 0,
    resultsByTopic: request.topics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({
        partitionIndex: p,
        partitionErrorCode: code(t.name, p),
      })),
    })),
  };
}

/** The AddPartitionsToTxn handler, v0-v3. */
export const addPartitionsToTxnHandler: RequestHandler<
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse
> = {
  api: addPartitionsToTxnApi,
  minVersion: 0,
  maxVersion: 3,
  partitioned: false,
  handle(ctx, request) {
    if (ctx.coordinator.coordinatorFor(request.transactionalId) !== ctx.node.id) {
      return everyPartition(request, () => ErrorCode.NOT_COORDINATOR);
    }
    const txn = ctx.coordinator.check(
      request.transactionalId,
      request.producerId,
      request.producerEpoch,
    );
    if (typeof txn === "number") {
      const code = fencedCode(txn, ctx.version, 2);
      return everyPartition(request, () => code);
    }
    const partitions: PartitionState[] = [];
    const unknown = new Set<string>();
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const partition = ctx.cluster.topics.get(t.name)?.partitions[p];
        if (partition === undefined) unknown.add(`${t.name}\u0000${p}`);
        else partitions.push(partition);
      }
    }
    if (unknown.size > 0) {
      return everyPartition(
        request,
        (t, p) =>
          unknown.has(`${t}\u0000${p}`)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : ErrorCode.OPERATION_NOT_ATTEMPTED,
      );
    }
    ctx.coordinator.addPartitions(txn, partitions);
    return everyPartition(request, () => ErrorCode.NONE);
  },
  errorResponse: (_ctx, request, code) => everyPartition(request, () => code),
};
