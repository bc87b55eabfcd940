/**
 * mskIamToken() and awsMskIamSasl() against AWS's own signer
 * (aws-msk-iam-sasl-signer-js): live when it is installed (tests/net/_aws_signer.ts;
 * AWS_SIGNER_REQUIRED=1 makes its absence a failure), and always against the tokens it
 * generated for the same cases (tests/fixtures/msk_iam_tokens.json).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import process from "node:process";
import { awsMskIamSasl, mskIamToken } from "../../src/net/msk_iam.ts";
import { fromBase64url } from "../../src/net/base64url.ts";
import { AWS_SIGNER_USER_AGENT, loadAwsSigner } from "./_aws_signer.ts";
import { MSK_IAM_CASES } from "./_msk_iam_cases.ts";

const fixtures = JSON.parse(
  readFileSync(new URL("../fixtures/msk_iam_tokens.json", import.meta.url), "utf8"),
) as { signer: string; tokens: { name: string; token: string; expiryTime: number }[] };

function url(token: string): URL {
  return new URL(new TextDecoder().decode(fromBase64url(token)));
}

test("mskIamToken() makes the tokens AWS's signer made, byte for byte (fixtures)", async () => {
  assert.equal(fixtures.signer, AWS_SIGNER_USER_AGENT);
  assert.equal(fixtures.tokens.length, MSK_IAM_CASES.length);
  for (const [i, c] of MSK_IAM_CASES.entries()) {
    const expected = fixtures.tokens[i]!;
    assert.equal(expected.name, c.name);
    const ours = await mskIamToken({
      region: c.region,
      credentials: c.credentials,
      now: c.nowMs,
      userAgent: AWS_SIGNER_USER_AGENT,
    });
    assert.equal(ours.value, expected.token, c.name);
    assert.equal(ours.expiresAtMs, expected.expiryTime, c.name);
  }
});

test("mskIamToken() matches AWS's signer live, for fixed and random inputs", async (t) => {
  const aws = loadAwsSigner();
  if (aws === null) {
    if (process.env.AWS_SIGNER_REQUIRED === "1") {
      assert.fail("aws-msk-iam-sasl-signer-js is not installed (see tests/net/_aws_signer.ts)");
    }
    console.error("!! AWS's signer is not installed: only the fixtures were compared");
    return t.skip("aws-msk-iam-sasl-signer-js is not installed");
  }
  // A seeded generator, so a failure can be replayed.
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
  const pick = (alphabet: string, n: number): string =>
    Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  const cases = [...MSK_IAM_CASES];
  for (let i = 0; i < 40; i++) {
    cases.push({
      name: `random ${i}`,
      region: ["us-east-2", "eu-central-1", "sa-east-1", "me-south-1"][i % 4]!,
      credentials: {
        accessKeyId: `ASIA${pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`,
        secretAccessKey: pick(B64, 40),
        ...(i % 2 === 0 ? { sessionToken: pick(B64, 100 + i * 7) } : {}),
      },
      nowMs: Math.floor(random() * 4_000_000_000_000),
    });
  }
  for (const c of cases) {
    const theirs = await aws(c.region, c.credentials, c.nowMs);
    const ours = await mskIamToken({
      region: c.region,
      credentials: c.credentials,
      now: () => c.nowMs,
      userAgent: AWS_SIGNER_USER_AGENT,
    });
    assert.equal(ours.value, theirs.token, c.name);
    assert.equal(ours.expiresAtMs, theirs.expiryTime, c.name);
  }
});

test("mskIamToken() presigns kafka-cluster:Connect for the region's host, unpadded base64url", async () => {
  const now = Date.UTC(2024, 5, 1, 12, 0, 0, 750);
  const { value, expiresAtMs } = await mskIamToken({
    region: "ap-southeast-2",
    credentials: { accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "tok" },
    now: new Date(now),
    expiresInSeconds: 300,
  });
  assert.match(value, /^[A-Za-z0-9_-]+$/);
  const u = url(value);
  assert.equal(u.origin, "https://kafka.ap-southeast-2.amazonaws.com");
  assert.equal(u.pathname, "/");
  assert.deepEqual([...u.searchParams.keys()], [
    "Action",
    "User-Agent",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-Security-Token",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
  ]);
  assert.equal(u.searchParams.get("Action"), "kafka-cluster:Connect");
  assert.equal(u.searchParams.get("User-Agent"), "webstream-kafka/0.1.0");
  assert.equal(
    u.searchParams.get("X-Amz-Credential"),
    "AKID/20240601/ap-southeast-2/kafka-cluster/aws4_request",
  );
  assert.equal(u.searchParams.get("X-Amz-Date"), "20240601T120000Z");
  assert.equal(u.searchParams.get("X-Amz-Expires"), "300");
  assert.equal(expiresAtMs, Date.UTC(2024, 5, 1, 12, 5, 0));
});

test("mskIamToken() refuses bad input without quoting a secret", async () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const sessionToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
  const attempts: Parameters<typeof mskIamToken>[0][] = [
    { region: "", credentials: { accessKeyId: "AKID", secretAccessKey: secret, sessionToken } },
    { region: "us-east-1", credentials: { accessKeyId: "", secretAccessKey: secret } },
    { region: "us-east-1", credentials: { accessKeyId: "AKID", secretAccessKey: "" } },
    {
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: secret, sessionToken },
      expiresInSeconds: 604_801,
    },
    {
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: secret },
      expiresInSeconds: 1.5,
    },
    {
      region: "us-east-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: secret },
      now: NaN,
    },
  ];
  for (const options of attempts) {
    await assert.rejects(mskIamToken(options), (e: Error) => {
      assert.ok(e instanceof TypeError || e instanceof RangeError, e.message);
      assert.match(e.message, /^Cannot make an MSK IAM token as /);
      assert.ok(!e.message.includes(secret) && !e.message.includes(sessionToken), e.message);
      return true;
    });
  }
});

test("awsMskIamSasl() is OAUTHBEARER and calls a credentials function for every token", async () => {
  let calls = 0;
  const sasl = awsMskIamSasl({
    region: "us-east-1",
    credentials: () => {
      calls++;
      return Promise.resolve({ accessKeyId: `AKID${calls}`, secretAccessKey: "secret" });
    },
  });
  assert.equal(sasl.mechanism, "OAUTHBEARER");
  const first = await sasl.token();
  const second = await sasl.token();
  assert.equal(calls, 2);
  assert.match(url(first.value).searchParams.get("X-Amz-Credential")!, /^AKID1\//);
  assert.match(url(second.value).searchParams.get("X-Amz-Credential")!, /^AKID2\//);
  assert.ok(first.expiresAtMs! > Date.now() && first.expiresAtMs! <= Date.now() + 900_000);
  const fixed = awsMskIamSasl({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
    userAgent: "my-app/1",
    expiresInSeconds: 60,
  });
  const token = await fixed.token();
  assert.equal(url(token.value).searchParams.get("User-Agent"), "my-app/1");
  assert.equal(url(token.value).searchParams.get("X-Amz-Expires"), "60");
});
