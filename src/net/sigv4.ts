/**
 * AWS Signature Version 4 (HMAC-SHA256 through WebCrypto): the canonical request, the
 * string to sign and the signature, for any request. MSK IAM presigns one with it
 * ({@linkcode mskIamToken}); the tests check it against AWS's published test suite.
 *
 * @module
 */

import { hmac } from "./hmac.ts";

/** A request to sign. Names and values are raw; this module encodes them. */
export interface Sigv4Request {
  /** The HTTP method, e.g. `GET`. */
  method: string;
  /** The canonical URI: the path, already URI-encoded once (e.g. `/`). */
  path: string;
  /** Query parameters, raw, in any order; a name may repeat. */
  query: readonly (readonly [string, string])[];
  /** Headers to sign, raw, in any order (at least `host`); a name may repeat. */
  headers: readonly (readonly [string, string])[];
  /** The lowercase hex SHA-256 of the payload, or `UNSIGNED-PAYLOAD`. */
  payloadHash: string;
}

/** Who signs, where and when. */
export interface Sigv4Signer {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key; never logged or put in an error. */
  secretAccessKey: string;
  /** The region, e.g. `us-east-1`. */
  region: string;
  /** The service, e.g. `kafka-cluster`. */
  service: string;
  /** The signing time as `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
}

/** What signing produced, every intermediate step included. */
export interface Sigv4Signature {
  /** The canonical request. */
  canonicalRequest: string;
  /** The string to sign. */
  stringToSign: string;
  /** `YYYYMMDD/region/service/aws4_request`. */
  scope: string;
  /** The signed header names, lowercase, `;`-separated. */
  signedHeaders: string;
  /** The signature, lowercase hex. */
  signature: string;
}

/** The algorithm's name, as X-Amz-Algorithm and the string to sign carry it. */
export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
/** The SHA-256 of an empty payload, hex. */
export const EMPTY_PAYLOAD_SHA256 =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const encoder = new TextEncoder();

/**
 * URI-encodes as SigV4 wants: every byte except `A-Z a-z 0-9 - _ . ~` as `%XX`.
 *
 * @param text The text.
 * @returns The encoded text.
 *
 * @example
 * ```ts
 * import { sigv4Encode } from "./sigv4.ts";
 *
 * console.log(sigv4Encode("kafka-cluster:Connect")); // "kafka-cluster%3AConnect"
 * ```
 */
export function sigv4Encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The SigV4 time format of a moment: `YYYYMMDDTHHMMSSZ`, UTC, whole seconds.
 *
 * @param ms Milliseconds since the epoch.
 * @returns The formatted time.
 *
 * @example
 * ```ts
 * import { amzDate } from "./sigv4.ts";
 *
 * console.log(amzDate(Date.UTC(2015, 7, 30, 12, 36))); // "20150830T123600Z"
 * ```
 */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/**
 * The canonical query string: each name and value encoded, sorted by name then value,
 * joined with `&`.
 *
 * @param query The parameters, raw.
 * @returns The canonical query string.
 *
 * @example
 * ```ts
 * import { canonicalQuery } from "./sigv4.ts";
 *
 * console.log(canonicalQuery([["b", "2"], ["a", "x y"]])); // "a=x%20y&b=2"
 * ```
 */
export function canonicalQuery(query: readonly (readonly [string, string])[]): string {
  return query
    .map(([name, value]) => [sigv4Encode(name), sigv4Encode(value)] as const)
    .sort(([an, av], [bn, bv]) => an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0)
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
}

/**
 * Signs a request with SigV4.
 *
 * @param request The request: method, path, query, headers and payload hash.
 * @param signer The credentials, region, service and time.
 * @returns The canonical request, string to sign, scope, signed headers and signature.
 *
 * @example AWS's test suite request `get-vanilla`
 * ```ts
 * import { EMPTY_PAYLOAD_SHA256, sigv4Sign } from "./sigv4.ts";
 *
 * const { signature } = await sigv4Sign(
 *   {
 *     method: "GET",
 *     path: "/",
 *     query: [],
 *     headers: [["host", "example.amazonaws.com"], ["x-amz-date", "20150830T123600Z"]],
 *     payloadHash: EMPTY_PAYLOAD_SHA256,
 *   },
 *   {
 *     accessKeyId: "AKIDEXAMPLE",
 *     secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
 *     region: "us-east-1",
 *     service: "service",
 *     amzDate: "20150830T123600Z",
 *   },
 * );
 * console.log(signature);
 * // "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
 * ```
 */
export async function sigv4Sign(
  request: Sigv4Request,
  signer: Sigv4Signer,
): Promise<Sigv4Signature> {
  const headers = new Map<string, string>();
  for (const [name, value] of request.headers) {
    const key = name.toLowerCase();
    const canonical = value.trim().replace(/\s+/g, " ");
    const earlier = headers.get(key);
    headers.set(key, earlier === undefined ? canonical : `${earlier},${canonical}`);
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    ...names.map((name) => `${name}:${headers.get(name)}`),
    "",
    signedHeaders,
    request.payloadHash,
  ].join("\n");
  const day = signer.amzDate.slice(0, 8);
  const scope = `${day}/${signer.region}/${signer.service}/aws4_request`;
  const stringToSign = [
    SIGV4_ALGORITHM,
    signer.amzDate,
    scope,
    hex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(canonicalRequest)))),
  ].join("\n");
  let key: Uint8Array<ArrayBuffer> = encoder.encode(`AWS4${signer.secretAccessKey}`);
  for (const part of [day, signer.region, signer.service, "aws4_request"]) {
    key = await hmac("SHA-256", key, part);
  }
  const signature = hex(await hmac("SHA-256", key, stringToSign));
  return { canonicalRequest, stringToSign, scope, signedHeaders, signature };
}

function hex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}
