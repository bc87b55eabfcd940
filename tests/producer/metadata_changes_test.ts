import { test } from "node:test";
import assert from "node:assert/strict";
import { MetadataSnapshot } from "../../src/cluster/metadata_snapshot.ts";
import type { MetadataResponse } from "../../src/protocol/metadata.ts";
import { metadataChanges } from "../../src/producer/metadata_changes.ts";

/** A Metadata response: brokers by id, and per topic each partition's leader. */
function response(brokers: number[], topics: Record<string, number[]>): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: brokers.map((nodeId) => ({
      nodeId,
      host: "127.0.0.1",
      port: 9090 + nodeId,
      rack: null,
    })),
    clusterId: null,
    controllerId: brokers[0] ?? -1,
    topics: Object.entries(topics).map(([name, leaders]) => ({
      errorCode: 0,
      name,
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: leaders.map((leaderId, partitionIndex) => ({
        errorCode: 0,
        partitionIndex,
        leaderId,
        leaderEpoch: 7,
        replicaNodes: brokers,
        isrNodes: brokers,
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: 0,
    })),
    clusterAuthorizedOperations: 0,
    errorCode: 0,
  };
}

const snapshot = (brokers: number[], topics: Record<string, number[]>) =>
  new MetadataSnapshot(response(brokers, topics), 1);

test("metadataChanges() names brokers added and removed, and new topics' partition counts", () => {
  const first = metadataChanges(new MetadataSnapshot(null, 0), snapshot([1, 2], { a: [1, 2] }));
  assert.deepEqual(first.metadata, {
    brokers: [{ nodeId: 1, address: "127.0.0.1:9091" }, { nodeId: 2, address: "127.0.0.1:9092" }],
    brokersAdded: [1, 2],
    brokersRemoved: [],
    partitions: [{ topic: "a", from: 0, to: 2 }],
    leaderChanges: 0,
  });
  assert.deepEqual(first.leaders, [], "a topic seen for the first time moved no leader");
  const later = metadataChanges(
    snapshot([1, 2], { a: [1, 2] }),
    snapshot([2, 3], { a: [2, 2, 3] }),
  );
  assert.deepEqual(later.metadata?.brokersAdded, [3]);
  assert.deepEqual(later.metadata?.brokersRemoved, [1]);
  assert.deepEqual(later.metadata?.partitions, [{ topic: "a", from: 2, to: 3 }]);
});

test("metadataChanges() reports each partition whose leader moved, or lost its leader", () => {
  const changes = metadataChanges(
    snapshot([1, 2, 3], { a: [1, 2, 3], b: [1] }),
    snapshot([1, 2, 3], { a: [2, 2, 3], b: [9] }), // 9 is no broker: no leader
  );
  assert.deepEqual(changes.leaders, [
    { topic: "a", partition: 0, previousLeader: 1, leader: 2, leaderEpoch: 7 },
    { topic: "b", partition: 0, previousLeader: 1, leader: -1, leaderEpoch: 7 },
  ]);
  assert.equal(changes.metadata?.leaderChanges, 2);
});

test("metadataChanges() says nothing of a refresh that changed nothing", () => {
  const same = metadataChanges(snapshot([1], { a: [1] }), snapshot([1], { a: [1] }));
  assert.equal(same.metadata, null);
  assert.deepEqual(same.leaders, []);
  const s = snapshot([1], {});
  assert.equal(metadataChanges(s, s).metadata, null);
});
