/**
 * ListOffsets: the earliest offset (-2, and -4 earliest local, the same here), the
 * latest (-1: the high watermark, or the last stable offset for read_committed), the
 * record with the largest timestamp (-3), or the first record at or after a
 * timestamp, each with the leader epoch of that offset. There is no tiered storage,
 * so -5 (latest tiered) finds nothing.
 *
 * @module
 */

import { ApiKey } from "../../protocol/api.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  listOffsetsApi,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponsePartition,
  OffsetSpec,
} from "../../protocol/list_offsets.ts";
import type { PartitionState } from "../cluster_state.ts";
import { partitionKey } from "../faults.ts";
import { leaderEpochError, leadershipError, type RequestHandler } from "../handler.ts";
import { decodeStoredBatch } from "../stored_records.ts";

function found(
  partitionIndex: number,
  partition: PartitionState,
  offset: number,
  timestamp: number,
): ListOffsetsResponsePartition {
  return {
    partitionIndex,
    errorCode: ErrorCode.NONE,
    timestamp: BigInt(timestamp),
    offset: BigInt(offset),
    leaderEpoch: offset < 0 ? -1 : partition.log.epochAt(offset),
  };
}

function lookup(
  partitionIndex: number,
  partition: PartitionState,
  timestamp: bigint,
  committed: boolean,
  version: number,
): ListOffsetsResponsePartition {
  const log = partition.log;
  const upTo = committed ? log.lastStableOffset : log.logEndOffset;
  const unsupported = {
    ...found(partitionIndex, partition, -1, -1),
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
  };
  switch (timestamp) {
    case OffsetSpec.Latest:
      return found(partitionIndex, partition, upTo, -1);
    case OffsetSpec.Earliest:
      return found(partitionIndex, partition, log.logStartOffset, -1);
    case OffsetSpec.EarliestLocal:
      return version < 8 ? unsupported : found(partitionIndex, partition, log.logStartOffset, -1);
    case OffsetSpec.LatestTiered:
      return version < 9 ? unsupported : found(partitionIndex, partition, -1, -1);
    case OffsetSpec.MaxTimestamp: {
      if (version < 7) return unsupported;
      let best: { offset: number; timestamp: number } | undefined;
      for (const batch of log.batches()) {
        if (batch.control || batch.lastOffset >= upTo) continue;
        if (best !== undefined && batch.maxTimestamp <= best.timestamp) continue;
        for (const r of decodeStoredBatch(batch, partition.topic.name, partition.index)) {
          if (best === undefined || r.timestamp > best.timestamp) {
            best = { offset: Number(r.offset), timestamp: r.timestamp };
          }
        }
      }
      return best === undefined
        ? found(partitionIndex, partition, -1, -1)
        : found(partitionIndex, partition, best.offset, best.timestamp);
    }
  }
  if (timestamp < 0n) return found(partitionIndex, partition, -1, -1);
  const wanted = Number(timestamp);
  const batch = log.firstBatchAtOrAfter(wanted);
  if (batch !== undefined && batch.lastOffset < upTo) {
    for (const r of decodeStoredBatch(batch, partition.topic.name, partition.index)) {
      if (r.timestamp >= wanted) {
        return found(partitionIndex, partition, Number(r.offset), r.timestamp);
      }
    }
  }
  return found(partitionIndex, partition, -1, -1);
}

/** The ListOffsets handler, v1-v11. */
export const listOffsetsHandler: RequestHandler<ListOffsetsRequest, ListOffsetsResponse> = {
  api: listOffsetsApi,
  minVersion: 1,
  maxVersion: 11,
  partitioned: true,
  handle(ctx, request) {
    const cluster = ctx.cluster;
    const committed = (request.isolationLevel ?? 0) === 1;
    const injected = ctx.faults.takePartitionErrors(
      ApiKey.ListOffsets,
      ctx.node.id,
      request.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex }))
      ),
    );
    const failure = (partitionIndex: number, errorCode: number): ListOffsetsResponsePartition => ({
      partitionIndex,
      errorCode,
      timestamp: -1n,
      offset: -1n,
      leaderEpoch: -1,
    });
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const partition = cluster.topics.get(t.name)?.partitions[p.partitionIndex];
          if (partition === undefined) {
            return failure(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          }
          const code = injected.get(partitionKey(t.name, p.partitionIndex)) ??
            (leadershipError(ctx, partition) ||
              leaderEpochError(p.currentLeaderEpoch ?? -1, partition));
          if (code !== ErrorCode.NONE) return failure(p.partitionIndex, code);
          return lookup(p.partitionIndex, partition, p.timestamp, committed, ctx.version);
        }),
      })),
    };
  },
  errorResponse() {
    throw new Error("ListOffsets faults are put on partitions");
  },
};
