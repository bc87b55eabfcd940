/**
 * Unsecured JWTs (RFC 7519 section 6: header `{"alg":"none"}`, no signature): what
 * Kafka's built-in OAUTHBEARER validator (`OAuthBearerUnsecuredValidatorCallbackHandler`)
 * takes, for tests and development clusters. Never use one where it matters: anyone can
 * write one.
 *
 * @module
 */

import { base64url, fromBase64url } from "./base64url.ts";

/** The claims Kafka's unsecured validator reads. */
export interface UnsecuredJwtClaims {
  /** The principal (Kafka's default `sasl.oauthbearer.sub.claim.name`). */
  sub: string;
  /** Expiry, in seconds since the epoch; Kafka requires it. */
  exp: number;
  /**
   * Issued at, in seconds since the epoch.
   *
   * @default {undefined}
   */
  iat?: number;
  /**
   * Space-separated scopes.
   *
   * @default {undefined}
   */
  scope?: string;
  /** Any other claim. */
  [claim: string]: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes an unsecured JWT: `base64url(header).base64url(claims).` (empty signature).
 *
 * @param claims The claims; `sub` and `exp` at least.
 * @returns The token.
 *
 * @example A token for `alice` valid for a minute
 * ```ts
 * import { unsecuredJwt } from "./unsecured_jwt.ts";
 *
 * const now = Math.floor(Date.now() / 1000);
 * const token = unsecuredJwt({ sub: "alice", iat: now, exp: now + 60 });
 * console.log(token.startsWith("eyJhbGciOiJub25lIn0.")); // true
 * ```
 */
export function unsecuredJwt(claims: UnsecuredJwtClaims): string {
  const part = (value: unknown): string => base64url(encoder.encode(JSON.stringify(value)));
  return `${part({ alg: "none" })}.${part(claims)}.`;
}

/**
 * Reads the claims of an unsecured JWT (a test broker's side of the exchange).
 *
 * @param token The token.
 * @returns The claims.
 * @throws {TypeError} If the token is not three dot-separated parts with an empty
 * signature, `alg` `none`, and JSON claims with a string `sub` and a numeric `exp`.
 *
 * @example
 * ```ts
 * import { parseUnsecuredJwt, unsecuredJwt } from "./unsecured_jwt.ts";
 *
 * console.log(parseUnsecuredJwt(unsecuredJwt({ sub: "alice", exp: 2000000000 })).sub); // "alice"
 * ```
 */
export function parseUnsecuredJwt(token: string): UnsecuredJwtClaims {
  const parts = token.split(".");
  const fail = (why: string): never => {
    throw new TypeError(`Cannot read the unsecured JWT as ${why}`);
  };
  if (parts.length !== 3 || parts[2] !== "") fail("it is not header.claims. (empty signature)");
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(decoder.decode(fromBase64url(parts[0]!)));
    claims = JSON.parse(decoder.decode(fromBase64url(parts[1]!)));
  } catch {
    fail("its parts are not base64url JSON");
  }
  if ((header as { alg?: unknown } | null)?.alg !== "none") fail('its alg is not "none"');
  const c = claims as Record<string, unknown> | null;
  if (typeof c !== "object" || c === null || typeof c.sub !== "string") fail("it has no sub");
  if (typeof c!.exp !== "number") fail("it has no numeric exp");
  return c as UnsecuredJwtClaims;
}
