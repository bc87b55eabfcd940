/**
 * One SASL round trip: the client's token in a SaslAuthenticate request, the broker's
 * answer in its response. Every mechanism's exchange goes through here.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { SaslAuthenticateResponse } from "../protocol/sasl_authenticate.ts";

/** Sends one SASL token in a SaslAuthenticate request and returns the response. */
export type SaslExchange = (bytes: Uint8Array) => Promise<SaslAuthenticateResponse>;

/**
 * Throws the error a SaslAuthenticate response carries, if any, with the broker's
 * explanation.
 *
 * @param response The response.
 * @param where The authentication, e.g. "SASL PLAIN as alice with broker at host:9092".
 * @throws {KafkaError} With the response's error code, unless it is NONE.
 *
 * @example A refused password
 * ```ts
 * import { ErrorCode } from "@webstream/kafka/protocol";
 * import { checkSaslAuthenticateResponse } from "./sasl_exchange.ts";
 *
 * try {
 *   checkSaslAuthenticateResponse({
 *     errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
 *     errorMessage: "Authentication failed: Invalid username or password",
 *     authBytes: new Uint8Array(0),
 *     sessionLifetimeMs: 0n,
 *   }, "SASL PLAIN as alice with broker at localhost:9092");
 * } catch (error) {
 *   console.log((error as Error).name); // "SASL_AUTHENTICATION_FAILED"
 * }
 * ```
 */
export function checkSaslAuthenticateResponse(
  response: SaslAuthenticateResponse,
  where: string,
): void {
  if (response.errorCode !== ErrorCode.NONE) {
    throw new KafkaError(response.errorCode, {
      message: `${where}${response.errorMessage ? `: ${response.errorMessage}` : ""}`,
    });
  }
}
