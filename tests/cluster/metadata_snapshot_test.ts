import { test } from "node:test";
import assert from "node:assert/strict";
import { ClusterMetadata } from "../../src/cluster/cluster_metadata.ts";
import { MetadataSnapshot } from "../../src/cluster/metadata_snapshot.ts";
import type { MetadataResponse } from "../../src/protocol/metadata.ts";
import { systemClock } from "../../src/timers.ts";

/** A Metadata response: brokers 1..n, topic "t" with each partition's [leader, epoch]. */
function response(brokers: number, partitions: [number, number][]): MetadataResponse {
  const ids = Array.from({ length: brokers }, (_, i) => i + 1);
  return {
    throttleTimeMs: 0,
    brokers: ids.map((nodeId) => ({ nodeId, host: "127.0.0.1", port: 9090 + nodeId, rack: null })),
    clusterId: null,
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: "t",
      topicId: new Uint8Array(16),
      isInternal: false,
      partitions: partitions.map(([leaderId, leaderEpoch], partitionIndex) => ({
        errorCode: 0,
        partitionIndex,
        leaderId,
        leaderEpoch,
        replicaNodes: ids,
        isrNodes: ids,
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: 0,
    }],
    clusterAuthorizedOperations: 0,
    errorCode: 0,
  };
}

const leaderOf = (
  s: MetadataSnapshot,
  p: number,
) => [s.topics.get("t")!.leaders[p], s.topics.get("t")!.leaderEpochs[p]];

test("MetadataSnapshot.withLeaders() takes a newer leader, and only a newer one", () => {
  const snapshot = new MetadataSnapshot(response(2, [[1, 5], [2, 5]]), 0);
  const next = snapshot.withLeaders([
    { topic: "t", partition: 0, leaderId: 2, leaderEpoch: 6 }, // newer: taken
    { topic: "t", partition: 1, leaderId: 1, leaderEpoch: 5 }, // same epoch: ignored
  ], []);
  assert.deepEqual(leaderOf(next, 0), [2, 6]);
  assert.deepEqual(leaderOf(next, 1), [2, 5]);
  // The snapshot it came from is unchanged.
  assert.deepEqual(leaderOf(snapshot, 0), [1, 5]);
  const older = next.withLeaders([{ topic: "t", partition: 0, leaderId: 1, leaderEpoch: 4 }], []);
  assert.equal(older, next);
});

test("MetadataSnapshot.withLeaders() needs the leader's address, from the endpoints or known", () => {
  const snapshot = new MetadataSnapshot(response(2, [[1, 5]]), 0);
  const leader = { topic: "t", partition: 0, leaderId: 3, leaderEpoch: 6 };
  assert.equal(snapshot.withLeaders([leader], []), snapshot);
  const next = snapshot.withLeaders([leader], [{ nodeId: 3, host: "10.0.0.3", port: 9093 }]);
  assert.deepEqual(leaderOf(next, 0), [3, 6]);
  assert.deepEqual(next.brokers.get(3), { nodeId: 3, host: "10.0.0.3", port: 9093 });
  assert.equal(next.brokers.size, 3);
});

test("MetadataSnapshot.withLeaders() ignores unknown partitions and incomplete leaders", () => {
  const snapshot = new MetadataSnapshot(response(2, [[1, 5]]), 0);
  assert.equal(
    snapshot.withLeaders([
      { topic: "other", partition: 0, leaderId: 2, leaderEpoch: 9 },
      { topic: "t", partition: 1, leaderId: 2, leaderEpoch: 9 },
      { topic: "t", partition: 0, leaderId: -1, leaderEpoch: 9 },
      { topic: "t", partition: 0, leaderId: 2, leaderEpoch: -1 },
    ], []),
    snapshot,
  );
});

test("ClusterMetadata keeps a hinted leader when a later refresh brings an older epoch", async () => {
  const answers = [response(2, [[1, 5]]), response(2, [[1, 5]]), response(2, [[1, 7]])];
  const metadata = new ClusterMetadata(() => Promise.resolve(answers.shift()!), {
    metadataMaxAgeMs: 600_000,
    retryBackoffMs: 0,
    clock: systemClock,
  });
  let updates = 0;
  metadata.onUpdate(() => updates++);
  await metadata.requestUpdate();
  assert.equal(
    metadata.updateLeaders([{ topic: "t", partition: 0, leaderId: 2, leaderEpoch: 6 }], []),
    true,
  );
  assert.equal(updates, 2);
  // A broker that has not heard of the election yet answers epoch 5: the hint stays.
  await metadata.requestUpdate();
  assert.deepEqual(leaderOf(metadata.snapshot, 0), [2, 6]);
  // A newer election wins over the hint.
  await metadata.requestUpdate();
  assert.deepEqual(leaderOf(metadata.snapshot, 0), [1, 7]);
  metadata.close();
});
