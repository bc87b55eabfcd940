/**
 * The SASL OAUTHBEARER messages (RFC 7628), both sides: the client's initial response
 * (a GS2 header, the bearer token and key/value extensions, separated by 0x01) and the
 * server's JSON error challenge, to which the client answers with a lone 0x01 before
 * the server fails the exchange. Kafka carries them in SaslAuthenticate (KIP-255).
 *
 * The encoders check what RFC 7628 and Kafka's broker (`OAuthBearerClientInitialResponse`)
 * require, so a bad token or extension fails here, with a message that never repeats the
 * token itself.
 *
 * @module
 */

import { KafkaProtocolError } from "../errors.ts";

/** The client's initial OAUTHBEARER message. */
export interface OauthBearerClientFirst {
  /** The bearer token (RFC 6750 `b64token`), e.g. a JWT. */
  token: string;
  /**
   * The authorization identity, sent as GS2 `a=`; absent: none.
   *
   * @default {undefined}
   */
  authzid?: string;
  /**
   * SASL extensions (RFC 7628 section 3.1): keys of letters only, values of printable
   * ASCII, spaces, tabs and line breaks. `auth` is reserved.
   *
   * @default {{}}
   */
  extensions?: Record<string, string>;
}

/** The server's error challenge (RFC 7628 section 3.2.2). */
export interface OauthBearerServerError {
  /** The error, e.g. `invalid_token` or `invalid_request`. */
  status: string;
  /**
   * The scope the token lacked, if the server says.
   *
   * @default {undefined}
   */
  scope?: string;
  /**
   * Where the server's OpenID configuration is, if it says.
   *
   * @default {undefined}
   */
  openidConfiguration?: string;
}

/** The 0x01 separator; alone, it is the client's reply to an error challenge. */
const KVSEP = "\x01";
/** RFC 6750 `b64token`. */
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** RFC 7628 `key`. */
const KEY = /^[A-Za-z]+$/;
/** RFC 7628 `value`: VCHAR, SP, HTAB, CR, LF. */
const VALUE = /^[\x21-\x7E \t\r\n]*$/;
/** RFC 5801 `saslname` before escaping: UTF-8 without NUL. */
const AUTHZID = /^[^\0]+$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The client's reply to a server error challenge: a lone 0x01. The server then fails
 * the exchange (Kafka: SASL_AUTHENTICATION_FAILED).
 *
 * @returns A new one-byte array.
 *
 * @example
 * ```ts
 * import { oauthBearerErrorReply } from "@webstream/kafka/protocol";
 *
 * console.log(oauthBearerErrorReply()); // Uint8Array(1) [ 1 ]
 * ```
 */
export function oauthBearerErrorReply(): Uint8Array {
  return Uint8Array.of(0x01);
}

/**
 * Encodes the client's initial OAUTHBEARER message:
 * `n,[a=authzid],` 0x01 `auth=Bearer <token>` 0x01 (`key=value` 0x01)* 0x01.
 *
 * @param message The token, authorization identity and extensions.
 * @returns The message bytes.
 * @throws {TypeError} If the token is not an RFC 6750 bearer token, or an extension key
 * or value is not allowed; the message names the extension key, never the token.
 *
 * @example A token with one extension
 * ```ts
 * import { encodeOauthBearerClientFirst } from "@webstream/kafka/protocol";
 *
 * const bytes = encodeOauthBearerClientFirst({ token: "abc.def.", extensions: { logicalCluster: "lkc-1" } });
 * console.log(new TextDecoder().decode(bytes).split("\x01"));
 * // [ "n,,", "auth=Bearer abc.def.", "logicalCluster=lkc-1", "", "" ]
 * ```
 */
export function encodeOauthBearerClientFirst(message: OauthBearerClientFirst): Uint8Array {
  const { token, authzid, extensions = {} } = message;
  if (typeof token !== "string" || !TOKEN.test(token)) {
    throw new TypeError(
      `Cannot encode the OAUTHBEARER message as the token is not a bearer token (RFC 6750 b64token): its length is ${
        typeof token === "string" ? token.length : typeof token
      }`,
    );
  }
  let gs2 = "n,,";
  if (authzid !== undefined) {
    if (!AUTHZID.test(authzid)) {
      throw new TypeError("Cannot encode the OAUTHBEARER message as authzid is empty or has NUL");
    }
    gs2 = `n,a=${authzid.replaceAll("=", "=3D").replaceAll(",", "=2C")},`;
  }
  let text = `${gs2}${KVSEP}auth=Bearer ${token}${KVSEP}`;
  for (const [key, value] of Object.entries(extensions)) {
    if (!KEY.test(key) || key === "auth") {
      throw new TypeError(
        `Cannot encode the OAUTHBEARER message as extension keys must be letters and not "auth": current value is ${
          JSON.stringify(key)
        }`,
      );
    }
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw new TypeError(
        `Cannot encode the OAUTHBEARER message as the value of extension ${key} must be printable ASCII, spaces, tabs or line breaks`,
      );
    }
    text += `${key}=${value}${KVSEP}`;
  }
  return encoder.encode(text + KVSEP);
}

/**
 * Decodes the client's initial OAUTHBEARER message: what a broker reads.
 *
 * @param bytes The SaslAuthenticate request's bytes.
 * @returns The token, authorization identity and extensions.
 * @throws {KafkaProtocolError} If the bytes are not an RFC 7628 client message; the
 * message never repeats the token.
 *
 * @example Reading what a client sent
 * ```ts
 * import { decodeOauthBearerClientFirst, encodeOauthBearerClientFirst } from "@webstream/kafka/protocol";
 *
 * const sent = encodeOauthBearerClientFirst({ token: "abc.def.", extensions: { traceId: "42" } });
 * console.log(decodeOauthBearerClientFirst(sent));
 * // { token: "abc.def.", extensions: { traceId: "42" } }
 * ```
 */
export function decodeOauthBearerClientFirst(bytes: Uint8Array): OauthBearerClientFirst {
  const fail = (why: string): never => {
    throw new KafkaProtocolError(`Cannot read the OAUTHBEARER client message as ${why}`);
  };
  let text = "";
  try {
    text = decoder.decode(bytes);
  } catch {
    fail("it is not UTF-8");
  }
  const parts = text.split(KVSEP);
  // gs2 header, then key=value pairs, then the two empty strings of the final 0x01 0x01.
  if (parts.length < 4 || parts.at(-1) !== "" || parts.at(-2) !== "") {
    fail("it does not end with two 0x01 separators");
  }
  const gs2 = /^n,(?:a=([^,]*))?,$/.exec(parts[0]!) ?? fail("its GS2 header is not n,[a=...],");
  const result: OauthBearerClientFirst = { token: "" };
  if (gs2[1] !== undefined) {
    const authzid = gs2[1].replaceAll("=2C", ",").replaceAll("=3D", "=");
    if (authzid !== "") result.authzid = authzid;
  }
  const extensions: Record<string, string> = {};
  let token: string | undefined;
  for (const pair of parts.slice(1, -2)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) fail("a key/value pair has no key");
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (!KEY.test(key)) fail(`a key is not letters only: ${JSON.stringify(key)}`);
    if (key === "auth") {
      if (token !== undefined) fail("it has two auth values");
      const bearer = /^Bearer +(\S+)$/i.exec(value);
      if (bearer === null || !TOKEN.test(bearer[1]!)) {
        fail("its auth value is not Bearer and a bearer token");
      }
      token = bearer![1]!;
    } else {
      if (!VALUE.test(value)) fail(`the value of extension ${key} has characters not allowed`);
      if (Object.hasOwn(extensions, key)) fail(`extension ${key} appears twice`);
      extensions[key] = value;
    }
  }
  if (token === undefined) fail("it has no auth value");
  result.token = token!;
  if (Object.keys(extensions).length > 0) result.extensions = extensions;
  return result;
}

/**
 * Encodes the server's error challenge, the JSON of RFC 7628 section 3.2.2.
 *
 * @param error The status and, optionally, the scope and OpenID configuration.
 * @returns The challenge bytes.
 *
 * @example An expired token
 * ```ts
 * import { encodeOauthBearerServerError } from "@webstream/kafka/protocol";
 *
 * const bytes = encodeOauthBearerServerError({ status: "invalid_token" });
 * console.log(new TextDecoder().decode(bytes)); // {"status":"invalid_token"}
 * ```
 */
export function encodeOauthBearerServerError(error: OauthBearerServerError): Uint8Array {
  const json: Record<string, string> = { status: error.status };
  if (error.scope !== undefined) json.scope = error.scope;
  if (error.openidConfiguration !== undefined) {
    json["openid-configuration"] = error.openidConfiguration;
  }
  return encoder.encode(JSON.stringify(json));
}

/**
 * Decodes the server's error challenge: what a client reads when its token is refused.
 *
 * @param bytes The SaslAuthenticate response's bytes (non-empty).
 * @returns The status, and the scope and OpenID configuration when present.
 * @throws {KafkaProtocolError} If the bytes are not a JSON object with a string `status`.
 *
 * @example Reading Kafka's answer to a token without the required scope
 * ```ts
 * import { decodeOauthBearerServerError } from "@webstream/kafka/protocol";
 *
 * const bytes = new TextEncoder().encode('{"status":"insufficient_scope","scope":"kafka"}');
 * console.log(decodeOauthBearerServerError(bytes)); // { status: "insufficient_scope", scope: "kafka" }
 * ```
 */
export function decodeOauthBearerServerError(bytes: Uint8Array): OauthBearerServerError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch {
    parsed = undefined;
  }
  const object = parsed as Record<string, unknown> | undefined;
  if (typeof object !== "object" || object === null || typeof object.status !== "string") {
    throw new KafkaProtocolError(
      `Cannot read the OAUTHBEARER server message as it is not JSON with a status: got ${bytes.length} bytes`,
    );
  }
  const error: OauthBearerServerError = { status: object.status };
  if (typeof object.scope === "string") error.scope = object.scope;
  if (typeof object["openid-configuration"] === "string") {
    error.openidConfiguration = object["openid-configuration"];
  }
  return error;
}
