/**
 * The MSK IAM signing cases: credential sets, regions and clocks that the tests sign
 * with both this package and AWS's signer (live, and through the fixtures AWS's signer
 * generated: tests/fixtures/msk_iam_tokens.json, written by gen_msk_iam_tokens.ts).
 */

/** One signing case. */
export interface MskIamCase {
  name: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  nowMs: number;
}

const CREDENTIALS = [
  // AWS's documentation example keys.
  {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  },
  // Temporary credentials: the session token is signed, and needs escaping (+ / =).
  {
    accessKeyId: "ASIAQWERTYUIOPASDFGH",
    secretAccessKey: "abc+def/ghi=jkl+MNOpqrSTUvwxYZ0123456789",
    sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+/=",
  },
  { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
];

const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"];

const CLOCKS = [
  Date.UTC(2015, 7, 30, 12, 36, 0),
  Date.UTC(2024, 1, 29, 23, 59, 59, 999), // a leap day, a millisecond before midnight
  Date.UTC(2026, 11, 31, 23, 59, 30, 500),
  Date.UTC(2038, 0, 19, 3, 14, 8),
];

/** Every credential set in every region at every clock: 60 cases. */
export const MSK_IAM_CASES: readonly MskIamCase[] = CREDENTIALS.flatMap((credentials, c) =>
  REGIONS.flatMap((region) =>
    CLOCKS.map((nowMs) => ({
      name: `credentials ${c} in ${region} at ${new Date(nowMs).toISOString()}`,
      region,
      credentials,
      nowMs,
    }))
  )
);
