/**
 * SaslHandshake (v0-v1): the client names its mechanism; the broker lists the ones it
 * enables. After v1 the tokens travel in SaslAuthenticate requests; after v0 as bare
 * size-prefixed frames, as Kafka's `SaslServerAuthenticator` takes them. On a broker without SASL, or out of turn, it is ILLEGAL_SASL_STATE, and an
 * unknown mechanism UNSUPPORTED_SASL_MECHANISM; either way the connection then closes.
 *
 * On an authenticated connection it begins a re-authentication in place (KIP-368), as
 * Kafka's `KafkaChannel.maybeBeginServerReauthentication` allows: only when the session
 * has a lifetime, at most once a second, even after the session expired. Otherwise it is
 * answered ILLEGAL_SASL_STATE and the session goes on (Kafka's request handler does the
 * same). A re-authentication must keep the mechanism and the principal.
 *
 * @module
 */

import { ErrorCode } from "../../protocol/error_codes.ts";
import {
  saslHandshakeApi,
  type SaslHandshakeRequest,
  type SaslHandshakeResponse,
} from "../../protocol/sasl_handshake.ts";
import type { BrokerSettings, ConnectionSession, RequestHandler } from "../handler.ts";
import type { SaslExchange, TestSaslMechanism } from "../sasl_server.ts";

/** Kafka's `MIN_REAUTH_INTERVAL_ONE_SECOND_NANOS`, in ms. */
const MIN_REAUTHENTICATION_INTERVAL_MS = 1000;

/**
 * Whether a SaslHandshake on this authenticated connection begins a re-authentication:
 * its session has a lifetime, and the last re-authentication began a second ago or more.
 *
 * @param session The connection's state, authenticated.
 * @param now The broker's clock (ms).
 * @returns True when a re-authentication may begin.
 *
 * @example A session with a lifetime, renewed 500 ms ago
 * ```ts
 * import type { ConnectionSession } from "../handler.ts";
 * import { mayReauthenticate } from "./sasl_handshake.ts";
 *
 * const session: ConnectionSession = {
 *   sasl: "done",
 *   mechanism: "OAUTHBEARER",
 *   exchange: null,
 *   user: "alice",
 *   sessionExpiresMs: 10_000,
 *   reauthenticating: null,
 *   lastReauthenticationMs: 1_500,
 *   failure: null,
 *   closeAfterResponse: false,
 * };
 * console.log(mayReauthenticate(session, 2_000)); // false
 * console.log(mayReauthenticate(session, 2_500)); // true
 * ```
 */
export function mayReauthenticate(session: ConnectionSession, now: number): boolean {
  const last = session.lastReauthenticationMs;
  return session.sasl === "done" && session.sessionExpiresMs !== Infinity &&
    (last === null || now - last >= MIN_REAUTHENTICATION_INTERVAL_MS);
}

function exchangeFor(settings: BrokerSettings, mechanism: TestSaslMechanism): SaslExchange {
  return mechanism === "OAUTHBEARER"
    ? settings.oauthBearer!.exchange()
    : settings.saslUsers!.exchange(mechanism);
}

/** The SaslHandshake handler, v0-v1. */
export const saslHandshakeHandler: RequestHandler<SaslHandshakeRequest, SaslHandshakeResponse> = {
  api: saslHandshakeApi,
  minVersion: 0,
  maxVersion: 1,
  partitioned: false,
  handle(ctx, request) {
    const session = ctx.session;
    const mechanisms = [...ctx.settings.saslMechanisms];
    if (session.sasl === "done") {
      const now = ctx.cluster.settings.now();
      // KIP-368: a re-authentication goes through SaslAuthenticate, so v1 or later.
      if (ctx.version === 0 || !mayReauthenticate(session, now)) {
        return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
      }
      session.lastReauthenticationMs = now;
      session.reauthenticating = { mechanism: session.mechanism!, user: session.user! };
    } else if (session.sasl !== "handshake") {
      session.closeAfterResponse = true;
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    const chosen = ctx.settings.saslMechanisms.find((m) => m === request.mechanism);
    if (chosen === undefined) {
      session.closeAfterResponse = true;
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    const previous = session.reauthenticating?.mechanism;
    session.mechanism = chosen;
    // Kafka takes the handshake of another enabled mechanism, then fails its first token.
    session.exchange = previous === undefined || previous === chosen
      ? exchangeFor(ctx.settings, chosen)
      : {
        step: () =>
          Promise.resolve({
            state: "failed",
            message:
              `SASL mechanism '${chosen}' requested by client is not supported for re-authentication of mechanism '${previous}'`,
          }),
      };
    session.sasl = ctx.version === 0 ? "raw" : "authenticate";
    return { errorCode: ErrorCode.NONE, mechanisms };
  },
  errorResponse: (ctx, _request, code) => ({
    errorCode: code,
    mechanisms: [...ctx.settings.saslMechanisms],
  }),
};
