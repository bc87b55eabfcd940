/**
 * Validation of the `tls` and `sasl` options, for whoever takes them (the producer's
 * options): the shapes of {@linkcode TlsOptions} and {@linkcode SaslOptions}, with
 * messages that name the field and never print a key, password or token.
 *
 * @module
 */

import { SASL_MECHANISMS, type SaslOptions } from "./sasl.ts";
import type { TlsOptions } from "./transport.ts";

/**
 * Checks the `tls` option.
 *
 * @param tls What the user passed.
 * @param what The start of error messages, e.g. "Cannot create producer".
 * @returns The option, unchanged.
 * @throws {TypeError} For a wrong shape; for a client certificate without its key (or
 * the reverse), PEM that is not a certificate or a private key, or an encrypted key.
 *
 * @example A client certificate without its key
 * ```ts
 * import { checkTls } from "./check_security.ts";
 *
 * try {
 *   checkTls({ cert: "-----BEGIN CERTIFICATE-----\n..." }, "Cannot create producer");
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // "Cannot create producer as tls.cert and tls.key go together: tls.key is missing"
 * }
 * ```
 */
export function checkTls(tls: unknown, what: string): boolean | TlsOptions | undefined {
  if (tls === undefined || typeof tls === "boolean") return tls;
  if (typeof tls !== "object" || tls === null) {
    throw new TypeError(
      `${what} as tls must be a boolean or an object: current value is ${describe(tls)}`,
    );
  }
  const { caCerts, serverName, cert, key } = tls as TlsOptions;
  if (
    caCerts !== undefined &&
    !(Array.isArray(caCerts) && caCerts.every((ca) => typeof ca === "string"))
  ) {
    throw new TypeError(`${what} as tls.caCerts must be an array of PEM strings`);
  }
  if (serverName !== undefined && typeof serverName !== "string") {
    throw new TypeError(
      `${what} as tls.serverName must be a string: current value is ${describe(serverName)}`,
    );
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError(
      `${what} as tls.cert and tls.key go together: tls.${
        cert === undefined ? "cert" : "key"
      } is missing`,
    );
  }
  if (cert !== undefined) {
    if (typeof cert !== "string" || !cert.includes("-----BEGIN CERTIFICATE-----")) {
      throw new TypeError(`${what} as tls.cert must be a PEM certificate (BEGIN CERTIFICATE)`);
    }
    // Never quote the key: describe it only.
    if (typeof key !== "string" || !/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(key)) {
      throw new TypeError(`${what} as tls.key must be a PEM private key (BEGIN PRIVATE KEY)`);
    }
    if (/ENCRYPTED/.test(key)) {
      throw new TypeError(
        `${what} as tls.key is encrypted: give it decrypted (Deno cannot take a passphrase)`,
      );
    }
  }
  return tls as TlsOptions;
}

/**
 * Checks the `sasl` option.
 *
 * @param sasl What the user passed.
 * @param what The start of error messages, e.g. "Cannot create producer".
 * @returns The option: a copy of the fields that matter.
 * @throws {RangeError} For an unknown mechanism.
 * @throws {TypeError} For a missing user, password or token provider.
 *
 * @example An OAUTHBEARER provider
 * ```ts
 * import { checkSasl } from "./check_security.ts";
 *
 * const sasl = checkSasl(
 *   { mechanism: "OAUTHBEARER", token: async () => ({ value: "eyJhbGciOiJub25lIn0.e30." }) },
 *   "Cannot create producer",
 * );
 * console.log(sasl?.mechanism); // "OAUTHBEARER"
 * ```
 */
export function checkSasl(sasl: unknown, what: string): SaslOptions | undefined {
  if (sasl === undefined) return undefined;
  if (typeof sasl !== "object" || sasl === null) {
    throw new TypeError(`${what} as sasl must be an object: current value is ${describe(sasl)}`);
  }
  const options = sasl as SaslOptions;
  const mechanism = options.mechanism;
  if (!SASL_MECHANISMS.includes(mechanism)) {
    throw new RangeError(
      `${what} as sasl.mechanism must be ${
        SASL_MECHANISMS.map((m) => `"${m}"`).join(", ")
      }: current value is ${describe(mechanism)}`,
    );
  }
  if (options.mechanism === "OAUTHBEARER") {
    if (typeof options.token !== "function") {
      throw new TypeError(
        `${what} as sasl.token must be a function returning a promise of { value, expiresAtMs?, extensions? }`,
      );
    }
    return { mechanism: options.mechanism, token: options.token };
  }
  const { username, password } = options;
  for (const [name, value] of [["username", username], ["password", password]] as const) {
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`${what} as sasl.${name} must be a non-empty string`);
    }
  }
  return { mechanism: options.mechanism, username, password };
}

/** A value as error messages show it: strings quoted (as the producer's options do). */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  return String(value);
}
