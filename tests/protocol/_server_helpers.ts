// Helpers for the broker side of the protocol codecs: decode a request body as a
// broker does, encode a response body, and the robustness check every request
// decoder must pass (truncation at every byte, bit flips, random overwrites).

import assert from "node:assert/strict";
import { KafkaProtocolError } from "../../src/errors.ts";
import type { ServerApi } from "../../src/protocol/api.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { prng } from "../fixtures/protocol_helpers.ts";

/** Decodes a whole request body, checking nothing is left over. */
export function decodeRequest<Req>(
  api: ServerApi<Req, unknown>,
  version: number,
  bytes: Uint8Array,
): Req {
  const r = new Reader(bytes);
  const request = api.decodeRequest(r, version);
  r.end(`${api.name} v${version} request`);
  return request;
}

/** Encodes a response body. */
export function encodeResponse<Res>(
  api: ServerApi<unknown, Res>,
  version: number,
  response: Res,
): Uint8Array {
  const w = new Writer();
  api.encodeResponse(w, version, response);
  return w.bytes().slice();
}

function attempt(
  api: ServerApi<unknown, unknown>,
  version: number,
  bytes: Uint8Array,
  what: string,
): boolean {
  try {
    decodeRequest(api, version, bytes);
    return true;
  } catch (error) {
    if (!(error instanceof KafkaProtocolError)) {
      assert.fail(
        `${api.name} v${version} request ${what}: threw ${
          String(error)
        } instead of KafkaProtocolError`,
      );
    }
    return false;
  }
}

/**
 * Checks a request decoder against malformed input: every truncation of a valid body
 * throws KafkaProtocolError, and random bit flips and byte overwrites either decode
 * or throw KafkaProtocolError; nothing else, no hang. A trailing byte is refused.
 *
 * @returns How many mutated bodies still decoded (a sanity figure for the caller).
 */
export function assertRequestRobust(
  api: ServerApi<unknown, unknown>,
  version: number,
  valid: Uint8Array,
  mutations = 300,
  seed = 0x5eed,
): number {
  assert.ok(attempt(api, version, valid, "valid body"), "the valid body decodes");
  for (let n = 0; n < valid.length; n++) {
    assert.equal(
      attempt(api, version, valid.subarray(0, n), `truncated to ${n} bytes`),
      false,
      `${api.name} v${version} request truncated to ${n} bytes must throw`,
    );
  }
  const random = prng(seed + version);
  let decoded = 0;
  for (let i = 0; i < mutations; i++) {
    const bytes = valid.slice();
    const changes = 1 + Math.floor(random() * 3);
    for (let c = 0; c < changes; c++) {
      const at = Math.floor(random() * bytes.length);
      if (random() < 0.75) bytes[at]! ^= 1 << Math.floor(random() * 8);
      else bytes[at] = Math.floor(random() * 256);
    }
    if (attempt(api, version, bytes, `mutation ${i}`)) decoded++;
  }
  const longer = new Uint8Array(valid.length + 1);
  longer.set(valid);
  assert.equal(attempt(api, version, longer, "with a trailing byte"), false);
  return decoded;
}
