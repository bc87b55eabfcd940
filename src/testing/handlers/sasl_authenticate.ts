/**
 * SaslAuthenticate: one SASL token each way, until the mechanism succeeds or fails.
 * A failure is SASL_AUTHENTICATION_FAILED with Kafka's message, then the connection
 * closes. A success starts a session whose lifetime is Kafka's: the shorter of the
 * credential's (an OAUTHBEARER token's `exp`) and `connections.max.reauth.ms`, none when
 * neither is set. SaslAuthenticate v1+ tells the client, which re-authenticates in place
 * before it ends (KIP-368); past it, the broker closes the connection on its next request
 * other than SaslHandshake, whatever version the client spoke (as Kafka does).
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  saslAuthenticateApi,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponse,
} from "../../protocol/sasl_authenticate.ts";
import type { BrokerSettings, ConnectionSession, RequestHandler } from "../handler.ts";
import type { SaslStep } from "../sasl_server.ts";

const EMPTY = new Uint8Array(0);

function failure(errorCode: number, errorMessage: string | null): SaslAuthenticateResponse {
  return { errorCode, errorMessage, authBytes: EMPTY, sessionLifetimeMs: 0n };
}

function fail(
  session: ConnectionSession,
  message: string,
  reason?: string,
): SaslAuthenticateResponse {
  session.closeAfterResponse = true;
  session.exchange = null;
  session.failure = reason ?? message;
  return failure(ErrorCode.SASL_AUTHENTICATION_FAILED, message);
}

/**
 * A session's lifetime, as Kafka's `SaslServerAuthenticator` works it out when an
 * authentication completes.
 *
 * @param now The broker's clock (ms).
 * @param credentialExpiresAtMs When the credential expires, if it does.
 * @param maxReauthMs `connections.max.reauth.ms` (0: not set).
 * @returns The lifetime in ms (never negative), or null for a session without end.
 *
 * @example A token good for 10 s more, on a listener that allows 3 s
 * ```ts
 * import { sessionLifetimeMs } from "./sasl_authenticate.ts";
 *
 * console.log(sessionLifetimeMs(1_000, 11_000, 3_000)); // 3000
 * console.log(sessionLifetimeMs(1_000, 11_000, 0)); // 10000
 * console.log(sessionLifetimeMs(1_000, undefined, 0)); // null
 * ```
 */
export function sessionLifetimeMs(
  now: number,
  credentialExpiresAtMs: number | undefined,
  maxReauthMs: number,
): number | null {
  if (credentialExpiresAtMs === undefined) return maxReauthMs > 0 ? maxReauthMs : null;
  const left = credentialExpiresAtMs - now;
  return Math.max(0, maxReauthMs > 0 ? Math.min(left, maxReauthMs) : left);
}

/**
 * Ends a successful SASL exchange: the session is authenticated as the exchange's user,
 * for Kafka's lifetime (see {@link sessionLifetimeMs}); a re-authentication must keep
 * the principal.
 *
 * @param session The connection's state.
 * @param step The exchange's last step.
 * @param now The broker's clock (ms).
 * @param settings The broker's `sessionLifetimeMs`.
 * @returns The session's lifetime (null: none), or why the principal may not change.
 */
export function completeAuthentication(
  session: ConnectionSession,
  step: Extract<SaslStep, { state: "done" }>,
  now: number,
  settings: Pick<BrokerSettings, "sessionLifetimeMs">,
): number | null | string {
  const renewed = session.reauthenticating;
  if (renewed !== null && renewed.user !== step.user) {
    return `Cannot change principals during re-authentication from User.${renewed.user}: User.${step.user}`;
  }
  session.sasl = "done";
  session.exchange = null;
  session.reauthenticating = null;
  session.user = step.user;
  const lifetime = sessionLifetimeMs(now, step.expiresAtMs, settings.sessionLifetimeMs);
  session.sessionExpiresMs = lifetime === null ? Infinity : now + lifetime;
  return lifetime;
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
    if (session.sasl === "done") {
      // Kafka's request handler: refused, and the session goes on.
      return failure(
        ErrorCode.ILLEGAL_SASL_STATE,
        "SaslAuthenticate request received after successful authentication",
      );
    }
    const exchange = session.exchange;
    if (session.sasl !== "authenticate" || exchange === null) {
      session.closeAfterResponse = true;
      return failure(ErrorCode.ILLEGAL_SASL_STATE, "Unexpected SaslAuthenticate request");
    }
    const step = await exchange.step(request.authBytes);
    if (step.state === "failed") return fail(session, step.message, step.reason);
    if (step.state === "continue") {
      return { errorCode: 0, errorMessage: null, authBytes: step.token, sessionLifetimeMs: 0n };
    }
    const completed = completeAuthentication(
      session,
      step,
      ctx.cluster.settings.now(),
      ctx.settings,
    );
    if (typeof completed === "string") return fail(session, completed);
    const lifetime = completed;
    return {
      errorCode: 0,
      errorMessage: null,
      authBytes: step.token,
      sessionLifetimeMs: BigInt(ctx.version >= 1 ? Math.floor(lifetime ?? 0) : 0),
    };
  },
  errorResponse: (_ctx, _request, code) => failure(code, null),
};
