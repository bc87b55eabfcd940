/**
 * EndTxn: commits or aborts the producer's transaction; the markers are written to
 * its partitions before the answer. v5 is transactions v2's (KIP-890 part 2): the
 * coordinator bumps the epoch as it ends the transaction and answers with the
 * producer id and epoch to use next.
 *
 * @module
 */

import { endTxnApi, type EndTxnRequest, type EndTxnResponse } from "../../protocol/end_txn.ts";
import { ErrorCode } from "../../protocol/error_codes.ts";
import { fencedCode, type RequestHandler } from "../handler.ts";

function answer(errorCode: number, producerId = -1n, producerEpoch = -1): EndTxnResponse {
  return { throttleTimeMs: 0, errorCode, producerId, producerEpoch };
}

/** The first EndTxn version of transactions v2. */
const TRANSACTION_V2_VERSION = 5;

/** The EndTxn handler, v0-v5. */
export const endTxnHandler: RequestHandler<EndTxnRequest, EndTxnResponse> = {
  api: endTxnApi,
  minVersion: 0,
  maxVersion: 5,
  partitioned: false,
  handle(ctx, request) {
    if (ctx.coordinator.coordinatorFor(request.transactionalId) !== ctx.node.id) {
      return answer(ErrorCode.NOT_COORDINATOR);
    }
    if (ctx.version >= TRANSACTION_V2_VERSION) {
      const ended = ctx.coordinator.endTransactionV2(
        request.transactionalId,
        request.producerId,
        request.producerEpoch,
        request.committed,
      );
      return answer(ended.errorCode, ended.producerId, ended.producerEpoch);
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
