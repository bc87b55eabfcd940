/**
 * SASL authentication of a connection, after ApiVersions and before any other request
 * (KIP-43, KIP-152), and again before its session expires (KIP-368): SaslHandshake names
 * the mechanism, then SaslAuthenticate carries its tokens. PLAIN and OAUTHBEARER take
 * one round trip, SCRAM-SHA-256/512 two.
 *
 * @module
 */

import { KafkaAuthenticationError, KafkaError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import { ErrorCode, isSaslErrorCode } from "../protocol/error_codes.ts";
import { saslAuthenticateApi } from "../protocol/sasl_authenticate.ts";
import { saslHandshakeApi } from "../protocol/sasl_handshake.ts";
import { authenticateOauthBearer, type OauthBearerSaslOptions } from "./oauthbearer.ts";
import type { Requester } from "./requester.ts";
import { checkSaslAuthenticateResponse, type SaslExchange } from "./sasl_exchange.ts";
import { ScramClient, ScramError, scramText } from "./scram.ts";

/** The SASL mechanisms this client speaks. */
export const SASL_MECHANISMS: readonly SaslMechanism[] = Object.freeze([
  "PLAIN",
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
  "OAUTHBEARER",
]);

/** A SASL mechanism: Java's `sasl.mechanism`. */
export type SaslMechanism = PasswordMechanism | "OAUTHBEARER";

/** The SASL mechanisms that take a user and a password. */
export type PasswordMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/**
 * SASL with a user and a password: Java's `sasl.mechanism` and the credentials of its
 * `sasl.jaas.config` (PlainLoginModule or ScramLoginModule).
 */
export interface PasswordSaslOptions {
  /** The mechanism, as the broker's `sasl.enabled.mechanisms` names it. */
  mechanism: PasswordMechanism;
  /** The user name. */
  username: string;
  /** The password; never logged or put in an error. */
  password: string;
}

/**
 * SASL credentials: a user and password (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) or a
 * token provider (OAUTHBEARER).
 */
export type SaslOptions = PasswordSaslOptions | OauthBearerSaslOptions;

const encoder = new TextEncoder();

/**
 * Whether an error is a failed authentication: no other broker and no retry will do
 * better with the same credentials.
 *
 * @param error Any error.
 * @returns True for SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM and
 * ILLEGAL_SASL_STATE, and for a {@linkcode KafkaAuthenticationError} (TLS, token provider).
 */
export function isAuthenticationError(
  error: unknown,
): error is KafkaError | KafkaAuthenticationError {
  return (error instanceof KafkaError && isSaslErrorCode(error.code)) ||
    error instanceof KafkaAuthenticationError;
}

/**
 * Authenticates a connection with SASL: a new one (after ApiVersions), or one whose
 * session is about to expire (KIP-368; then `connection` is the requester of
 * {@linkcode Connection.exclusive}, so nothing else is sent meanwhile).
 *
 * @param connection Where to send the SASL requests.
 * @param versions The versions negotiated with the broker.
 * @param sasl The mechanism and credentials.
 * @param address The broker's address, for error messages.
 * @param now The clock, for token expiry.
 * @returns The session lifetime the broker grants, in ms: re-authenticate before it
 * ends; 0 when the broker sets no limit.
 * @throws {KafkaError} SASL_AUTHENTICATION_FAILED (bad credentials, a refused token, or
 * a SCRAM exchange the client cannot trust), UNSUPPORTED_SASL_MECHANISM (naming the ones
 * the listener enables) or ILLEGAL_SASL_STATE (a listener without SASL).
 * @throws {KafkaAuthenticationError} When the OAUTHBEARER token provider fails.
 */
export async function authenticate(
  connection: Requester,
  versions: ReadonlyMap<number, number>,
  sasl: SaslOptions,
  address: string,
  now: () => number = Date.now,
): Promise<number> {
  const where = sasl.mechanism === "OAUTHBEARER"
    ? `SASL OAUTHBEARER with broker at ${address}`
    : `SASL ${sasl.mechanism} as ${sasl.username} with broker at ${address}`;
  const authenticateVersion = await handshake(connection, versions, sasl.mechanism, where);
  const send: SaslExchange = (authBytes) =>
    connection.request(saslAuthenticateApi, authenticateVersion, { authBytes });
  if (sasl.mechanism === "OAUTHBEARER") {
    return await authenticateOauthBearer(send, sasl, address, now);
  }
  return await authenticateWithPassword(send, sasl, where);
}

/**
 * SaslHandshake: names the mechanism, which the listener must enable.
 *
 * @returns The SaslAuthenticate version to use.
 */
async function handshake(
  connection: Requester,
  versions: ReadonlyMap<number, number>,
  mechanism: SaslMechanism,
  where: string,
): Promise<number> {
  const handshakeVersion = versions.get(ApiKey.SaslHandshake);
  const authenticateVersion = versions.get(ApiKey.SaslAuthenticate);
  // v0 would send the tokens as bare frames: only SaslAuthenticate is spoken here.
  if (
    handshakeVersion === undefined || handshakeVersion < 1 || authenticateVersion === undefined
  ) {
    throw new KafkaError(ErrorCode.ILLEGAL_SASL_STATE, {
      message:
        `Cannot authenticate with ${where} as the broker offers no SaslHandshake v1 and SaslAuthenticate`,
      byClient: true,
    });
  }
  const response = await connection.request(saslHandshakeApi, handshakeVersion, { mechanism });
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaError(response.errorCode, {
      message: `${where}: the listener enables ${response.mechanisms.join(", ") || "none"}`,
    });
  }
  return authenticateVersion;
}

/**
 * PLAIN (one round trip) or SCRAM (two, the server's signature checked).
 *
 * @returns The session lifetime the broker grants (ms; 0 when unlimited).
 */
async function authenticateWithPassword(
  send: SaslExchange,
  sasl: PasswordSaslOptions,
  where: string,
): Promise<number> {
  let lifetimeMs = 0;
  const exchange = async (token: string): Promise<string> => {
    const response = await send(encoder.encode(token));
    checkSaslAuthenticateResponse(response, where);
    lifetimeMs = Number(response.sessionLifetimeMs);
    return scramText(response.authBytes);
  };
  if (sasl.mechanism === "PLAIN") {
    // authzid (empty), authcid and password, NUL-separated (RFC 4616).
    await exchange(`\0${sasl.username}\0${sasl.password}`);
    return lifetimeMs;
  }
  try {
    const scram = new ScramClient(sasl.mechanism, sasl.username, sasl.password);
    const serverFirst = await exchange(scram.clientFirst());
    const serverFinal = await exchange(await scram.clientFinal(serverFirst));
    scram.verifyServerFinal(serverFinal);
    return lifetimeMs;
  } catch (error) {
    if (!(error instanceof ScramError)) throw error;
    throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, {
      message: `Cannot authenticate with ${where} as ${error.message}`,
      byClient: true,
      cause: error,
    });
  }
}
