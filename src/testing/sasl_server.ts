/**
 * The broker's side of SASL PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802,
 * RFC 7677, Kafka's KIP-84), checking a fixed table of users (OAUTHBEARER is in
 * `oauthbearer_server.ts`). One {@link SaslExchange} per authentication: each client
 * token in, the next server token out, until it succeeds or fails. Failures carry
 * Kafka's messages, which never hold the password or the proof.
 *
 * @module
 */

import { hmac } from "../net/hmac.ts";

/** The mechanisms the test broker offers. */
export type TestSaslMechanism = TestPasswordMechanism | "OAUTHBEARER";

/** The mechanisms that check a user's password. */
export type TestPasswordMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** Every mechanism it can offer. */
export const TEST_SASL_MECHANISMS: readonly TestSaslMechanism[] = Object.freeze([
  "PLAIN",
  "SCRAM-SHA-256",
  "SCRAM-SHA-512",
  "OAUTHBEARER",
]);

/** One step of an exchange. */
export type SaslStep =
  | { readonly state: "continue"; readonly token: Uint8Array }
  | {
    readonly state: "done";
    readonly token: Uint8Array;
    readonly user: string;
    /** When the credential stops being valid (ms since the epoch), if it does: a token's `exp`. */
    readonly expiresAtMs?: number;
  }
  | {
    readonly state: "failed";
    /** What the client is told (Kafka's message). */
    readonly message: string;
    /** Why, for the broker's log when the message does not say; never a secret. */
    readonly reason?: string;
  };

/** A SASL authentication in progress. */
export interface SaslExchange {
  /**
   * Takes the client's next token.
   *
   * @param token The client's bytes.
   * @returns The next step.
   */
  step(token: Uint8Array): Promise<SaslStep>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const EMPTY = new Uint8Array(0);
const ITERATIONS = 4096;
const HASHES = {
  "SCRAM-SHA-256": { hash: "SHA-256", bits: 256 },
  "SCRAM-SHA-512": { hash: "SHA-512", bits: 512 },
} as const;

function text(token: Uint8Array): string | null {
  try {
    return decoder.decode(token);
  } catch {
    return null;
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function unbase64(value: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= b[i]! ^ (a[i] ?? 0);
  return diff === 0;
}

function sameText(a: string, b: string): boolean {
  return sameBytes(encoder.encode(a), encoder.encode(b));
}

interface ScramCredential {
  salt: Uint8Array<ArrayBuffer>;
  storedKey: Uint8Array<ArrayBuffer>;
  serverKey: Uint8Array<ArrayBuffer>;
}

/**
 * The users the broker accepts, with SCRAM credentials derived once per mechanism.
 *
 * @example A PLAIN exchange
 * ```ts
 * import { SaslUsers } from "./sasl_server.ts";
 *
 * const users = new SaslUsers({ alice: "secret" });
 * const step = await users.exchange("PLAIN").step(new TextEncoder().encode("\0alice\0secret"));
 * console.log(step.state); // "done"
 * ```
 */
export class SaslUsers {
  readonly #passwords: ReadonlyMap<string, string>;
  readonly #scram = new Map<string, Promise<ScramCredential>>();

  /**
   * @param users User names and their passwords.
   */
  constructor(users: Readonly<Record<string, string>>) {
    this.#passwords = new Map(Object.entries(users));
  }

  /**
   * Starts an authentication.
   *
   * @param mechanism The mechanism the client chose.
   * @returns The exchange.
   */
  exchange(mechanism: TestPasswordMechanism): SaslExchange {
    return mechanism === "PLAIN" ? this.#plain() : this.#scramExchange(mechanism);
  }

  #plain(): SaslExchange {
    const failedPlain: SaslStep = {
      state: "failed",
      message: "Authentication failed: Invalid username or password",
    };
    return {
      step: (token) => {
        const message = text(token);
        const parts = message?.split("\u0000");
        if (parts === undefined || parts.length !== 3) {
          return Promise.resolve({
            state: "failed",
            message: "Invalid SASL/PLAIN response: expected 3 tokens",
          });
        }
        const [authzid, user, password] = parts as [string, string, string];
        if (authzid !== "" && authzid !== user) {
          return Promise.resolve({
            state: "failed",
            message:
              "Authentication failed: Client requested an authorization id that is different from username",
          });
        }
        const expected = this.#passwords.get(user);
        if (expected === undefined || !sameText(password, expected)) {
          return Promise.resolve(failedPlain);
        }
        return Promise.resolve({ state: "done", token: EMPTY, user });
      },
    };
  }

  #credential(mechanism: keyof typeof HASHES, user: string): Promise<ScramCredential> | undefined {
    const password = this.#passwords.get(user);
    if (password === undefined) return undefined;
    const key = `${mechanism}\u0000${user}`;
    let credential = this.#scram.get(key);
    if (credential === undefined) {
      credential = (async () => {
        const { hash, bits } = HASHES[mechanism];
        const salt = crypto.getRandomValues(new Uint8Array(16));
        const passwordKey = await crypto.subtle.importKey(
          "raw",
          encoder.encode(password),
          "PBKDF2",
          false,
          ["deriveBits"],
        );
        const salted = new Uint8Array(
          await crypto.subtle.deriveBits(
            { name: "PBKDF2", hash, salt, iterations: ITERATIONS },
            passwordKey,
            bits,
          ),
        );
        const clientKey = await hmac(hash, salted, "Client Key");
        return {
          salt,
          storedKey: new Uint8Array(await crypto.subtle.digest(hash, clientKey)),
          serverKey: await hmac(hash, salted, "Server Key"),
        };
      })();
      this.#scram.set(key, credential);
    }
    return credential;
  }

  #scramExchange(mechanism: keyof typeof HASHES): SaslExchange {
    const { hash } = HASHES[mechanism];
    const invalid: SaslStep = {
      state: "failed",
      message:
        `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`,
    };
    let stage: "first" | "final" | "over" = "first";
    let user = "";
    let firstBare = "";
    let serverFirst = "";
    let nonce = "";
    let credential: ScramCredential | undefined;
    return {
      step: async (token) => {
        const message = text(token);
        if (message === null || stage === "over") {
          stage = "over";
          return invalid;
        }
        if (stage === "first") {
          stage = "final";
          // gs2 header: no channel binding ("n" or "y"), no authorization id or the user's.
          const match = /^[ny],(?:a=[^,]*)?,(n=([^,]*),r=([^,]+)(?:,.*)?)$/.exec(message);
          if (match === null) {
            stage = "over";
            return { state: "failed", message: `Invalid SCRAM client first message` };
          }
          firstBare = match[1]!;
          user = match[2]!.replaceAll("=2C", ",").replaceAll("=3D", "=");
          const found = this.#credential(mechanism, user);
          if (found === undefined) {
            stage = "over";
            return invalid;
          }
          credential = await found;
          nonce = match[3]! + base64(crypto.getRandomValues(new Uint8Array(18)));
          serverFirst = `r=${nonce},s=${base64(credential.salt)},i=${ITERATIONS}`;
          return { state: "continue", token: encoder.encode(serverFirst) };
        }
        stage = "over";
        const match = /^(c=([^,]*),r=([^,]*)(?:,.*?)?),p=([^,]+)$/.exec(message);
        if (match === null || match[3] !== nonce || credential === undefined) return invalid;
        const proof = unbase64(match[4]!);
        if (proof === null) return invalid;
        const authMessage = `${firstBare},${serverFirst},${match[1]}`;
        const signature = await hmac(hash, credential.storedKey, authMessage);
        const clientKey = proof.map((byte, i) => byte ^ (signature[i] ?? 0));
        const stored = new Uint8Array(await crypto.subtle.digest(hash, clientKey));
        if (proof.length !== signature.length || !sameBytes(stored, credential.storedKey)) {
          return invalid;
        }
        const serverSignature = await hmac(hash, credential.serverKey, authMessage);
        return { state: "done", token: encoder.encode(`v=${base64(serverSignature)}`), user };
      },
    };
  }
}
