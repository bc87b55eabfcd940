/**
 * Metadata (key 3): the brokers of the cluster, and for each topic asked its
 * partitions, their leaders and leader epochs. The producer asks only for the topics
 * it writes to, never lets the broker auto-create them (unless told to), and never
 * asks for authorized operations.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import { ErrorCode } from "./error_codes.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** One topic to fetch metadata for: by name, or (v12+) by id. */
export interface MetadataRequestTopic {
  /** The topic name; null to ask by `topicId` (v12+ only). */
  name: string | null;
  /**
   * The topic id (16 bytes), v10+. Versions 10 and 11 send it as all zeros (Kafka
   * never implemented lookup by id there); a non-zero id needs v12.
   *
   * @default {all zeros}
   */
  topicId?: Uint8Array;
}

/** A Metadata request. */
export interface MetadataRequest {
  /** The topics to describe; null for all topics, empty for none (brokers only). */
  topics: readonly MetadataRequestTopic[] | null;
  /**
   * Whether the broker may auto-create the requested topics that do not exist, if it
   * is configured to (v4+; earlier versions always allow it).
   *
   * @default {false}
   */
  allowAutoTopicCreation?: boolean;
  /**
   * Whether to return the cluster's authorized operations (v8-v10).
   *
   * @default {false}
   */
  includeClusterAuthorizedOperations?: boolean;
  /**
   * Whether to return each topic's authorized operations (v8+).
   *
   * @default {false}
   */
  includeTopicAuthorizedOperations?: boolean;
}

/** A broker in a Metadata response. */
export interface MetadataResponseBroker {
  /** The broker id. */
  nodeId: number;
  /** The broker's host name. */
  host: string;
  /** The broker's port. */
  port: number;
  /** The broker's rack (v1+), or null. */
  rack: string | null;
}

/** A partition in a Metadata response. */
export interface MetadataResponsePartition {
  /** The partition error, or NONE. */
  errorCode: number;
  /** The partition index. */
  partitionIndex: number;
  /** The leader's broker id, or -1. */
  leaderId: number;
  /** The leader epoch (v7+); -1 before. */
  leaderEpoch: number;
  /** All replicas of the partition. */
  replicaNodes: number[];
  /** The in-sync replicas. */
  isrNodes: number[];
  /** The offline replicas (v5+); empty before. */
  offlineReplicas: number[];
}

/** A topic in a Metadata response. */
export interface MetadataResponseTopic {
  /** The topic error, or NONE. */
  errorCode: number;
  /** The topic name; null (v12+) only for a topic asked by an unknown id. */
  name: string | null;
  /** The topic id (v10+); all zeros before, or for an unknown topic asked by name. */
  topicId: Uint8Array;
  /** Whether the topic is internal (v1+). */
  isInternal: boolean;
  /** The topic's partitions. */
  partitions: MetadataResponsePartition[];
  /** The topic's authorized operations bit field (v8+); -2147483648 when not asked. */
  topicAuthorizedOperations: number;
}

/** A Metadata response. Fields a version lacks hold Kafka's defaults. */
export interface MetadataResponse {
  /** Throttle time (v3+); 0 before. */
  throttleTimeMs: number;
  /** The brokers of the cluster. */
  brokers: MetadataResponseBroker[];
  /** The cluster id (v2+), or null. */
  clusterId: string | null;
  /** The controller's broker id (v1+), or -1. */
  controllerId: number;
  /** The topics asked (or all). */
  topics: MetadataResponseTopic[];
  /** The cluster's authorized operations (v8-v10); -2147483648 otherwise. */
  clusterAuthorizedOperations: number;
  /** The top-level error code (v13+, e.g. REBOOTSTRAP_REQUIRED); NONE before. */
  errorCode: number;
}

/*
 * MetadataRequest, validVersions 0-13 (this client: 1-13), flexibleVersions 9+:
 *   Topics                              []MetadataRequestTopic  0+  nullable 1+
 *     TopicId                           uuid    10+  (zero in v10-v11)
 *     Name                              string  0+   nullable 10+ (null only from v12)
 *   AllowAutoTopicCreation              bool    4+   default true
 *   IncludeClusterAuthorizedOperations  bool    8-10
 *   IncludeTopicAuthorizedOperations    bool    8+
 *
 * MetadataResponse, validVersions 0-13, flexibleVersions 9+:
 *   ThrottleTimeMs                int32   3+
 *   Brokers                       []MetadataResponseBroker  0+
 *     NodeId                      int32   0+
 *     Host                        string  0+
 *     Port                        int32   0+
 *     Rack                        string  1+  nullable
 *   ClusterId                     string  2+  nullable
 *   ControllerId                  int32   1+  default -1
 *   Topics                        []MetadataResponseTopic  0+
 *     ErrorCode                   int16   0+
 *     Name                        string  0+  nullable 12+
 *     TopicId                     uuid    10+
 *     IsInternal                  bool    1+
 *     Partitions                  []MetadataResponsePartition  0+
 *       ErrorCode                 int16   0+
 *       PartitionIndex            int32   0+
 *       LeaderId                  int32   0+
 *       LeaderEpoch               int32   7+  default -1
 *       ReplicaNodes              []int32 0+
 *       IsrNodes                  []int32 0+
 *       OfflineReplicas           []int32 5+
 *     TopicAuthorizedOperations   int32   8+  default -2147483648
 *   ClusterAuthorizedOperations   int32   8-10  default -2147483648
 *   ErrorCode                     int16   13+
 */

const FLEXIBLE = 9;
const NO_OPERATIONS = -2147483648;

function isZeroUuid(id: Uint8Array): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

function encodeMetadata(w: Writer, version: number, request: MetadataRequest): void {
  assertVersion(metadataApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const writeTopic = (w: Writer, topic: MetadataRequestTopic): void => {
    const id = topic.topicId;
    const byId = id !== undefined && !isZeroUuid(id);
    if (version < 12 && (topic.name === null || byId)) {
      throw new RangeError(
        `Cannot encode Metadata v${version} for a topic by id as that needs v12 or later`,
      );
    }
    if (version >= 10) w.uuid(id ?? new Uint8Array(16));
    if (flexible) w.compactString(topic.name).tags();
    else w.string(topic.name);
  };
  if (flexible) w.compactArray(request.topics, writeTopic);
  else w.array(request.topics, writeTopic);
  if (version >= 4) w.boolean(request.allowAutoTopicCreation ?? false);
  if (version >= 8 && version <= 10) w.boolean(request.includeClusterAuthorizedOperations ?? false);
  if (version >= 8) w.boolean(request.includeTopicAuthorizedOperations ?? false);
  if (flexible) w.tags();
}

function readInt32(r: Reader): number {
  return r.int32();
}

function decodeMetadata(r: Reader, version: number): MetadataResponse {
  assertVersion(metadataApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const int32s = (): number[] =>
    flexible ? r.requiredCompactArray(readInt32) : r.requiredArray(readInt32);
  const string = (): string | null => flexible ? r.compactString() : r.string();
  const requiredString = (what: string): string =>
    flexible ? r.requiredCompactString(what) : r.requiredString(what);

  const readBroker = (): MetadataResponseBroker => {
    const broker = {
      nodeId: r.int32(),
      host: requiredString("broker host"),
      port: r.int32(),
      rack: string(),
    };
    if (flexible) r.skipTags();
    return broker;
  };
  const readPartition = (): MetadataResponsePartition => {
    const partition = {
      errorCode: r.int16(),
      partitionIndex: r.int32(),
      leaderId: r.int32(),
      leaderEpoch: version >= 7 ? r.int32() : -1,
      replicaNodes: int32s(),
      isrNodes: int32s(),
      offlineReplicas: version >= 5 ? int32s() : [],
    };
    if (flexible) r.skipTags();
    return partition;
  };
  const readTopic = (): MetadataResponseTopic => {
    const topic = {
      errorCode: r.int16(),
      name: version >= 12 ? string() : requiredString("topic name"),
      topicId: version >= 10 ? r.uuid() : new Uint8Array(16),
      isInternal: r.boolean(),
      partitions: flexible ? r.requiredCompactArray(readPartition) : r.requiredArray(readPartition),
      topicAuthorizedOperations: version >= 8 ? r.int32() : NO_OPERATIONS,
    };
    if (flexible) r.skipTags();
    return topic;
  };

  const response: MetadataResponse = {
    throttleTimeMs: version >= 3 ? r.int32() : 0,
    brokers: flexible ? r.requiredCompactArray(readBroker) : r.requiredArray(readBroker),
    clusterId: version >= 2 ? string() : null,
    controllerId: r.int32(),
    topics: flexible ? r.requiredCompactArray(readTopic) : r.requiredArray(readTopic),
    clusterAuthorizedOperations: version >= 8 && version <= 10 ? r.int32() : NO_OPERATIONS,
    errorCode: version >= 13 ? r.int16() : ErrorCode.NONE,
  };
  if (flexible) r.skipTags();
  return response;
}

function decodeMetadataRequest(r: Reader, version: number): MetadataRequest {
  assertVersion(metadataApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const readTopic = (r: Reader): MetadataRequestTopic => {
    const topicId = version >= 10 ? r.uuid() : undefined;
    // Null (ask by id) is possible only from v10, all flexible.
    const name = flexible ? r.compactString() : r.requiredString("topic name");
    if (flexible) r.skipTags();
    return topicId === undefined ? { name } : { name, topicId };
  };
  const request: MetadataRequest = {
    topics: flexible ? r.compactArray(readTopic) : r.array(readTopic),
    // Before v4 a broker could always auto-create (if configured to).
    allowAutoTopicCreation: version >= 4 ? r.boolean() : true,
  };
  if (version >= 8 && version <= 10) request.includeClusterAuthorizedOperations = r.boolean();
  if (version >= 8) request.includeTopicAuthorizedOperations = r.boolean();
  if (flexible) r.skipTags();
  return request;
}

function encodeMetadataResponse(w: Writer, version: number, response: MetadataResponse): void {
  assertVersion(metadataApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const string = (value: string | null): void => {
    if (flexible) w.compactString(value);
    else w.string(value);
  };
  const int32s = (values: readonly number[]): void => {
    if (flexible) w.compactArray(values, (w, n) => w.int32(n));
    else w.array(values, (w, n) => w.int32(n));
  };
  const array = <T>(items: readonly T[], write: (item: T) => void): void => {
    if (flexible) w.unsignedVarint(items.length + 1);
    else w.int32(items.length);
    for (const item of items) write(item);
  };
  if (version >= 3) w.int32(response.throttleTimeMs);
  array(response.brokers, (broker) => {
    w.int32(broker.nodeId);
    string(broker.host);
    w.int32(broker.port);
    string(broker.rack);
    if (flexible) w.tags();
  });
  if (version >= 2) string(response.clusterId);
  w.int32(response.controllerId);
  array(response.topics, (topic) => {
    w.int16(topic.errorCode);
    string(topic.name);
    if (version >= 10) w.uuid(topic.topicId);
    w.boolean(topic.isInternal);
    array(topic.partitions, (partition) => {
      w.int16(partition.errorCode).int32(partition.partitionIndex).int32(partition.leaderId);
      if (version >= 7) w.int32(partition.leaderEpoch);
      int32s(partition.replicaNodes);
      int32s(partition.isrNodes);
      if (version >= 5) int32s(partition.offlineReplicas);
      if (flexible) w.tags();
    });
    if (version >= 8) w.int32(topic.topicAuthorizedOperations);
    if (flexible) w.tags();
  });
  if (version >= 8 && version <= 10) w.int32(response.clusterAuthorizedOperations);
  if (version >= 13) w.int16(response.errorCode);
  if (flexible) w.tags();
}

/**
 * The Metadata API, v1-v13, flexible from v9. Kafka 4.x still accepts v0-v13; v1 is
 * the oldest this client needs (v0 cannot ask for "all topics" with null).
 *
 * @example Asking for one topic at v12
 * ```ts
 * import { metadataApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * metadataApi.encode(w, 12, { topics: [{ name: "events" }] });
 * console.log(w.length); // 28
 * ```
 */
export const metadataApi: ServerApi<MetadataRequest, MetadataResponse> = {
  key: ApiKey.Metadata,
  name: "Metadata",
  minVersion: 1,
  maxVersion: 13,
  flexibleFrom: FLEXIBLE,
  encode: encodeMetadata,
  decode: decodeMetadata,
  decodeRequest: decodeMetadataRequest,
  encodeResponse: encodeMetadataResponse,
};
