/**
 * SaslAuthenticate: one SASL token each way, until the mechanism succeeds or fails.
 * A failure is SASL_AUTHENTICATION_FAILED with Kafka's message, then the connection
 * closes; a success may carry a session lifetime (v1+), past which the broker closes
 * the connection on its next request unless the client re-authenticates (KIP-368).
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  saslAuthenticateApi,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponse,
} from "../../protocol/sasl_authenticate.ts";
import type { RequestHandler } from "../handler.ts";

const EMPTY = new Uint8Array(0);

function failure(errorCode: number, errorMessage: string | null): SaslAuthenticateResponse {
  return { errorCode, errorMessage, authBytes: EMPTY, sessionLifetimeMs: 0n };
}

/** The SaslAuthenticate handler, v0-v2. */
export const saslAuthenticateHandler: RequestHandler<
  SaslAuthenticateRequest,
  SaslAuthenticateResponse
> = {
  api: saslAuthenticateApi,
  minVersion: 0,
  maxVersion: 2,
  partitioned: false,
  async handle(ctx, request) {
    const session = ctx.session;
    const exchange = session.exchange;
    if (session.sasl !== "authenticate" || exchange === null) {
      session.closeAfterResponse = true;
      return failure(ErrorCode.ILLEGAL_SASL_STATE, "Unexpected SaslAuthenticate request");
    }
    const step = await exchange.step(request.authBytes);
    if (step.state === "failed") {
      session.closeAfterResponse = true;
      session.exchange = null;
      return failure(ErrorCode.SASL_AUTHENTICATION_FAILED, step.message);
    }
    if (step.state === "continue") {
      return { errorCode: 0, errorMessage: null, authBytes: step.token, sessionLifetimeMs: 0n };
    }
    session.sasl = "done";
    session.exchange = null;
    session.user = step.user;
    const lifetime = ctx.settings.sessionLifetimeMs;
    session.sessionExpiresMs = lifetime > 0 && ctx.version >= 1
      ? ctx.cluster.settings.now() + lifetime
      : Infinity;
    return {
      errorCode: 0,
      errorMessage: null,
      authBytes: step.token,
      sessionLifetimeMs: BigInt(ctx.version >= 1 ? lifetime : 0),
    };
  },
  errorResponse: (_ctx, _request, code) => failure(code, null),
};
