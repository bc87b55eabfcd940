/**
 * AWS MSK IAM authentication, with no dependency: the token MSK's brokers take over
 * SASL OAUTHBEARER is a SigV4-presigned `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`
 * URL, base64url-encoded without padding. It is signed here with WebCrypto exactly as
 * AWS's own `aws-msk-iam-sasl-signer-js` signs it (host, parameters, expiry, and the
 * unsigned `User-Agent` parameter added after signing), so the two produce the same
 * bytes for the same credentials, clock and user agent.
 *
 * @module
 */

import { base64url } from "./base64url.ts";
import { CLIENT_VERSION } from "./negotiate_versions.ts";
import type { OauthBearerSaslOptions } from "./oauthbearer.ts";
import { amzDate, EMPTY_PAYLOAD_SHA256, SIGV4_ALGORITHM, sigv4Encode, sigv4Sign } from "./sigv4.ts";

/** AWS credentials: an access key, and a session token for temporary ones (STS, roles). */
export interface AwsCredentials {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key; never logged or put in an error. */
  secretAccessKey: string;
  /**
   * The session token of temporary credentials.
   *
   * @default {undefined}
   */
  sessionToken?: string;
}

/** Options of {@linkcode mskIamToken}. */
export interface MskIamTokenOptions {
  /** The cluster's AWS region, e.g. `us-east-1`. */
  region: string;
  /** The credentials to sign with. */
  credentials: AwsCredentials;
  /**
   * The signing time: milliseconds since the epoch, a `Date`, or a clock function.
   *
   * @default {Date.now}
   */
  now?: number | Date | (() => number);
  /**
   * How long the token is valid, in seconds (X-Amz-Expires), from 1 to 604800.
   *
   * @default {900}
   */
  expiresInSeconds?: number;
  /**
   * The `User-Agent` query parameter (not signed; MSK logs it).
   *
   * @default {"webstream-kafka/<version>"}
   */
  userAgent?: string;
}

/** Options of {@linkcode awsMskIamSasl}. */
export interface AwsMskIamSaslOptions {
  /** The cluster's AWS region, e.g. `us-east-1`. */
  region: string;
  /**
   * The credentials, or a function returning them, called for every token (each new
   * connection and re-authentication), so rotating credentials are picked up.
   */
  credentials: AwsCredentials | (() => AwsCredentials | Promise<AwsCredentials>);
  /**
   * How long each token is valid, in seconds.
   *
   * @default {900}
   */
  expiresInSeconds?: number;
  /**
   * The `User-Agent` query parameter.
   *
   * @default {"webstream-kafka/<version>"}
   */
  userAgent?: string;
}

/** What AWS's signer uses when no expiry is given (seconds). */
const DEFAULT_EXPIRES_IN_SECONDS = 900;
/** The longest a SigV4 presigned URL may live (seconds). */
const MAX_EXPIRES_IN_SECONDS = 604_800;
const SERVICE = "kafka-cluster";
const ACTION = "kafka-cluster:Connect";
const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;
const encoder = new TextEncoder();

/**
 * Makes an MSK IAM authentication token: a SigV4-presigned `kafka-cluster:Connect`
 * URL for `kafka.<region>.amazonaws.com`, base64url-encoded without padding.
 *
 * @param options The region, credentials, clock, lifetime and user agent.
 * @returns The token and when it expires (the signing second plus the lifetime, in ms).
 * @throws {TypeError} For a missing region or credential; the message never includes
 * the secret access key or session token.
 * @throws {RangeError} For an `expiresInSeconds` outside 1 to 604800.
 *
 * @example A token for fixed credentials and a fixed clock
 * ```ts
 * import { mskIamToken } from "@webstream/kafka";
 *
 * const { value, expiresAtMs } = await mskIamToken({
 *   region: "us-east-1",
 *   credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
 *   now: Date.UTC(2024, 0, 1),
 * });
 * const url = new TextDecoder().decode(Uint8Array.from(atob(value.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0)));
 * console.log(url.slice(0, 70)); // "https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&"
 * console.log(new Date(expiresAtMs).toISOString()); // "2024-01-01T00:15:00.000Z"
 * ```
 */
export async function mskIamToken(
  options: MskIamTokenOptions,
): Promise<{ value: string; expiresAtMs: number }> {
  const { region, credentials, expires, userAgent, signingSecondMs } = checkTokenOptions(options);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  const date = amzDate(signingSecondMs);
  const host = `kafka.${region}.amazonaws.com`;
  const query: [string, string][] = [
    ["Action", ACTION],
    ["X-Amz-Algorithm", SIGV4_ALGORITHM],
    ["X-Amz-Credential", `${accessKeyId}/${date.slice(0, 8)}/${region}/${SERVICE}/aws4_request`],
    ["X-Amz-Date", date],
    ["X-Amz-Expires", String(expires)],
  ];
  // A session token is signed too (AWS puts it in the query before signing).
  if (sessionToken) query.push(["X-Amz-Security-Token", sessionToken]);
  query.push(["X-Amz-SignedHeaders", "host"]);
  const { signature } = await sigv4Sign(
    {
      method: "GET",
      path: "/",
      query,
      headers: [["host", host]],
      payloadHash: EMPTY_PAYLOAD_SHA256,
    },
    { accessKeyId, secretAccessKey, region, service: SERVICE, amzDate: date },
  );
  // AWS's signer adds the user agent after signing, then writes the parameters sorted
  // by name (JavaScript's default sort) with the same encoding.
  query.push(["X-Amz-Signature", signature], ["User-Agent", userAgent]);
  query.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  const search = query.map(([name, value]) => `${sigv4Encode(name)}=${sigv4Encode(value)}`)
    .join("&");
  return {
    value: base64url(encoder.encode(`https://${host}/?${search}`)),
    expiresAtMs: signingSecondMs + expires * 1000,
  };
}

/** The options of {@linkcode mskIamToken}, checked, with defaults and the signing second. */
interface CheckedTokenOptions {
  region: string;
  /** The credentials, each read once. */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string | undefined };
  expires: number;
  userAgent: string;
  signingSecondMs: number;
}

/** Checks the options of {@linkcode mskIamToken}, never quoting a secret. */
function checkTokenOptions(options: MskIamTokenOptions): CheckedTokenOptions {
  const { region, credentials } = options;
  const what = "Cannot make an MSK IAM token";
  if (typeof region !== "string" || !REGION.test(region)) {
    throw new TypeError(
      `${what} as region must be an AWS region such as "us-east-1": current value is ${
        JSON.stringify(region)
      }`,
    );
  }
  if (typeof credentials !== "object" || credentials === null) {
    throw new TypeError(`${what} as credentials must be an object`);
  }
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  if (typeof accessKeyId !== "string" || accessKeyId === "") {
    throw new TypeError(`${what} as credentials.accessKeyId must be a non-empty string`);
  }
  if (typeof secretAccessKey !== "string" || secretAccessKey === "") {
    throw new TypeError(`${what} as credentials.secretAccessKey must be a non-empty string`);
  }
  if (sessionToken !== undefined && typeof sessionToken !== "string") {
    throw new TypeError(`${what} as credentials.sessionToken must be a string`);
  }
  const expires = options.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_EXPIRES_IN_SECONDS) {
    throw new RangeError(
      `${what} as expiresInSeconds must be an integer from 1 to ${MAX_EXPIRES_IN_SECONDS}: current value is ${expires}`,
    );
  }
  const userAgent = options.userAgent ?? `webstream-kafka/${CLIENT_VERSION}`;
  const now = options.now;
  const nowMs = now === undefined
    ? Date.now()
    : typeof now === "function"
    ? now()
    : now instanceof Date
    ? now.getTime()
    : now;
  if (!Number.isFinite(nowMs)) {
    throw new TypeError(`${what} as now must be a time: current value is ${String(nowMs)}`);
  }
  return {
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    expires,
    userAgent,
    signingSecondMs: Math.floor(nowMs / 1000) * 1000,
  };
}

/**
 * The `sasl` option for an MSK cluster's IAM listener (port 9098, TLS): OAUTHBEARER
 * with a fresh {@linkcode mskIamToken} for every authentication.
 *
 * @param options The region, the credentials (or a function returning them, called
 * per token), the token lifetime and the user agent.
 * @returns The `sasl` option.
 *
 * @example Producing to MSK with IAM
 * ```ts
 * import { awsMskIamSasl, type ProducerOptions } from "@webstream/kafka";
 *
 * // Called for every token, so rotated credentials are picked up.
 * const loadCredentials = () => ({
 *   accessKeyId: "AKIDEXAMPLE",
 *   secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
 * });
 * const sasl = awsMskIamSasl({ region: "us-east-1", credentials: loadCredentials });
 * const options: ProducerOptions = {
 *   bootstrap: ["b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098"],
 *   topic: "events",
 *   tls: true,
 *   sasl,
 * }; // for createProducer(options) or kafkaSink(options)
 *
 * // What each new connection and each re-authentication does:
 * const token = await sasl.token();
 * console.log(sasl.mechanism, token.value.length > 0); // OAUTHBEARER true
 * ```
 */
export function awsMskIamSasl(options: AwsMskIamSaslOptions): OauthBearerSaslOptions {
  const { region, credentials, expiresInSeconds, userAgent } = options;
  return {
    mechanism: "OAUTHBEARER",
    token: async () => {
      const current = typeof credentials === "function" ? await credentials() : credentials;
      return await mskIamToken({
        region,
        credentials: current,
        ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
        ...(userAgent === undefined ? {} : { userAgent }),
      });
    },
  };
}
