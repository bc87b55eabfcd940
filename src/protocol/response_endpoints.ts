/**
 * The `NodeEndpoints` tagged field (tag 0) that ends a Produce or Fetch response from
 * the version that has it (KIP-951): where the leaders named in the partitions'
 * `CurrentLeader` fields are.
 *
 * @module
 */

import { type NodeEndpoint, nodeEndpointsTag, readNodeEndpoints } from "./leader_hints.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * Writes a response's own tagged fields: `NodeEndpoints` when the version has it and
 * there are any.
 *
 * @param w The writer.
 * @param hasEndpoints Whether the version has the field.
 * @param endpoints The endpoints.
 */
export function writeEndpointsTags(
  w: Writer,
  hasEndpoints: boolean,
  endpoints: readonly NodeEndpoint[],
): void {
  const tag = hasEndpoints ? nodeEndpointsTag(0, endpoints) : null;
  w.tags(tag === null ? [] : [tag]);
}

/**
 * Reads a response's own tagged fields, keeping `NodeEndpoints` when the version has it.
 *
 * @param r The reader, at the tagged fields.
 * @param hasEndpoints Whether the version has the field.
 * @param what What the field is, for error messages.
 * @returns The endpoints, empty when none came.
 */
export function readEndpointsTags(r: Reader, hasEndpoints: boolean, what: string): NodeEndpoint[] {
  let endpoints: NodeEndpoint[] = [];
  for (const field of r.tags()) {
    if (field.tag === 0 && hasEndpoints) endpoints = readNodeEndpoints(field.data, what);
  }
  return endpoints;
}
