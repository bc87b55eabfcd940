/**
 * What a Produce response says of each batch it answers: stored (at which offset), or
 * failed with a typed error; and what it says of the cluster: leaders that moved
 * (KIP-951's CurrentLeader) and whether metadata should be refreshed. Pure: the sender
 * acts on the outcome.
 *
 * @module
 */

import type { PartitionLeader } from "../cluster/metadata_snapshot.ts";
import { KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { ProduceResponse } from "../protocol/produce.ts";
import { movesLeader } from "./failure_policy.ts";
import { produceResults } from "./produce_request.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/** One batch's outcome. */
export type BatchResult =
  | { readonly stored: true; readonly baseOffset: bigint; readonly logAppendTime: number }
  | { readonly stored: false; readonly error: KafkaError };

/** What one Produce response says. */
export interface ProduceOutcome {
  /** Per batch sent, in the order given. */
  readonly results: readonly BatchResult[];
  /** Leaders the broker named for partitions it no longer leads. */
  readonly leaders: readonly PartitionLeader[];
  /** Whether an error means the cluster moved and metadata should be refreshed. */
  readonly refresh: boolean;
}

/**
 * Reads a Produce response for the batches of its request. A batch it does not mention
 * failed with NETWORK_EXCEPTION; DUPLICATE_SEQUENCE_NUMBER counts as stored (the broker
 * has it already). A leader named in the answer to NOT_LEADER_OR_FOLLOWER or
 * FENCED_LEADER_EPOCH is reported when `leaderHints` is on.
 *
 * @param response The response.
 * @param batches The batches the request carried.
 * @param topicId The topic id a topic was sent under (Produce v13 answers by id).
 * @param leaderHints Whether to report the leaders the answer names (KIP-951).
 * @returns The outcome.
 *
 * @example A partition that moved, and the leader the broker names for it
 * ```ts
 * import { readProduceOutcome } from "./produce_outcome.ts";
 * import type { ProducerBatch } from "./producer_batch.ts";
 *
 * const batch = { topic: "t", partition: 0 } as ProducerBatch;
 * const outcome = readProduceOutcome({
 *   throttleTimeMs: 0,
 *   nodeEndpoints: [],
 *   responses: [{
 *     name: "t",
 *     topicId: new Uint8Array(16),
 *     partitionResponses: [{
 *       index: 0,
 *       errorCode: 6, // NOT_LEADER_OR_FOLLOWER
 *       baseOffset: -1n,
 *       logAppendTimeMs: -1n,
 *       logStartOffset: -1n,
 *       recordErrors: [],
 *       errorMessage: null,
 *       currentLeader: { leaderId: 2, leaderEpoch: 7 },
 *     }],
 *   }],
 * }, [batch], () => undefined, true);
 * console.log(outcome.results[0]!.stored, outcome.leaders[0]!.leaderId, outcome.refresh); // false 2 true
 * ```
 */
export function readProduceOutcome(
  response: ProduceResponse,
  batches: readonly ProducerBatch[],
  topicId: (topic: string) => Uint8Array | undefined,
  leaderHints: boolean,
): ProduceOutcome {
  const byBatch = produceResults(response, batches, topicId);
  const leaders: PartitionLeader[] = [];
  let refresh = false;
  const results = batches.map((batch): BatchResult => {
    const result = byBatch.get(batch);
    if (result === undefined) {
      return {
        stored: false,
        error: new KafkaError(ErrorCode.NETWORK_EXCEPTION, {
          topic: batch.topic,
          partition: batch.partition,
          message:
            `Cannot read the result of ${batch.topic}-${batch.partition} as the Produce response did not mention it`,
          byClient: true,
        }),
      };
    }
    const code = result.errorCode;
    if (code === ErrorCode.NONE || code === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      return {
        stored: true,
        baseOffset: result.baseOffset,
        logAppendTime: Number(result.logAppendTimeMs),
      };
    }
    if (movesLeader(code)) refresh = true;
    const leader = result.currentLeader;
    if (
      leaderHints && leader !== null && leader.leaderId >= 0 && leader.leaderEpoch >= 0 &&
      (code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.FENCED_LEADER_EPOCH)
    ) {
      leaders.push({ topic: batch.topic, partition: batch.partition, ...leader });
    }
    return {
      stored: false,
      error: new KafkaError(code, {
        topic: batch.topic,
        partition: batch.partition,
        ...(result.errorMessage ? { message: result.errorMessage } : {}),
      }),
    };
  });
  return { results, leaders, refresh };
}
