/**
 * OffsetForLeaderEpoch: where a leader epoch ended in a partition's log (KIP-320),
 * for consumers that check their position after a leader change.
 *
 * @module
 */

import { ApiKey } from "../../protocol/api.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  offsetForLeaderEpochApi,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from "../../protocol/offset_for_leader_epoch.ts";
import { partitionKey } from "../faults.ts";
import { leaderEpochError, leadershipError, type RequestHandler } from "../handler.ts";

/** The OffsetForLeaderEpoch handler, v2-v4. */
export const offsetForLeaderEpochHandler: RequestHandler<
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse
> = {
  api: offsetForLeaderEpochApi,
  minVersion: 2,
  maxVersion: 4,
  partitioned: true,
  handle(ctx, request) {
    const injected = ctx.faults.takePartitionErrors(
      ApiKey.OffsetForLeaderEpoch,
      ctx.node.id,
      request.topics.flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.topic, partition: p.partition }))
      ),
    );
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const partition = ctx.cluster.topics.get(t.topic)?.partitions[p.partition];
          const code = partition === undefined
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : injected.get(partitionKey(t.topic, p.partition)) ??
              (leadershipError(ctx, partition) ||
                leaderEpochError(p.currentLeaderEpoch, partition));
          if (partition === undefined || code !== ErrorCode.NONE) {
            return { errorCode: code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
          }
          const end = partition.log.endOffsetFor(p.leaderEpoch);
          return {
            errorCode: ErrorCode.NONE,
            partition: p.partition,
            leaderEpoch: end.epoch,
            endOffset: BigInt(end.endOffset),
          };
        }),
      })),
    };
  },
  errorResponse() {
    throw new Error("OffsetForLeaderEpoch faults are put on partitions");
  },
};
