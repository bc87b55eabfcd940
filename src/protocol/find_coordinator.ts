/**
 * FindCoordinator (key 10): which broker coordinates a consumer group or, for a
 * transactional producer, a transactional id. From v4 (KIP-699) one request may ask
 * for several keys of one type; before, exactly one.
 *
 * @module
 */

import { ApiKey, type ServerApi } from "./api.ts";
import type { Reader } from "./reader.ts";
import { assertVersion } from "./versions.ts";
import type { Writer } from "./writer.ts";

/** The key types of FindCoordinator (its `KeyType` field). */
export const CoordinatorType = {
  /** A consumer group id. */
  Group: 0,
  /** A transactional id (v1+). */
  Transaction: 1,
  /** A share group, keyed "groupId:topicId:partition" (v6+, KIP-932). */
  Share: 2,
} as const;

/** A FindCoordinator request. */
export interface FindCoordinatorRequest {
  /** The key type (v1+; v0 knows only groups), see {@link CoordinatorType}. */
  keyType: number;
  /**
   * The keys: one before v4 (sent as `Key`), one or more from v4 (`CoordinatorKeys`).
   */
  coordinatorKeys: readonly string[];
}

/** One coordinator found (or not). */
export interface FindCoordinatorCoordinator {
  /**
   * The key asked (v4+); null before v4, whose response does not repeat the key:
   * it answers the single key of the request.
   */
  key: string | null;
  /** The coordinator's broker id, or -1. */
  nodeId: number;
  /** The coordinator's host. */
  host: string;
  /** The coordinator's port. */
  port: number;
  /** The error code, or NONE. */
  errorCode: number;
  /** The error message (v1+), or null. */
  errorMessage: string | null;
}

/**
 * A FindCoordinator response, the same shape for every version: before v4 the
 * top-level fields become the one entry of `coordinators`.
 */
export interface FindCoordinatorResponse {
  /** Throttle time (v1+); 0 before. */
  throttleTimeMs: number;
  /** One result per key asked. */
  coordinators: FindCoordinatorCoordinator[];
}

/*
 * FindCoordinatorRequest, validVersions 0-6, flexibleVersions 3+:
 *   Key              string    0-3
 *   KeyType          int8      1+   default 0 (0 group, 1 transaction, 2 share)
 *   CoordinatorKeys  []string  4+
 *
 * FindCoordinatorResponse, validVersions 0-6, flexibleVersions 3+:
 *   ThrottleTimeMs   int32     1+
 *   ErrorCode        int16     0-3
 *   ErrorMessage     string    1-3  nullable
 *   NodeId           int32     0-3
 *   Host             string    0-3
 *   Port             int32     0-3
 *   Coordinators     []Coordinator  4+
 *     Key            string    4+
 *     NodeId         int32     4+
 *     Host           string    4+
 *     Port           int32     4+
 *     ErrorCode      int16     4+
 *     ErrorMessage   string    4+   nullable
 *
 * v5 adds TRANSACTION_ABORTABLE as a possible error, v6 share groups.
 */

const FLEXIBLE = 3;
const BATCHED = 4;

function encodeFindCoordinator(w: Writer, version: number, request: FindCoordinatorRequest): void {
  assertVersion(findCoordinatorApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  const keys = request.coordinatorKeys;
  if (version < 1 && request.keyType !== CoordinatorType.Group) {
    throw new RangeError(
      `Cannot encode FindCoordinator v0 for key type ${request.keyType} as v0 finds group coordinators only`,
    );
  }
  if (version < BATCHED) {
    if (keys.length !== 1) {
      throw new RangeError(
        `Cannot encode FindCoordinator v${version} for ${keys.length} keys as versions before 4 take exactly one`,
      );
    }
    const key = keys[0]!;
    if (flexible) w.compactString(key);
    else w.string(key);
  }
  if (version >= 1) w.int8(request.keyType);
  if (version >= BATCHED) w.compactArray(keys, (w, key) => w.compactString(key));
  if (flexible) w.tags();
}

function readCoordinator(r: Reader): FindCoordinatorCoordinator {
  const coordinator = {
    key: r.requiredCompactString("coordinator key"),
    nodeId: r.int32(),
    host: r.requiredCompactString("coordinator host"),
    port: r.int32(),
    errorCode: r.int16(),
    errorMessage: r.compactString(),
  };
  r.skipTags();
  return coordinator;
}

function decodeFindCoordinator(r: Reader, version: number): FindCoordinatorResponse {
  assertVersion(findCoordinatorApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  const throttleTimeMs = version >= 1 ? r.int32() : 0;
  let coordinators: FindCoordinatorCoordinator[];
  if (version >= BATCHED) {
    coordinators = r.requiredCompactArray(readCoordinator);
  } else {
    const errorCode = r.int16();
    const errorMessage = version < 1 ? null : flexible ? r.compactString() : r.string();
    const nodeId = r.int32();
    const host = flexible
      ? r.requiredCompactString("coordinator host")
      : r.requiredString("coordinator host");
    coordinators = [{ key: null, nodeId, host, port: r.int32(), errorCode, errorMessage }];
  }
  if (flexible) r.skipTags();
  return { throttleTimeMs, coordinators };
}

function decodeFindCoordinatorRequest(r: Reader, version: number): FindCoordinatorRequest {
  assertVersion(findCoordinatorApi, version, "decode");
  const flexible = version >= FLEXIBLE;
  let key: string | undefined;
  if (version < BATCHED) key = flexible ? r.requiredCompactString("key") : r.requiredString("key");
  const keyType = version >= 1 ? r.int8() : CoordinatorType.Group;
  const coordinatorKeys = key !== undefined
    ? [key]
    : r.requiredCompactArray((r) => r.requiredCompactString("coordinator key"));
  if (flexible) r.skipTags();
  return { keyType, coordinatorKeys };
}

function encodeFindCoordinatorResponse(
  w: Writer,
  version: number,
  response: FindCoordinatorResponse,
): void {
  assertVersion(findCoordinatorApi, version, "encode");
  const flexible = version >= FLEXIBLE;
  if (version >= 1) w.int32(response.throttleTimeMs);
  if (version >= BATCHED) {
    w.compactArray(response.coordinators, (w, c) => {
      w.compactString(c.key ?? "").int32(c.nodeId).compactString(c.host).int32(c.port);
      w.int16(c.errorCode).compactString(c.errorMessage).tags();
    });
  } else {
    const c = response.coordinators[0];
    if (response.coordinators.length !== 1 || c === undefined) {
      throw new RangeError(
        `Cannot encode FindCoordinator v${version} response with ${response.coordinators.length} coordinators as versions before 4 answer exactly one`,
      );
    }
    w.int16(c.errorCode);
    if (version >= 1) {
      if (flexible) w.compactString(c.errorMessage);
      else w.string(c.errorMessage);
    }
    w.int32(c.nodeId);
    if (flexible) w.compactString(c.host);
    else w.string(c.host);
    w.int32(c.port);
  }
  if (flexible) w.tags();
}

/**
 * The FindCoordinator API, v0-v6, flexible from v3, batched from v4.
 *
 * @example Finding a transaction coordinator at v4
 * ```ts
 * import { CoordinatorType, findCoordinatorApi, Writer } from "@webstream/kafka/protocol";
 *
 * const w = new Writer();
 * findCoordinatorApi.encode(w, 4, {
 *   keyType: CoordinatorType.Transaction,
 *   coordinatorKeys: ["my-tx"],
 * });
 * console.log(w.length); // 9
 * ```
 */
export const findCoordinatorApi: ServerApi<FindCoordinatorRequest, FindCoordinatorResponse> = {
  key: ApiKey.FindCoordinator,
  name: "FindCoordinator",
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: FLEXIBLE,
  encode: encodeFindCoordinator,
  decode: decodeFindCoordinator,
  decodeRequest: decodeFindCoordinatorRequest,
  encodeResponse: encodeFindCoordinatorResponse,
};
