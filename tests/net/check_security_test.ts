import assert from "node:assert/strict";
import { test } from "node:test";
import { checkSasl, checkTls } from "../../src/net/check_security.ts";
import { CLIENT_CERT, CLIENT_KEY } from "./_mtls_certs.ts";

const WHAT = "Cannot create producer";

test("checkTls() takes a client certificate with its key, and refuses one without the other", () => {
  const tls = { cert: CLIENT_CERT, key: CLIENT_KEY, caCerts: [CLIENT_CERT], serverName: "b" };
  assert.equal(checkTls(tls, WHAT), tls);
  assert.throws(
    () => checkTls({ cert: CLIENT_CERT }, WHAT),
    /tls.cert and tls.key go together: tls.key is missing/,
  );
  assert.throws(
    () => checkTls({ key: CLIENT_KEY }, WHAT),
    /tls.key go together: tls.cert is missing/,
  );
});

test("checkTls() refuses PEM that is not a certificate or a key, and encrypted keys, never quoting the key", () => {
  const body = CLIENT_KEY.split("\n")[1]!;
  for (
    const [tls, pattern] of [
      [{ cert: "nope", key: CLIENT_KEY }, /tls.cert must be a PEM certificate/],
      [{ cert: CLIENT_CERT, key: `junk ${body}` }, /tls.key must be a PEM private key/],
      [{
        cert: CLIENT_CERT,
        key: `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}\n-----END ENCRYPTED PRIVATE KEY-----`,
      }, /tls.key is encrypted/],
      [{ caCerts: "pem" }, /tls.caCerts must be an array/],
      [{ serverName: 1 }, /tls.serverName must be a string/],
    ] as const
  ) {
    assert.throws(() => checkTls(tls, WHAT), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, pattern);
      assert.ok(!e.message.includes(body), "the key is not in the message");
      return true;
    });
  }
});

test("checkSasl() takes OAUTHBEARER with a token function, and never quotes a password", () => {
  const token = () => Promise.resolve({ value: "t" });
  assert.deepEqual(checkSasl({ mechanism: "OAUTHBEARER", token }, WHAT), {
    mechanism: "OAUTHBEARER",
    token,
  });
  assert.throws(
    () => checkSasl({ mechanism: "OAUTHBEARER", token: "t" }, WHAT),
    /sasl.token must be a function/,
  );
  assert.throws(
    () => checkSasl({ mechanism: "PLAIN", username: "a", password: "" }, WHAT),
    /sasl.password must be a non-empty string$/,
  );
  assert.throws(() => checkSasl({ mechanism: "GSSAPI" }, WHAT), RangeError);
});
