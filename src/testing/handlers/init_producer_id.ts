/**
 * InitProducerId: a new producer id for an idempotent producer (any broker), or, for
 * a transactional id (its coordinator only), the coordinator's id and bumped epoch.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  initProducerIdApi,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
} from "../../protocol/init_producer_id.ts";
import { fencedCode, type RequestHandler } from "../handler.ts";

function failure(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}

/** The InitProducerId handler, v0-v5. */
export const initProducerIdHandler: RequestHandler<InitProducerIdRequest, InitProducerIdResponse> =
  {
    api: initProducerIdApi,
    minVersion: 0,
    maxVersion: 5,
    partitioned: false,
    handle(ctx, request) {
      const transactionalId = request.transactionalId;
      if (transactionalId === null) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          producerId: ctx.coordinator.newProducerId(),
          producerEpoch: 0,
        };
      }
      if (ctx.coordinator.coordinatorFor(transactionalId) !== ctx.node.id) {
        return failure(ErrorCode.NOT_COORDINATOR);
      }
      const result = ctx.coordinator.initProducerId(
        transactionalId,
        request.transactionTimeoutMs,
        request.producerId ?? -1n,
        request.producerEpoch ?? -1,
      );
      return {
        throttleTimeMs: 0,
        errorCode: fencedCode(result.errorCode, ctx.version, 4),
        producerId: result.producerId,
        producerEpoch: result.producerEpoch,
      };
    },
    errorResponse: (_ctx, _request, code) => failure(code),
  };
