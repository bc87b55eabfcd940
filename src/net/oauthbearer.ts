/**
 * SASL OAUTHBEARER on the client's side (KIP-255, RFC 7628): the options with a token
 * provider, and the exchange. The provider is called for every authentication (each
 * new connection and each KIP-368 re-authentication), so a provider that caches and
 * refreshes its token decides how often an identity provider is asked.
 *
 * @module
 */

import { KafkaAuthenticationError, KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import {
  decodeOauthBearerServerError,
  encodeOauthBearerClientFirst,
  oauthBearerErrorReply,
} from "../protocol/sasl_oauthbearer.ts";
import { checkSaslAuthenticateResponse, type SaslExchange } from "./sasl_exchange.ts";

/** A bearer token, as a token provider returns it. */
export interface OauthBearerToken {
  /** The token, e.g. a JWT or an MSK IAM signed URL; never logged or put in an error. */
  value: string;
  /**
   * When the token stops being valid (ms since the epoch). A token already expired
   * when the provider returns it fails the authentication, saying so.
   *
   * @default {undefined}
   */
  expiresAtMs?: number;
  /**
   * SASL extensions sent with the token (RFC 7628 section 3.1), e.g. Confluent Cloud's
   * `logicalCluster` and `identityPoolId`.
   *
   * @default {undefined}
   */
  extensions?: Record<string, string>;
}

/**
 * SASL OAUTHBEARER: Java's `sasl.mechanism=OAUTHBEARER` with a login callback handler.
 * `token` is called for every authentication: each new connection, and each
 * re-authentication before a session expires.
 */
export interface OauthBearerSaslOptions {
  /** The mechanism. */
  mechanism: "OAUTHBEARER";
  /**
   * Returns the token to authenticate with.
   *
   * @returns The token, when it expires, and any extensions.
   */
  token: () => Promise<OauthBearerToken>;
}

/**
 * Runs the OAUTHBEARER exchange: one round trip when the broker takes the token; when
 * it refuses it, the broker's JSON error challenge, the client's 0x01, and a failure.
 *
 * @param exchange Sends a SaslAuthenticate request on the connection.
 * @param options The token provider.
 * @param address The broker's address, for error messages.
 * @param now The clock, for the token's expiry.
 * @returns The session lifetime the broker grants (ms; 0 when unlimited).
 * @throws {KafkaAuthenticationError} When the provider fails or returns an unusable
 * token (never quoting it).
 * @throws {KafkaError} SASL_AUTHENTICATION_FAILED when the broker refuses the token,
 * with the status of its error challenge.
 */
export async function authenticateOauthBearer(
  exchange: SaslExchange,
  options: OauthBearerSaslOptions,
  address: string,
  now: () => number,
): Promise<number> {
  const where = `SASL OAUTHBEARER with broker at ${address}`;
  const response = await exchange(await clientFirstMessage(options, address, now));
  checkSaslAuthenticateResponse(response, where);
  if (response.authBytes.length === 0) return Number(response.sessionLifetimeMs);
  // A challenge: the broker refused the token and says why (RFC 7628 section 3.2.2).
  let status: string;
  try {
    const error = decodeOauthBearerServerError(response.authBytes);
    status = error.scope === undefined ? error.status : `${error.status} (scope ${error.scope})`;
  } catch {
    status = "an unreadable error";
  }
  const last = await exchange(oauthBearerErrorReply());
  throw new KafkaError(
    last.errorCode !== ErrorCode.NONE ? last.errorCode : ErrorCode.SASL_AUTHENTICATION_FAILED,
    {
      message: `${where}: the broker refused the token with ${status}${
        last.errorMessage ? `: ${last.errorMessage}` : ""
      }`,
    },
  );
}

/**
 * Asks the provider for a token and encodes the client's first message with it.
 *
 * @throws {KafkaAuthenticationError} When the provider fails or returns an unusable
 * token (never quoting it).
 */
async function clientFirstMessage(
  options: OauthBearerSaslOptions,
  address: string,
  now: () => number,
): Promise<Uint8Array> {
  const refuse = (why: string, cause?: unknown): never => {
    throw new KafkaAuthenticationError(
      `Cannot authenticate with SASL OAUTHBEARER to broker at ${address} as ${why}`,
      cause === undefined
        ? { address, mechanism: "OAUTHBEARER" }
        : { address, mechanism: "OAUTHBEARER", cause },
    );
  };
  let token: OauthBearerToken;
  try {
    token = await options.token();
  } catch (error) {
    // The provider's error is kept as the cause; its text is the provider's own.
    return refuse("the token provider failed", error);
  }
  if (typeof token !== "object" || token === null || typeof token.value !== "string") {
    return refuse("the token provider returned no token value");
  }
  const { value, expiresAtMs, extensions } = token;
  if (typeof expiresAtMs === "number" && expiresAtMs <= now()) {
    return refuse(
      `the token provider returned a token that expired ${now() - expiresAtMs} ms ago`,
    );
  }
  try {
    return encodeOauthBearerClientFirst(
      extensions === undefined ? { token: value } : { token: value, extensions },
    );
  } catch (error) {
    return refuse(
      (error as Error).message.replace(/^Cannot encode the OAUTHBEARER message as /, ""),
    );
  }
}
