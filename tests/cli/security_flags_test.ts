import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/cli/command.ts";
import { securityOptions } from "../../src/cli/security_flags.ts";
import { testCert, testKey } from "../fixtures/test_broker_tls.ts";

const files: Record<string, string> = {
  "ca.pem": testCert,
  "cert.pem": testCert,
  "key.pem": testKey,
  "both.pem": `${testKey}\n${testCert}`,
  "empty.pem": "nothing here",
};
const read = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw new UsageError(`Cannot read ${path}`);
  return text;
};
const env = { WEBSTREAM_KAFKA_SASL_PASSWORD: "pw-env", OTHER: "pw-other" };

function usage(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /pw-env|pw-other|PRIVATE KEY/);
    return true;
  });
}

describe("securityOptions()", () => {
  test("securityOptions() is empty without flags; --tls alone trusts the runtime's roots", () => {
    assert.deepEqual(securityOptions({}, new Map(), env, read), {});
    assert.deepEqual(securityOptions({ tls: true }, new Map(), env, read), { tls: true });
    assert.deepEqual(
      securityOptions({}, new Map([["security.protocol", "SSL"]]), env, read),
      { tls: true },
    );
  });

  test("securityOptions() reads PEM files for CA, client certificate and key, and Java's PEM keystore", () => {
    const a = securityOptions(
      { tlsCa: "ca.pem", tlsCert: "cert.pem", tlsKey: "key.pem" },
      new Map(),
      env,
      read,
    );
    assert.deepEqual(a.tls, {
      caCerts: [testCert.trim()],
      cert: testCert.trim(),
      key: testKey.trim(),
    });
    const b = securityOptions(
      {},
      new Map([["ssl.truststore.location", "ca.pem"], ["ssl.truststore.type", "PEM"], [
        "ssl.keystore.location",
        "both.pem",
      ]]),
      env,
      read,
    );
    assert.deepEqual(b.tls, a.tls);
  });

  test("securityOptions() takes the SASL password from the environment only", () => {
    const s = securityOptions(
      { saslMechanism: "SCRAM-SHA-256", saslUsername: "u" },
      new Map(),
      env,
      read,
    );
    assert.deepEqual(s, {
      sasl: { mechanism: "SCRAM-SHA-256", username: "u", password: "pw-env" },
    });
    const o = securityOptions(
      { saslUsername: "u", saslPasswordEnv: "OTHER" },
      new Map([["sasl.mechanism", "PLAIN"], ["security.protocol", "SASL_SSL"]]),
      env,
      read,
    );
    assert.deepEqual(o, {
      tls: true,
      sasl: { mechanism: "PLAIN", username: "u", password: "pw-other" },
    });
    usage(
      () => securityOptions({ saslMechanism: "PLAIN", saslUsername: "u" }, new Map(), {}, read),
      /needs its password in the environment variable \$WEBSTREAM_KAFKA_SASL_PASSWORD, which is not set/,
    );
  });

  test("securityOptions() refuses settings that disagree or are incomplete, without quoting secrets", () => {
    const none = new Map<string, string>();
    usage(
      () => securityOptions({ saslUsername: "u" }, none, env, read),
      /SASL needs --sasl-mechanism/,
    );
    usage(
      () => securityOptions({ saslMechanism: "PLAIN" }, none, env, read),
      /needs --sasl-username/,
    );
    usage(
      () => securityOptions({ saslMechanism: "GSSAPI", saslUsername: "u" }, none, env, read),
      /must be PLAIN/,
    );
    usage(
      () => securityOptions({ saslMechanism: "OAUTHBEARER", saslUsername: "u" }, none, env, read),
      /token provider/,
    );
    usage(() => securityOptions({ tlsCert: "cert.pem" }, none, env, read), /go together/);
    usage(
      () => securityOptions({ tlsCa: "empty.pem" }, none, env, read),
      /holds no PEM certificate/,
    );
    usage(
      () => securityOptions({ tlsCert: "cert.pem", tlsKey: "cert.pem" }, none, env, read),
      /holds no PEM private key/,
    );
    usage(
      () =>
        securityOptions({ tls: true }, new Map([["security.protocol", "PLAINTEXT"]]), env, read),
      /disagree/,
    );
    usage(
      () =>
        securityOptions(
          { saslMechanism: "PLAIN", saslUsername: "u" },
          new Map([["security.protocol", "SSL"]]),
          env,
          read,
        ),
      /disagree/,
    );
    usage(
      () =>
        securityOptions(
          { saslMechanism: "PLAIN" },
          new Map([["sasl.mechanism", "SCRAM-SHA-256"]]),
          env,
          read,
        ),
      /disagree/,
    );
    usage(
      () => securityOptions({}, new Map([["security.protocol", "SASL_SSL"]]), env, read),
      /SASL needs/,
    );
    usage(
      () => securityOptions({}, new Map([["ssl.truststore.type", "JKS"]]), env, read),
      /must be PEM/,
    );
    usage(
      () =>
        securityOptions({}, new Map([["ssl.endpoint.identification.algorithm", ""]]), env, read),
      /not supported/,
    );
    usage(
      () => securityOptions({}, new Map([["ssl.keystore.certificate.chain", testCert]]), env, read),
      /never goes on the command line/,
    );
  });
});
