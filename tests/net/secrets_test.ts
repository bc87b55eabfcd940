/**
 * Secrets never appear in an error: every failure path of TLS, SASL (PLAIN, SCRAM,
 * OAUTHBEARER) and MSK IAM is driven with distinctive secrets, and everything the error
 * says (message, stack, own string fields, and the same for each cause) is searched
 * for them, and for the SASL bytes that carry them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Api } from "../../src/protocol/api.ts";
import type { Requester } from "../../src/net/connection.ts";
import { authenticate } from "../../src/net/sasl.ts";
import { checkSasl, checkTls } from "../../src/net/check_security.ts";
import { mskIamToken } from "../../src/net/msk_iam.ts";
import { tlsFailure } from "../../src/net/tls_failure.ts";
import { base64url } from "../../src/net/base64url.ts";
import { CLIENT_CERT, ROGUE_KEY } from "./_mtls_certs.ts";

const PASSWORD = "pw-Zq8!secret-7731";
const TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0b2tlbi1zZWNyZXQtOTkxMiJ9.";
const SECRET_KEY = "aws+Secret/Key=55107XYZ";
const SESSION_TOKEN = "FwoGZXIvYXdzSessionSecret0042";
const KEY_LINE = ROGUE_KEY.split("\n")[1]!;
const SECRETS = [PASSWORD, TOKEN, SECRET_KEY, SESSION_TOKEN, KEY_LINE];
const enc = new TextEncoder();
// The SASL bytes that carry them, as text and base64 (how bytes usually leak).
const SASL_BYTES = [`\0alice\0${PASSWORD}`, `auth=Bearer ${TOKEN}`];
const FORBIDDEN = [
  ...SECRETS,
  ...SASL_BYTES,
  ...SASL_BYTES.map((s) => btoa(s)),
  ...SECRETS.map((s) => base64url(enc.encode(s))),
];

/** Everything an error says, its causes included. */
function said(error: unknown, depth = 0): string {
  if (depth > 8 || error === null || error === undefined) return "";
  if (!(error instanceof Error)) return String(error);
  const own = Object.entries(error).filter(([, v]) => typeof v === "string").map(([, v]) => v);
  return [error.message, error.stack ?? "", String(error), ...own, said(error.cause, depth + 1)]
    .join("\n");
}

function assertClean(error: unknown, where: string): void {
  assert.ok(error instanceof Error, `${where}: an error`);
  const text = said(error);
  for (const secret of FORBIDDEN) {
    assert.ok(
      !text.includes(secret),
      `${where}: the error says a secret (${secret.slice(0, 6)}...)`,
    );
  }
}

async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.fail("expected a failure");
}

/** A broker that accepts the handshake and answers SaslAuthenticate with `responses`. */
function broker(responses: unknown[]): Requester {
  const queue = [
    { errorCode: 0, mechanisms: ["PLAIN", "SCRAM-SHA-256", "OAUTHBEARER"] },
    ...responses,
  ];
  return {
    request: <Req, Res>(_api: Api<Req, Res>, _version: number, _body: Req) =>
      Promise.resolve(queue.shift() as Res),
  };
}
const refused = (message: string) => ({
  errorCode: 58,
  errorMessage: message,
  authBytes: new Uint8Array(0),
  sessionLifetimeMs: 0n,
});
const VERSIONS = new Map([[17, 1], [36, 2]]);

test("no secret in the errors of refused SASL PLAIN, SCRAM and OAUTHBEARER", async () => {
  const failures: [string, () => Promise<unknown>][] = [
    [
      "PLAIN refused",
      () =>
        authenticate(broker([refused("Invalid username or password")]), VERSIONS, {
          mechanism: "PLAIN",
          username: "alice",
          password: PASSWORD,
        }, "b:1"),
    ],
    ["SCRAM with a bad server first message", () =>
      authenticate(
        broker([{
          errorCode: 0,
          errorMessage: null,
          authBytes: enc.encode("r=x,s=%%%,i=4096"),
          sessionLifetimeMs: 0n,
        }]),
        VERSIONS,
        { mechanism: "SCRAM-SHA-256", username: "alice", password: PASSWORD },
        "b:1",
      )],
    ["OAUTHBEARER refused", () =>
      authenticate(
        broker([
          {
            errorCode: 0,
            errorMessage: null,
            authBytes: enc.encode('{"status":"invalid_token"}'),
            sessionLifetimeMs: 0n,
          },
          refused("Authentication failed"),
        ]),
        VERSIONS,
        { mechanism: "OAUTHBEARER", token: () => Promise.resolve({ value: TOKEN }) },
        "b:1",
      )],
    ["OAUTHBEARER expired token", () =>
      authenticate(broker([]), VERSIONS, {
        mechanism: "OAUTHBEARER",
        token: () => Promise.resolve({ value: TOKEN, expiresAtMs: 1 }),
      }, "b:1")],
    ["OAUTHBEARER malformed token", () =>
      authenticate(broker([]), VERSIONS, {
        mechanism: "OAUTHBEARER",
        token: () => Promise.resolve({ value: `${TOKEN} ${PASSWORD}` }),
      }, "b:1")],
    ["OAUTHBEARER bad extension", () =>
      authenticate(broker([]), VERSIONS, {
        mechanism: "OAUTHBEARER",
        token: () => Promise.resolve({ value: TOKEN, extensions: { k: `${PASSWORD}\x01` } }),
      }, "b:1")],
  ];
  for (const [where, run] of failures) assertClean(await caught(run), where);
});

test("no secret in the errors of bad options and MSK IAM input", async () => {
  assertClean(
    await caught(() => checkTls({ cert: "x", key: ROGUE_KEY }, "Cannot create producer")),
    "tls.cert",
  );
  assertClean(
    await caught(() =>
      checkTls({ cert: CLIENT_CERT, key: `x${KEY_LINE}` }, "Cannot create producer")
    ),
    "tls.key",
  );
  assertClean(
    await caught(() => checkTls({ key: ROGUE_KEY }, "Cannot create producer")),
    "tls.key alone",
  );
  assertClean(
    await caught(() =>
      checkSasl({ mechanism: "SCRAM", username: "a", password: PASSWORD }, "Cannot create producer")
    ),
    "sasl.mechanism",
  );
  assertClean(
    await caught(() =>
      checkSasl({ mechanism: "PLAIN", username: "", password: PASSWORD }, "Cannot create producer")
    ),
    "sasl.username",
  );
  for (
    const options of [
      {
        region: "nope!",
        credentials: {
          accessKeyId: "AKID",
          secretAccessKey: SECRET_KEY,
          sessionToken: SESSION_TOKEN,
        },
      },
      {
        region: "us-east-1",
        credentials: { accessKeyId: "", secretAccessKey: SECRET_KEY, sessionToken: SESSION_TOKEN },
      },
      {
        region: "us-east-1",
        credentials: {
          accessKeyId: "AKID",
          secretAccessKey: SECRET_KEY,
          sessionToken: SESSION_TOKEN,
        },
        expiresInSeconds: 0,
      },
    ]
  ) {
    assertClean(await caught(() => mskIamToken(options)), `mskIamToken(${options.region})`);
  }
});

test("no secret in the TLS failure descriptions", () => {
  const alert = Object.assign(
    new Error("error:0A000412:SSL routines::sslv3 alert bad certificate"),
    {
      code: "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
    },
  );
  for (
    const error of [alert, new Error("unsupported protocol"), new Error("KEY_VALUES_MISMATCH")]
  ) {
    const reason = tlsFailure(error, true)?.reason;
    assert.ok(reason !== undefined);
    for (const secret of FORBIDDEN) assert.ok(!reason.includes(secret));
  }
});
