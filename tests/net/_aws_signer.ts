/**
 * AWS's own MSK IAM signer (`aws-msk-iam-sasl-signer-js`, npm), the reference the MSK
 * IAM tests compare with. It is a test-only tool, never a dependency: install it with
 *
 *   npm install --prefix ~/.cache/webstream-kafka/aws-signer aws-msk-iam-sasl-signer-js@1.0.3
 *
 * (or point WEBSTREAM_AWS_SIGNER at another prefix). Its signer reads the clock with
 * `new Date()`, so a fixed clock means replacing `Date` while it signs.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

/** The signer's version the tests were written against (its user agent names it). */
export const AWS_SIGNER_VERSION = "1.0.3";
/** The `User-Agent` AWS's signer puts in the URL. */
export const AWS_SIGNER_USER_AGENT = `aws-msk-iam-sasl-signer-js/${AWS_SIGNER_VERSION}`;

interface AwsCredentialsLike {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

type GenerateFromProvider = (options: {
  region: string;
  awsCredentialsProvider: () => Promise<AwsCredentialsLike>;
}) => Promise<{ token: string; expiryTime: number }>;

function prefix(): string {
  let dir: string | undefined;
  try {
    dir = process.env.WEBSTREAM_AWS_SIGNER;
  } catch {
    dir = undefined;
  }
  let home = "/root";
  try {
    home = process.env.HOME ?? home;
  } catch {
    // Deno without --allow-env.
  }
  return dir ?? join(home, ".cache", "webstream-kafka", "aws-signer");
}

/**
 * Loads AWS's signer, or returns null when it is not installed.
 *
 * @returns A function signing as AWS's signer does, at a fixed clock.
 */
export function loadAwsSigner():
  | ((region: string, credentials: AwsCredentialsLike, nowMs: number) => Promise<
    { token: string; expiryTime: number }
  >)
  | null {
  const dir = prefix();
  const pkg = join(dir, "node_modules", "aws-msk-iam-sasl-signer-js", "package.json");
  if (!existsSync(pkg)) return null;
  const require = createRequire(join(dir, "node_modules", "index.js"));
  const signer = require("aws-msk-iam-sasl-signer-js") as {
    generateAuthTokenFromCredentialsProvider: GenerateFromProvider;
  };
  const version = (require("aws-msk-iam-sasl-signer-js/package.json") as { version: string })
    .version;
  if (version !== AWS_SIGNER_VERSION) {
    throw new Error(
      `aws-msk-iam-sasl-signer-js is ${version}, the tests expect ${AWS_SIGNER_VERSION}`,
    );
  }
  return async (region, credentials, nowMs) => {
    const RealDate = globalThis.Date;
    class FixedDate extends RealDate {
      constructor(...args: unknown[]) {
        super(...((args.length === 0 ? [nowMs] : args) as [number]));
      }
      static override now(): number {
        return nowMs;
      }
    }
    globalThis.Date = FixedDate as DateConstructor;
    try {
      return await signer.generateAuthTokenFromCredentialsProvider({
        region,
        awsCredentialsProvider: () => Promise.resolve(credentials),
      });
    } finally {
      globalThis.Date = RealDate;
    }
  };
}
