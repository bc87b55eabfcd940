/**
 * The producer's way to the cluster: the broker connections (bootstrap, SASL, TLS,
 * rebootstrap) and the metadata they keep fresh, wired to each other and to the
 * producer's telemetry. What the producer asks of brokers goes through these two.
 *
 * @module
 */

import { ClusterMetadata } from "../cluster/cluster_metadata.ts";
import { requestMetadata } from "../cluster/metadata_request.ts";
import { BrokerPool } from "../net/broker_pool.ts";
import { formatAddress } from "../net/connect_broker.ts";
import { defaultConnect } from "../net/default_connect.ts";
import type { Clock } from "../timers.ts";
import { countingConnect } from "./counting_connect.ts";
import type { ResolvedProducerOptions } from "./options.ts";
import type { ProducerTelemetry } from "./producer_telemetry.ts";

/** The broker connections and the cluster metadata of one producer. */
export interface ClusterAccess {
  /** A connection per broker, and the bootstrap list. */
  readonly pool: BrokerPool;
  /** Leaders, partitions and brokers, refreshed as needed. */
  readonly metadata: ClusterMetadata;
}

/**
 * Creates a producer's broker pool and metadata: the pool learns the brokers every
 * refresh names, metadata is fetched from any ready broker, rebootstraps (KIP-899) go
 * back to the bootstrap list, and the telemetry hears of connections, bytes written,
 * refreshes and rebootstraps.
 *
 * @param o The producer's resolved options.
 * @param telemetry Its telemetry.
 * @param clock Time and timers.
 * @returns The pool and the metadata.
 */
export function connectCluster<K, V>(
  o: ResolvedProducerOptions<K, V>,
  telemetry: ProducerTelemetry,
  clock: Clock,
): ClusterAccess {
  const pool = new BrokerPool({
    bootstrap: o.bootstrap,
    clientId: o.clientId,
    connect: countingConnect(o.connect ?? defaultConnect, (bytes) => telemetry.written(bytes)),
    tls: o.tls,
    sasl: o.sasl,
    connectTimeoutMs: o.connectTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    maxInFlight: o.maxInFlight,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 1000,
    metadataRecovery: o.metadataRecoveryStrategy,
    onRebootstrap: (reason) =>
      telemetry.events.log(
        "info",
        `rebootstrap: ${reason}; starting again from ${
          o.bootstrap.map((b) => formatAddress(b.host, b.port)).join(", ")
        }`,
      ),
  });
  const metadata = new ClusterMetadata(
    async (topics) => await requestMetadata(await pool.any(), topics),
    {
      metadataMaxAgeMs: o.metadataMaxAgeMs,
      retryBackoffMs: o.retryBackoffMs,
      clock,
      describeAttempts: () => pool.describeAttempts(),
      ...(o.metadataRecoveryStrategy === "rebootstrap"
        ? {
          rebootstrap: (reason: string) => pool.rebootstrap(reason),
          rebootstrapTriggerMs: o.metadataRecoveryRebootstrapTriggerMs,
        }
        : {}),
    },
  );
  metadata.onUpdate(() => {
    pool.setBrokers(metadata.snapshot.brokers);
    telemetry.metadataUpdated(metadata.snapshot);
  });
  pool.onChange((nodeId) => telemetry.brokerChanged(nodeId, pool.ready(nodeId)));
  return { pool, metadata };
}
