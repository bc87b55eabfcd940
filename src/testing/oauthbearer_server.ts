/**
 * The broker's side of SASL OAUTHBEARER (RFC 7628, KIP-255) with the checks of Kafka's
 * built-in unsecured validator (`OAuthBearerUnsecuredValidatorCallbackHandler`): any
 * unsigned JWT (`{"alg":"none"}`, empty signature) whose `sub` names the principal and
 * whose `exp` is still ahead is taken, and its expiry bounds the session. A token it
 * refuses gets RFC 7628's error challenge (`{"status":"invalid_token"}`, or
 * `insufficient_scope` with the scope required); the client answers 0x01 and the exchange
 * fails with that JSON as its message, as Kafka's does. A client message that is not
 * RFC 7628 fails at once. No message, reason or log line ever holds the token.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";
import { parseUnsecuredJwt, type UnsecuredJwtClaims } from "../net/unsecured_jwt.ts";
import {
  decodeOauthBearerClientFirst,
  encodeOauthBearerServerError,
  type OauthBearerClientFirst,
  type OauthBearerServerError,
} from "../protocol/sasl_oauthbearer.ts";
import type { SaslExchange, SaslStep } from "./sasl_server.ts";

/** How the unsecured validator checks tokens. */
export interface UnsecuredOauthBearerSettings {
  /** Kafka's `unsecuredValidatorAllowableClockSkewMs`. */
  allowableClockSkewMs: number;
  /** Kafka's `unsecuredValidatorRequiredScope`: every one must be in the token's scope. */
  requiredScope: readonly string[];
  /** The broker's clock, in ms. */
  now: () => number;
}

/** What the validator makes of a token. */
export type UnsecuredTokenCheck =
  | { readonly valid: true; readonly principal: string; readonly expiresAtMs: number }
  | {
    readonly valid: false;
    /** The error challenge sent to the client. */
    readonly error: OauthBearerServerError;
    /** Why, for the broker's log; never the token. */
    readonly reason: string;
  };

const EMPTY = new Uint8Array(0);
const INVALID_MESSAGE =
  "Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER";

function invalid(reason: string): UnsecuredTokenCheck {
  return { valid: false, error: { status: "invalid_token" }, reason };
}

/** The token's scope: a space-separated string or a list of strings (Kafka takes both). */
function scopeOf(claims: UnsecuredJwtClaims): string[] | null {
  const scope: unknown = claims.scope;
  if (scope === undefined) return [];
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "");
  if (Array.isArray(scope) && scope.every((s) => typeof s === "string")) return scope;
  return null;
}

/**
 * Kafka's unsecured OAUTHBEARER validator on the test broker.
 *
 * @example A token accepted, then one past its `exp`
 * ```ts
 * import { UnsecuredOauthBearer } from "./oauthbearer_server.ts";
 * import { unsecuredJwt } from "../net/unsecured_jwt.ts";
 *
 * const validator = new UnsecuredOauthBearer({
 *   allowableClockSkewMs: 0,
 *   requiredScope: [],
 *   now: () => 1_700_000_000_000,
 * });
 * console.log(validator.check(unsecuredJwt({ sub: "alice", exp: 1_700_000_060 })));
 * // { valid: true, principal: "alice", expiresAtMs: 1700000060000 }
 * console.log(validator.check(unsecuredJwt({ sub: "alice", exp: 1_699_999_940 })).valid); // false
 * ```
 */
export class UnsecuredOauthBearer {
  readonly #settings: UnsecuredOauthBearerSettings;

  /**
   * @param settings The clock skew allowed, the scope required and the clock.
   */
  constructor(settings: UnsecuredOauthBearerSettings) {
    this.#settings = settings;
  }

  /**
   * Checks a token as Kafka's unsecured validator does: an unsigned JWT with a non-blank
   * string `sub`, a numeric `exp` after the clock (less the skew allowed), a numeric `iat`
   * if any, not after the clock (plus the skew) and before `exp`, and every required
   * scope in its `scope` claim.
   *
   * @param token The bearer token.
   * @returns The principal and when the token expires, or the challenge and why.
   */
  check(token: string): UnsecuredTokenCheck {
    let claims: UnsecuredJwtClaims;
    try {
      claims = parseUnsecuredJwt(token);
    } catch (error) {
      const why = (error as Error).message.replace(/^Cannot read the unsecured JWT as /, "");
      return invalid(`the token is not an unsecured JWT: ${why}`);
    }
    const { allowableClockSkewMs: skew, requiredScope } = this.#settings;
    const now = this.#settings.now();
    if (claims.sub.trim() === "") return invalid("its sub (the principal) is blank");
    const { exp, iat } = claims;
    if (iat !== undefined && typeof iat !== "number") return invalid("its iat is not a number");
    if (iat !== undefined && iat * 1000 > now + skew) {
      return invalid(
        `its iat (${iat} s) is after the broker's clock (${now} ms) plus the skew allowed (${skew} ms)`,
      );
    }
    if (now - skew >= exp * 1000) {
      return invalid(
        `it expired: its exp (${exp} s) is not after the broker's clock (${now} ms) less the skew allowed (${skew} ms)`,
      );
    }
    if (iat !== undefined && exp <= iat) {
      return invalid(`its exp (${exp} s) is not after its iat (${iat} s)`);
    }
    const scope = scopeOf(claims);
    if (scope === null) return invalid("its scope is neither a string nor a list of strings");
    const missing = requiredScope.find((s) => !scope.includes(s));
    if (missing !== undefined) {
      return {
        valid: false,
        error: { status: "insufficient_scope", scope: requiredScope.join(" ") },
        reason: `its scope lacks ${missing}`,
      };
    }
    return { valid: true, principal: claims.sub, expiresAtMs: Math.floor(exp * 1000) };
  }

  /**
   * Starts an authentication.
   *
   * @returns The exchange: the client's first message in, and either success, or the
   * error challenge and, after the client's 0x01, the failure.
   */
  exchange(): SaslExchange {
    let refused: { message: string; reason: string } | null = null;
    return {
      step: (bytes) => {
        if (refused !== null && bytes.length === 1 && bytes[0] === 0x01) {
          const { message, reason } = refused;
          refused = null;
          return Promise.resolve({ state: "failed", message, reason });
        }
        // Anything else after a challenge is a new first message, as Kafka reads it.
        refused = null;
        let first: OauthBearerClientFirst;
        try {
          first = decodeOauthBearerClientFirst(bytes);
        } catch (error) {
          if (!(error instanceof KafkaProtocolError)) throw error;
          const why = error.message.replace(/^Cannot read the OAUTHBEARER client message as /, "");
          return Promise.resolve({
            state: "failed",
            message: INVALID_MESSAGE,
            reason: `its client message is not RFC 7628: ${why}`,
          });
        }
        const check = this.check(first.token);
        if (!check.valid) {
          const challenge = encodeOauthBearerServerError(check.error);
          refused = { message: new TextDecoder().decode(challenge), reason: check.reason };
          return Promise.resolve({ state: "continue", token: challenge });
        }
        if (first.authzid !== undefined && first.authzid !== check.principal) {
          return Promise.resolve({
            state: "failed",
            message:
              `Authentication failed: Client requested an authorization id (${first.authzid}) that is different from the token's principal name (${check.principal})`,
            reason: "its authorization id is not the token's sub",
          });
        }
        const done: SaslStep = {
          state: "done",
          token: EMPTY,
          user: check.principal,
          expiresAtMs: check.expiresAtMs,
        };
        return Promise.resolve(done);
      },
    };
  }
}
