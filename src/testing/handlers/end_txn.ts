/**
 * EndTxn: commits or aborts the producer's transaction; the markers are written to
 * its partitions before the answer.
 *
 * @module
 */

import { endTxnApi, type EndTxnRequest, type EndTxnResponse } from "../../protocol/end_txn.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import { fencedCode, type RequestHandler } from "../handler.ts";

function answer(errorCode: number): EndTxnResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}

/** The EndTxn handler, v0-v4 (v5 belongs to transactions v2, not served). */
export const endTxnHandler: RequestHandler<EndTxnRequest, EndTxnResponse> = {
  api: endTxnApi,
  minVersion: 0,
  maxVersion: 4,
  partitioned: false,
  handle(ctx, request) {
    if (ctx.coordinator.coordinatorFor(request.transactionalId) !== ctx.node.id) {
      return answer(ErrorCode.NOT_COORDINATOR);
    }
    const txn = ctx.coordinator.check(
      request.transactionalId,
      request.producerId,
      request.producerEpoch,
    );
    if (typeof txn === "number") return answer(fencedCode(txn, ctx.version, 2));
    return answer(ctx.coordinator.endTransaction(txn, request.committed));
  },
  errorResponse: (_ctx, _request, code) => answer(code),
};
