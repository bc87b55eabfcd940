/**
 * Metadata: the live brokers, and for the topics asked (or all) their ids and
 * partitions with leader, leader epoch, replicas, in-sync replicas (the live ones)
 * and offline replicas. An unknown topic is UNKNOWN_TOPIC_OR_PARTITION (by id:
 * UNKNOWN_TOPIC_ID), or, when the broker auto-creates topics and the client allows
 * it, created on the spot with the default settings.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  metadataApi,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
} from "../../protocol/metadata.ts";
import { hexOf, type TopicState, validTopicName } from "../cluster_state.ts";
import { type BrokerContext, NO_TOPIC_ID, type RequestHandler } from "../handler.ts";

const NO_OPERATIONS = -2147483648;
/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS: no authorizer. */
const TOPIC_OPERATIONS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) |
  (1 << 10) | (1 << 11);
function describe(
  ctx: BrokerContext,
  topic: TopicState,
  operations: boolean,
): MetadataResponseTopic {
  const live = new Set(ctx.cluster.liveBrokerIds());
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: false,
    partitions: topic.partitions.map((p) => ({
      errorCode: p.leader < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.index,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: p.replicas.filter((r) => live.has(r)),
      offlineReplicas: p.replicas.filter((r) => !live.has(r)),
    })),
    topicAuthorizedOperations: operations ? TOPIC_OPERATIONS : NO_OPERATIONS,
  };
}

function missing(
  name: string | null,
  topicId: Uint8Array,
  errorCode: number,
): MetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: NO_OPERATIONS,
  };
}

function response(
  ctx: BrokerContext,
  topics: MetadataResponseTopic[],
  errorCode = 0,
): MetadataResponse {
  const live = ctx.cluster.liveBrokerIds();
  return {
    throttleTimeMs: 0,
    brokers: live.map((id) => {
      const node = ctx.cluster.brokers.get(id)!;
      return { nodeId: id, host: node.host, port: node.port, rack: null };
    }),
    clusterId: ctx.cluster.settings.clusterId,
    controllerId: live[0] ?? -1,
    topics,
    clusterAuthorizedOperations: NO_OPERATIONS,
    errorCode,
  };
}

/** The Metadata handler, v1-v13. */
export const metadataHandler: RequestHandler<MetadataRequest, MetadataResponse> = {
  api: metadataApi,
  minVersion: 1,
  maxVersion: 13,
  partitioned: false,
  handle(ctx, request) {
    const operations = request.includeTopicAuthorizedOperations === true;
    const cluster = ctx.cluster;
    if (request.topics === null) {
      return response(ctx, [...cluster.topics.values()].map((t) => describe(ctx, t, operations)));
    }
    const topics = request.topics.map((asked): MetadataResponseTopic => {
      const id = asked.topicId;
      if (asked.name === null) {
        const topic = id === undefined ? undefined : cluster.topicsById.get(hexOf(id));
        return topic === undefined
          ? missing(null, id ?? NO_TOPIC_ID, ErrorCode.UNKNOWN_TOPIC_ID)
          : describe(ctx, topic, operations);
      }
      let topic = cluster.topics.get(asked.name);
      if (topic === undefined) {
        if (!validTopicName(asked.name)) {
          return missing(asked.name, NO_TOPIC_ID, ErrorCode.INVALID_TOPIC_EXCEPTION);
        }
        if (!ctx.settings.autoCreateTopics || request.allowAutoTopicCreation === false) {
          return missing(asked.name, NO_TOPIC_ID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        const config = { ...ctx.settings.defaultTopic };
        config.replicationFactor = Math.min(config.replicationFactor, cluster.brokers.size);
        topic = cluster.createTopic(asked.name, config);
      }
      return describe(ctx, topic, operations);
    });
    return response(ctx, topics);
  },
  errorResponse(ctx, request, code) {
    // Before v13 a Metadata response has no top-level error: each topic carries it.
    const topics = (request.topics ?? []).map((t) =>
      missing(t.name, t.topicId ?? NO_TOPIC_ID, code)
    );
    return response(ctx, ctx.version >= 13 ? [] : topics, ctx.version >= 13 ? code : 0);
  },
};
