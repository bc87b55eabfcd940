/**
 * The Metadata request the producer sends for the topics it uses: to any broker,
 * never creating topics (as Java's producer with `allow.auto.create.topics` off).
 *
 * @module
 */

import type { Api } from "../protocol/api.ts";
import { metadataApi, type MetadataResponse } from "../protocol/metadata.ts";
import { agreedVersion } from "../protocol/versions.ts";

/** A broker connection that can answer a request (the net layer's session). */
export interface MetadataSession {
  /** `host:port`, named in errors. */
  readonly address: string;
  /** The version agreed per API key. */
  readonly versions: ReadonlyMap<number, number>;
  /** The connection. */
  readonly connection: {
    request<Req, Res>(api: Api<Req, Res>, version: number, request: Req): Promise<Res>;
  };
}

/**
 * Asks a broker for the metadata of `topics` (all brokers, their partitions and
 * leaders).
 *
 * @param session The broker.
 * @param topics The topics.
 * @returns The response.
 */
export async function requestMetadata(
  session: MetadataSession,
  topics: readonly string[],
): Promise<MetadataResponse> {
  const version = agreedVersion(session, metadataApi, "get metadata");
  return await session.connection.request(metadataApi, version, {
    topics: topics.map((name) => ({ name })),
    allowAutoTopicCreation: false,
  });
}
