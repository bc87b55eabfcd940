/**
 * FindCoordinator: the broker that coordinates a transactional id. The test broker
 * has no group coordinator: groups (and share groups) get COORDINATOR_NOT_AVAILABLE.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  CoordinatorType,
  findCoordinatorApi,
  type FindCoordinatorCoordinator,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from "../../protocol/find_coordinator.ts";
import type { BrokerContext, RequestHandler } from "../handler.ts";

function none(
  key: string | null,
  errorCode: number,
  errorMessage: string | null,
): FindCoordinatorCoordinator {
  return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage };
}

function find(
  ctx: BrokerContext,
  keyType: number,
  key: string,
  batched: boolean,
): FindCoordinatorCoordinator {
  const k = batched ? key : null;
  if (keyType !== CoordinatorType.Transaction) {
    return none(k, ErrorCode.COORDINATOR_NOT_AVAILABLE, "The test broker has no group coordinator");
  }
  const id = ctx.coordinator.coordinatorFor(key);
  const node = ctx.cluster.brokers.get(id);
  if (node === undefined) return none(k, ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
  return {
    key: k,
    nodeId: node.id,
    host: node.host,
    port: node.port,
    errorCode: 0,
    errorMessage: null,
  };
}

/** The FindCoordinator handler, v0-v6. */
export const findCoordinatorHandler: RequestHandler<
  FindCoordinatorRequest,
  FindCoordinatorResponse
> = {
  api: findCoordinatorApi,
  minVersion: 0,
  maxVersion: 6,
  partitioned: false,
  handle(ctx, request) {
    const batched = ctx.version >= 4;
    return {
      throttleTimeMs: 0,
      coordinators: request.coordinatorKeys.map((key) => find(ctx, request.keyType, key, batched)),
    };
  },
  errorResponse(ctx, request, code) {
    const batched = ctx.version >= 4;
    return {
      throttleTimeMs: 0,
      coordinators: request.coordinatorKeys.map((key) => none(batched ? key : null, code, null)),
    };
  },
};
