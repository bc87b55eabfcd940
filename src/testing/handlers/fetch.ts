/**
 * Fetch: whole stored batches from the one holding the offset asked, up to the high
 * watermark (read_uncommitted) or the last stable offset (read_committed, with the
 * aborted transactions of the range), within the partition and request byte limits
 * (the first batch comes even when larger, KIP-74). With less than `minBytes` it
 * waits up to `maxWaitMs` for the cluster to change. It checks leadership, the
 * client's leader epoch (KIP-320) and its last fetched epoch (a diverging epoch means
 * the log it read was truncated). Fetch sessions are never opened: the session id
 * answered is 0, so clients send full requests.
 *
 * @module
 */

import { ApiKey } from "../../protocol/api.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  fetchApi,
  type FetchNodeEndpoint,
  type FetchRequest,
  type FetchRequestPartition,
  type FetchResponse,
  type FetchResponsePartition,
} from "../../protocol/fetch.ts";
import type { PartitionState, TopicState } from "../cluster_state.ts";
import { partitionKey } from "../faults.ts";
import {
  type BrokerContext,
  leaderEpochError,
  leaderHint,
  leadershipError,
  NO_TOPIC_ID,
  type RequestHandler,
  resolveTopics,
} from "../handler.ts";

function empty(partitionIndex: number, errorCode: number): FetchResponsePartition {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
    divergingEpoch: null,
    currentLeader: null,
    snapshotId: null,
  };
}

interface Built {
  response: FetchResponse;
  bytes: number;
  errors: boolean;
  /** Unpins what the answer points into. */
  release: () => void;
}

/**
 * One pass over a Fetch request: each partition's answer, within the request's byte
 * budget, and what the answer pins in the logs.
 */
class FetchPass {
  bytes = 0;
  errors = false;
  readonly releases: (() => void)[] = [];
  readonly endpoints = new Map<number, FetchNodeEndpoint>();
  readonly #ctx: BrokerContext;
  readonly #committed: boolean;
  readonly #injected: Map<string, number>;
  #budget: number;

  constructor(ctx: BrokerContext, request: FetchRequest, injected: Map<string, number>) {
    this.#ctx = ctx;
    this.#committed = (request.isolationLevel ?? 0) === 1;
    this.#budget = request.maxBytes ?? 0x7fffffff;
    this.#injected = injected;
  }

  partition(topic: TopicState | undefined, p: FetchRequestPartition): FetchResponsePartition {
    const ctx = this.#ctx;
    if (topic === undefined) {
      this.errors = true;
      return empty(
        p.partition,
        ctx.version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      );
    }
    const partition = topic.partitions[p.partition];
    if (partition === undefined) {
      this.errors = true;
      return empty(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }
    const code = this.#injected.get(partitionKey(topic.name, p.partition)) ??
      (leadershipError(ctx, partition) ||
        leaderEpochError(p.currentLeaderEpoch ?? -1, partition));
    if (code !== ErrorCode.NONE) return this.#refused(partition, p.partition, code);
    return this.#read(partition, p);
  }

  #refused(partition: PartitionState, index: number, code: number): FetchResponsePartition {
    this.errors = true;
    const answer = empty(index, code);
    if (
      this.#ctx.version >= 12 &&
      (code === ErrorCode.NOT_LEADER_OR_FOLLOWER || code === ErrorCode.FENCED_LEADER_EPOCH)
    ) {
      const hint = leaderHint(this.#ctx, partition);
      answer.currentLeader = hint.leader;
      if (hint.endpoint !== null) this.endpoints.set(hint.endpoint.nodeId, hint.endpoint);
    }
    return answer;
  }

  /** The batches from the offset asked, unless the fetcher's log diverged or the offset is out of range. */
  #read(partition: PartitionState, p: FetchRequestPartition): FetchResponsePartition {
    const log = partition.log;
    const committed = this.#committed;
    const answer: FetchResponsePartition = {
      ...empty(p.partition, ErrorCode.NONE),
      highWatermark: BigInt(log.logEndOffset),
      lastStableOffset: BigInt(log.lastStableOffset),
      logStartOffset: BigInt(log.logStartOffset),
      abortedTransactions: committed ? [] : null,
      records: [],
    };
    const offset = Number(p.fetchOffset);
    const lastFetched = p.lastFetchedEpoch ?? -1;
    if (this.#ctx.version >= 12 && lastFetched >= 0) {
      const end = log.endOffsetFor(lastFetched);
      if (end.epoch < lastFetched || end.endOffset < offset) {
        answer.divergingEpoch = { epoch: end.epoch, endOffset: BigInt(end.endOffset) };
        return answer;
      }
    }
    if (offset < log.logStartOffset || offset > log.logEndOffset) {
      this.errors = true;
      return { ...answer, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: null };
    }
    const upTo = committed ? log.lastStableOffset : log.logEndOffset;
    const limit = Math.min(p.partitionMaxBytes, this.#budget);
    const read = log.read(offset, upTo, Math.max(0, limit), this.bytes === 0);
    this.releases.push(read.release);
    if (read.batches.length > 0) {
      answer.records = read.batches.map((b) => b.bytes);
      this.bytes += read.bytes;
      this.#budget -= read.bytes;
      if (committed) {
        const end = read.batches.at(-1)!.lastOffset + 1;
        answer.abortedTransactions = log.abortedBetween(offset, end).map((t) => ({
          producerId: t.producerId,
          firstOffset: BigInt(t.firstOffset),
        }));
      }
    }
    return answer;
  }
}

function build(
  ctx: BrokerContext,
  request: FetchRequest,
  topics: (TopicState | undefined)[],
  injected: Map<string, number>,
): Built {
  const byId = ctx.version >= 13;
  const pass = new FetchPass(ctx, request, injected);
  const responses = request.topics.map((asked, i) => {
    const topic = topics[i];
    return {
      topic: byId ? "" : asked.topic,
      topicId: topic?.id ?? asked.topicId ?? NO_TOPIC_ID,
      partitions: asked.partitions.map((p) => pass.partition(topic, p)),
    };
  });
  return {
    response: {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: 0,
      responses,
      nodeEndpoints: [...pass.endpoints.values()],
    },
    bytes: pass.bytes,
    errors: pass.errors,
    release: () => {
      for (const release of pass.releases) release();
    },
  };
}

/** The Fetch handler, v4-v18. */
export const fetchHandler: RequestHandler<FetchRequest, FetchResponse> = {
  api: fetchApi,
  minVersion: 4,
  maxVersion: 18,
  partitioned: true,
  async handle(ctx, request) {
    if ((request.sessionId ?? 0) !== 0) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
        sessionId: 0,
        responses: [],
        nodeEndpoints: [],
      };
    }
    const { topics, injected } = resolveTopics(
      ctx,
      ApiKey.Fetch,
      request.topics.map((t) => ({
        name: t.topic,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => p.partition),
      })),
    );
    const deadline = Date.now() + Math.max(0, request.maxWaitMs);
    let built = build(ctx, request, topics, injected);
    while (built.bytes < request.minBytes && !built.errors && !ctx.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await ctx.cluster.waitForChange(left, ctx.signal);
      built.release();
      built = build(ctx, request, topics, new Map());
    }
    ctx.defer(built.release);
    return built.response;
  },
  errorResponse() {
    throw new Error("Fetch faults are put on partitions");
  },
};
