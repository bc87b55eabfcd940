/**
 * sigv4Sign() against AWS's published Signature Version 4 test suite
 * (aws-sig-v4-test-suite: credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1,
 * service "service"), and against the presigned URL example of AWS's S3 documentation
 * ("Authenticating Requests: Using Query Parameters").
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  amzDate,
  canonicalQuery,
  EMPTY_PAYLOAD_SHA256,
  sigv4Encode,
  sigv4Sign,
} from "../../src/net/sigv4.ts";

const SUITE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  amzDate: "20150830T123600Z",
};
const HOST: [string, string][] = [["host", "example.amazonaws.com"], [
  "x-amz-date",
  "20150830T123600Z",
]];
const TOKEN =
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const VECTORS: {
  name: string;
  method?: string;
  path?: string;
  query?: [string, string][];
  headers?: [string, string][];
  body?: string;
  signedHeaders: string;
  signature: string;
}[] = [
  {
    name: "get-vanilla",
    signedHeaders: "host;x-amz-date",
    signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  },
  {
    name: "get-vanilla-empty-query-key",
    query: [["Param1", "value1"]],
    signedHeaders: "host;x-amz-date",
    signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
  },
  {
    name: "get-vanilla-query-order-key-case",
    query: [["Param2", "value2"], ["Param1", "value1"]],
    signedHeaders: "host;x-amz-date",
    signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  },
  {
    name: "get-vanilla-query-unreserved",
    query: [[UNRESERVED, UNRESERVED]],
    signedHeaders: "host;x-amz-date",
    signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
  },
  {
    name: "get-vanilla-utf8-query",
    query: [["\u1234", "bar"]],
    signedHeaders: "host;x-amz-date",
    signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
  },
  {
    name: "get-unreserved",
    path: `/${UNRESERVED}`,
    signedHeaders: "host;x-amz-date",
    signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
  },
  {
    name: "get-utf8",
    path: "/%E1%88%B4",
    signedHeaders: "host;x-amz-date",
    signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
  },
  {
    name: "get-header-value-trim",
    headers: [...HOST, ["my-header1", " value1"], ["My-Header2", ' "a   b   c" ']],
    signedHeaders: "host;my-header1;my-header2;x-amz-date",
    signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
  },
  {
    name: "post-header-key-sort",
    method: "POST",
    headers: [["My-Header1", "value1"], ...HOST],
    signedHeaders: "host;my-header1;x-amz-date",
    signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
  },
  {
    name: "post-vanilla-query",
    method: "POST",
    query: [["Param1", "value1"]],
    signedHeaders: "host;x-amz-date",
    signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
  },
  {
    name: "post-vanilla-query-space",
    method: "POST",
    query: [["p", ""]],
    signedHeaders: "host;x-amz-date",
    signature: "e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    headers: [["Content-Type", "application/x-www-form-urlencoded"], ...HOST],
    body: "Param1=value1",
    signedHeaders: "content-type;host;x-amz-date",
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
  {
    name: "post-sts-header-before",
    method: "POST",
    headers: [...HOST, ["x-amz-security-token", TOKEN]],
    signedHeaders: "host;x-amz-date;x-amz-security-token",
    signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
  },
];

for (const v of VECTORS) {
  test(`sigv4Sign() matches AWS's test suite: ${v.name}`, async () => {
    const signed = await sigv4Sign({
      method: v.method ?? "GET",
      path: v.path ?? "/",
      query: v.query ?? [],
      headers: v.headers ?? HOST,
      payloadHash: v.body === undefined ? EMPTY_PAYLOAD_SHA256 : await sha256Hex(v.body),
    }, SUITE);
    assert.equal(signed.signedHeaders, v.signedHeaders);
    assert.equal(signed.scope, "20150830/us-east-1/service/aws4_request");
    assert.equal(signed.signature, v.signature);
  });
}

test("sigv4Sign() builds get-vanilla's canonical request and string to sign as AWS lists them", async () => {
  const signed = await sigv4Sign({
    method: "GET",
    path: "/",
    query: [],
    headers: HOST,
    payloadHash: EMPTY_PAYLOAD_SHA256,
  }, SUITE);
  assert.equal(
    signed.canonicalRequest,
    `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_PAYLOAD_SHA256}`,
  );
  assert.equal(
    signed.stringToSign,
    "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
  );
});

test("sigv4Sign() presigns AWS's S3 documentation example URL", async () => {
  // GET https://examplebucket.s3.amazonaws.com/test.txt, valid 86400 s from 2013-05-24.
  const credential = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
  const signed = await sigv4Sign({
    method: "GET",
    path: "/test.txt",
    query: [
      ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
      ["X-Amz-Credential", credential],
      ["X-Amz-Date", "20130524T000000Z"],
      ["X-Amz-Expires", "86400"],
      ["X-Amz-SignedHeaders", "host"],
    ],
    headers: [["Host", "examplebucket.s3.amazonaws.com"]],
    payloadHash: "UNSIGNED-PAYLOAD",
  }, {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    region: "us-east-1",
    service: "s3",
    amzDate: "20130524T000000Z",
  });
  assert.equal(
    signed.signature,
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
  );
});

test("sigv4Encode(), canonicalQuery() and amzDate() follow SigV4's rules", () => {
  assert.equal(sigv4Encode("a b+c/d=e:f!'()*~"), "a%20b%2Bc%2Fd%3De%3Af%21%27%28%29%2A~");
  assert.equal(canonicalQuery([["b", "1"], ["a", "2"], ["a", "1"]]), "a=1&a=2&b=1");
  assert.equal(amzDate(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), "20240229T235959Z");
});
