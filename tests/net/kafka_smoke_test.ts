// Smoke test of the net layer against a real broker with the real codecs: ApiVersions
// (whose response header is v0 even at flexible versions) and Metadata (flexible
// headers), pipelined on one connection. Runs when a broker answers at
// KAFKA_BOOTSTRAP (default the first broker of the local cluster of tests/kafka, moved
// by KAFKA_TEST_PORT_OFFSET, started when it does not run); skipped otherwise, failed
// instead with KAFKA_REQUIRED=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { connectBroker } from "../../src/net/connect_broker.ts";
import type { ConnectFunction } from "../../src/net/transport.ts";
import { ApiKey } from "../../src/protocol/api.ts";
import { apiVersionsApi, type ApiVersionsResponse } from "../../src/protocol/api_versions.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { negotiateVersion } from "../../src/protocol/versions.ts";
import { kafkaReady } from "../integration/kafka_setup.ts";
import { bootstrapServers } from "../kafka/cluster.ts";

const [host = "127.0.0.1", portText = "19092"] =
  (process.env.KAFKA_BOOTSTRAP ?? bootstrapServers[0]!)
    .split(",")[0]!.split(":");
const port = Number(portText);

async function brokerAnswers(): Promise<boolean> {
  // The local cluster is started when it is not running (and KAFKA_BOOTSTRAP unset).
  if (process.env.KAFKA_BOOTSTRAP === undefined && !(await kafkaReady())) return false;
  try {
    const connection = await connectBroker({ host, port, connectTimeoutMs: 1000 });
    connection.close();
    await connection.closed;
    return true;
  } catch (error) {
    if (process.env.KAFKA_REQUIRED === "1") throw error;
    console.error(
      `Skipping the Kafka smoke test: no broker at ${host}:${port} (${(error as Error).message})`,
    );
    return false;
  }
}

const skip = !(await brokerAnswers());

const connects: { name: string; load: () => Promise<ConnectFunction | undefined> }[] = [
  { name: "the runtime's default sockets", load: () => Promise.resolve(undefined) },
  {
    name: "node:net",
    load: async () => (await import("../../src/net/node_transport.ts")).connectNode,
  },
];

for (const { name, load } of connects) {
  test(`a Connection over ${name} negotiates versions and reads Metadata from a real broker`, {
    skip,
  }, async () => {
    const connect = await load();
    const connection = await connectBroker({
      host,
      port,
      clientId: "webstream-net-smoke",
      ...(connect === undefined ? {} : { connect }),
    });
    try {
      const request = { clientSoftwareVersion: "0.1.0" };
      // Pipelined: a non-flexible and a flexible ApiVersions (both answered with header v0).
      const [v0, v3] = await Promise.all([
        connection.request(apiVersionsApi, 0, request),
        connection.request(apiVersionsApi, 3, request),
      ]);
      for (const response of [v0, v3] as ApiVersionsResponse[]) {
        assert.equal(response.errorCode, 0);
        const produce = response.apiKeys.find((range) => range.apiKey === ApiKey.Produce);
        assert.ok(produce !== undefined && produce.maxVersion >= 3, "the broker takes Produce v3+");
      }
      const metadataVersion = negotiateVersion(metadataApi, v3.apiKeys);
      assert.ok(metadataVersion !== null && metadataVersion >= metadataApi.flexibleFrom);
      // Flexible request and response headers, alongside a non-flexible request.
      const [metadata, again] = await Promise.all([
        connection.request(metadataApi, metadataVersion, { topics: [] }),
        connection.request(metadataApi, 1, { topics: [] }),
      ]);
      assert.ok(metadata.brokers.some((broker) => broker.port === port), "the broker lists itself");
      assert.deepEqual(
        again.brokers.map((b) => b.nodeId).sort(),
        metadata.brokers.map((b) => b.nodeId).sort(),
      );
      assert.equal(connection.inFlight, 0);
    } finally {
      connection.close();
      await connection.closed;
    }
  });
}
