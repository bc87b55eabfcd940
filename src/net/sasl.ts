/**
 * SASL authentication of a new connection, after ApiVersions and before any other
 * request (KIP-43, KIP-152): SaslHandshake names the mechanism, then SaslAuthenticate
 * carries its tokens. PLAIN takes one round trip, SCRAM-SHA-256/512 two.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ApiKey } from "../protocol/api.ts";
import { ErrorCode, isSaslErrorCode } from "../protocol/error_codes.ts";
import { saslAuthenticateApi } from "../protocol/sasl_authenticate.ts";
import { saslHandshakeApi } from "../protocol/sasl_handshake.ts";
import type { Connection } from "./connection.ts";
import { ScramClient, ScramError, scramText } from "./scram.ts";

/** The SASL mechanisms this client speaks. */
export const SASL_MECHANISMS: readonly SaslMechanism[] = Object.freeze([
  "PLAIN",
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
]);

/** A SASL mechanism: Java's `sasl.mechanism`. */
export type SaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/**
 * SASL credentials: Java's `sasl.mechanism` and the user and password of its
 * `sasl.jaas.config` (PlainLoginModule or ScramLoginModule).
 */
export interface SaslOptions {
  /** The mechanism, as the broker's `sasl.enabled.mechanisms` names it. */
  mechanism: SaslMechanism;
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
}

const encoder = new TextEncoder();

/**
 * Whether an error is a failed SASL authentication: no other broker and no retry
 * will do better with the same credentials.
 *
 * @param error Any error.
 * @returns True for SASL_AUTHENTICATION_FAILED, UNSUPPORTED_SASL_MECHANISM and
 * ILLEGAL_SASL_STATE.
 */
export function isAuthenticationError(error: unknown): error is KafkaError {
  return error instanceof KafkaError && isSaslErrorCode(error.code);
}

/**
 * Authenticates a new connection with SASL.
 *
 * @param connection The connection, on which only ApiVersions was sent.
 * @param versions The versions negotiated with the broker.
 * @param sasl The mechanism and credentials.
 * @param address The broker's address, for error messages.
 * @throws {KafkaError} SASL_AUTHENTICATION_FAILED (bad credentials, or a SCRAM
 * exchange the client cannot trust), UNSUPPORTED_SASL_MECHANISM (naming the ones the
 * listener enables) or ILLEGAL_SASL_STATE (a listener without SASL).
 */
export async function authenticate(
  connection: Connection,
  versions: ReadonlyMap<number, number>,
  sasl: SaslOptions,
  address: string,
): Promise<void> {
  const { mechanism, username } = sasl;
  const where = `SASL ${mechanism} as ${username} with broker at ${address}`;
  const handshakeVersion = versions.get(ApiKey.SaslHandshake);
  const authenticateVersion = versions.get(ApiKey.SaslAuthenticate);
  if (handshakeVersion === undefined || authenticateVersion === undefined) {
    throw new KafkaError(ErrorCode.ILLEGAL_SASL_STATE, {
      message:
        `Cannot authenticate with ${where} as the broker offers no SaslHandshake v1 and SaslAuthenticate`,
      byClient: true,
    });
  }
  const handshake = await connection.request(saslHandshakeApi, handshakeVersion, { mechanism });
  if (handshake.errorCode !== 0) {
    throw new KafkaError(handshake.errorCode, {
      message: `${where}: the listener enables ${handshake.mechanisms.join(", ") || "none"}`,
    });
  }
  const exchange = async (token: string): Promise<string> => {
    const response = await connection.request(saslAuthenticateApi, authenticateVersion, {
      authBytes: encoder.encode(token),
    });
    if (response.errorCode !== 0) {
      throw new KafkaError(response.errorCode, {
        message: `${where}${response.errorMessage ? `: ${response.errorMessage}` : ""}`,
      });
    }
    return scramText(response.authBytes);
  };
  if (mechanism === "PLAIN") {
    // authzid (empty), authcid and password, NUL-separated (RFC 4616).
    await exchange(`\0${username}\0${sasl.password}`);
    return;
  }
  try {
    const scram = new ScramClient(mechanism, username, sasl.password);
    const serverFirst = await exchange(scram.clientFirst());
    const serverFinal = await exchange(await scram.clientFinal(serverFirst));
    scram.verifyServerFinal(serverFinal);
  } catch (error) {
    if (!(error instanceof ScramError)) throw error;
    throw new KafkaError(ErrorCode.SASL_AUTHENTICATION_FAILED, {
      message: `Cannot authenticate with ${where} as ${error.message}`,
      byClient: true,
      cause: error,
    });
  }
}
