/**
 * The leader hints Produce (v10+) and Fetch (v12+ / v16+) responses carry in tagged
 * fields (KIP-951): a partition's `CurrentLeader` (id and epoch) after
 * NOT_LEADER_OR_FOLLOWER, and the `NodeEndpoints` of the leaders named. One
 * definition for both APIs; each tag is written only when it differs from its default,
 * as Kafka's generated code does.
 *
 * @module
 */

import { Reader } from "./reader.ts";
import { type TaggedField, Writer } from "./writer.ts";

/** A partition's leader, as a response names it. */
export interface LeaderIdAndEpoch {
  /** The leader's broker id, or -1 if unknown. */
  leaderId: number;
  /** The leader epoch, or -1 if unknown. */
  leaderEpoch: number;
}

/** A broker's address, sent with the leaders a response names. */
export interface NodeEndpoint {
  /** The broker id. */
  nodeId: number;
  /** The host name. */
  host: string;
  /** The port. */
  port: number;
  /** The rack, or null. */
  rack: string | null;
}

/**
 * Reads a `CurrentLeader` tagged field: `{ LeaderId int32, LeaderEpoch int32 }` and
 * its own tags.
 *
 * @example Reading back a leader written as a tag
 * ```ts
 * import { leaderIdAndEpochTag, readLeaderIdAndEpoch } from "@webstream/kafka/protocol";
 *
 * const tag = leaderIdAndEpochTag(0, { leaderId: 2, leaderEpoch: 7 })!;
 * console.log(readLeaderIdAndEpoch(tag.data, "CurrentLeader")); // { leaderId: 2, leaderEpoch: 7 }
 * ```
 *
 * @param data The field's bytes.
 * @param what What it is, for error messages.
 * @returns The leader.
 * @throws {KafkaProtocolError} If the field is malformed or has bytes left over.
 */
export function readLeaderIdAndEpoch(data: Uint8Array, what: string): LeaderIdAndEpoch {
  const t = new Reader(data);
  const leader = { leaderId: t.int32(), leaderEpoch: t.int32() };
  t.skipTags();
  t.end(what);
  return leader;
}

/**
 * The `CurrentLeader` tagged field, or nothing for an absent or default (-1, -1) leader.
 *
 * @example A default leader is not written
 * ```ts
 * import { leaderIdAndEpochTag } from "@webstream/kafka/protocol";
 *
 * console.log(leaderIdAndEpochTag(1, { leaderId: -1, leaderEpoch: -1 })); // null
 * console.log(leaderIdAndEpochTag(1, { leaderId: 3, leaderEpoch: 0 })?.data.length); // 9
 * ```
 *
 * @param tag Its tag number.
 * @param leader The leader, or null.
 * @returns The field, or null when it is not written.
 */
export function leaderIdAndEpochTag(
  tag: number,
  leader: LeaderIdAndEpoch | null,
): TaggedField | null {
  if (leader === null || (leader.leaderId === -1 && leader.leaderEpoch === -1)) return null;
  return {
    tag,
    data: new Writer(16).int32(leader.leaderId).int32(leader.leaderEpoch).tags().bytes(),
  };
}

function readNodeEndpoint(r: Reader): NodeEndpoint {
  const endpoint = {
    nodeId: r.int32(),
    host: r.requiredCompactString("node endpoint host"),
    port: r.int32(),
    rack: r.compactString(),
  };
  r.skipTags();
  return endpoint;
}

/**
 * Reads a `NodeEndpoints` tagged field: a compact array of
 * `{ NodeId int32, Host string, Port int32, Rack string nullable }`.
 *
 * @example Reading back endpoints written as a tag
 * ```ts
 * import { nodeEndpointsTag, readNodeEndpoints } from "@webstream/kafka/protocol";
 *
 * const tag = nodeEndpointsTag(0, [{ nodeId: 2, host: "b2", port: 9093, rack: null }])!;
 * console.log(readNodeEndpoints(tag.data, "NodeEndpoints")[0]?.host); // "b2"
 * ```
 *
 * @param data The field's bytes.
 * @param what What it is, for error messages.
 * @returns The endpoints.
 * @throws {KafkaProtocolError} If the field is malformed or has bytes left over.
 */
export function readNodeEndpoints(data: Uint8Array, what: string): NodeEndpoint[] {
  const t = new Reader(data);
  const endpoints = t.requiredCompactArray(readNodeEndpoint);
  t.end(what);
  return endpoints;
}

/**
 * The `NodeEndpoints` tagged field, or nothing for none.
 *
 * @example No endpoints, no tag
 * ```ts
 * import { nodeEndpointsTag } from "@webstream/kafka/protocol";
 *
 * console.log(nodeEndpointsTag(0, [])); // null
 * ```
 *
 * @param tag Its tag number.
 * @param endpoints The endpoints.
 * @returns The field, or null when it is not written.
 */
export function nodeEndpointsTag(
  tag: number,
  endpoints: readonly NodeEndpoint[],
): TaggedField | null {
  if (endpoints.length === 0) return null;
  const t = new Writer();
  t.compactArray(endpoints, (t, endpoint) => {
    t.int32(endpoint.nodeId).compactString(endpoint.host).int32(endpoint.port);
    t.compactString(endpoint.rack).tags();
  });
  return { tag, data: t.bytes() };
}
