/**
 * SaslHandshake (v1): the client names its mechanism; the broker lists the ones it
 * enables. On a broker without SASL, or out of turn, it is ILLEGAL_SASL_STATE, and an
 * unknown mechanism UNSUPPORTED_SASL_MECHANISM; either way the connection then closes.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  saslHandshakeApi,
  type SaslHandshakeRequest,
  type SaslHandshakeResponse,
} from "../../protocol/sasl_handshake.ts";
import type { RequestHandler } from "../handler.ts";
import type { TestSaslMechanism } from "../sasl_server.ts";

/** The SaslHandshake handler, v1 (v0 is raw SASL frames, not served). */
export const saslHandshakeHandler: RequestHandler<SaslHandshakeRequest, SaslHandshakeResponse> = {
  api: saslHandshakeApi,
  minVersion: 1,
  maxVersion: 1,
  partitioned: false,
  handle(ctx, request) {
    const session = ctx.session;
    const mechanisms = [...ctx.settings.saslMechanisms];
    // A handshake opens an authentication, or (KIP-368) renews a finished one.
    if (session.sasl !== "handshake" && session.sasl !== "done") {
      session.closeAfterResponse = true;
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    const chosen = mechanisms.find((m) => m === request.mechanism);
    if (chosen === undefined) {
      session.closeAfterResponse = true;
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    session.mechanism = chosen as TestSaslMechanism;
    session.exchange = ctx.settings.saslUsers!.exchange(chosen);
    session.sasl = "authenticate";
    return { errorCode: ErrorCode.NONE, mechanisms };
  },
  errorResponse: (ctx, _request, code) => ({
    errorCode: code,
    mechanisms: [...ctx.settings.saslMechanisms],
  }),
};
