/**
 * The client side of SCRAM (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and
 * Kafka's KIP-84): the client-first message, the proof in the client-final message,
 * and the check of the server's signature. Crypto comes from WebCrypto.
 *
 * @module
 */

import { hmac } from "./hmac.ts";

/** The SCRAM mechanisms Kafka brokers offer. */
export type ScramMechanism = "SCRAM-SHA-256" | "SCRAM-SHA-512";

const HASHES: Record<ScramMechanism, { hash: string; bits: number }> = {
  "SCRAM-SHA-256": { hash: "SHA-256", bits: 256 },
  "SCRAM-SHA-512": { hash: "SHA-512", bits: 512 },
};
/** Kafka's brokers and Java's client refuse fewer iterations (ScramMechanism.minIterations). */
const MIN_ITERATIONS = 4096;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A SCRAM exchange that went wrong on the client's side of the check. */
export class ScramError extends Error {
  /**
   * @param message What went wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "ScramError";
  }
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string, what: string): Uint8Array<ArrayBuffer> {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new ScramError(`Cannot read the broker's SCRAM ${what} as it is not base64`);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** `=` and `,` cannot appear raw in a SCRAM user name (RFC 5802 section 5.1). */
function saslName(name: string): string {
  return name.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

/** Parses `a=1,b=2` into a map of one-letter attributes. */
function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq === 1) map.set(part[0]!, part.slice(2));
  }
  return map;
}

/**
 * One SCRAM conversation, as Kafka's brokers run it: `clientFirst()`, then
 * `clientFinal(serverFirst)`, then `verifyServerFinal(serverFinal)`.
 *
 * @example The conversation of RFC 7677's example
 * ```ts
 * import { ScramClient } from "./scram.ts";
 *
 * const scram = new ScramClient("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
 * console.log(scram.clientFirst()); // "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
 * ```
 */
export class ScramClient {
  readonly #mechanism: ScramMechanism;
  readonly #username: string;
  readonly #password: string;
  readonly #nonce: string;
  #serverSignature: Uint8Array | null = null;

  /**
   * @param mechanism SCRAM-SHA-256 or SCRAM-SHA-512.
   * @param username The user.
   * @param password The password.
   * @param nonce The client nonce; 24 random bytes in base64 when absent (tests pass one).
   */
  constructor(mechanism: ScramMechanism, username: string, password: string, nonce?: string) {
    this.#mechanism = mechanism;
    this.#username = username;
    this.#password = password;
    this.#nonce = nonce ?? base64(crypto.getRandomValues(new Uint8Array(24)));
  }

  /**
   * The client-first message: no channel binding, the user name and the nonce.
   *
   * @returns The message.
   */
  clientFirst(): string {
    return `n,,${this.#firstBare()}`;
  }

  /**
   * The client-final message, with the proof that the client knows the password.
   *
   * @param serverFirst The broker's first message (`r=...,s=...,i=...`).
   * @returns The message.
   * @throws {ScramError} If the broker's message is malformed or does not carry the
   * client's nonce, or asks for fewer than 4096 iterations.
   */
  async clientFinal(serverFirst: string): Promise<string> {
    const attrs = attributes(serverFirst);
    const error = attrs.get("e");
    if (error !== undefined) throw new ScramError(`The broker refused SCRAM: ${error}`);
    const nonce = attrs.get("r");
    const saltText = attrs.get("s");
    const iterations = Number(attrs.get("i"));
    if (nonce === undefined || saltText === undefined || !Number.isSafeInteger(iterations)) {
      throw new ScramError(`Cannot read the broker's first SCRAM message: ${serverFirst}`);
    }
    if (!nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new ScramError(
        "Cannot trust the broker's SCRAM message as its nonce does not extend ours",
      );
    }
    if (iterations < MIN_ITERATIONS) {
      throw new ScramError(
        `Cannot use the broker's SCRAM salt as it asks for ${iterations} iterations, fewer than ${MIN_ITERATIONS}`,
      );
    }
    const salt = fromBase64(saltText, "salt");
    const { hash, bits } = HASHES[this.#mechanism];
    const passwordKey = await crypto.subtle.importKey(
      "raw",
      encoder.encode(this.#password),
      "PBKDF2",
      false,
      ["deriveBits"],
    );
    const salted = new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: "PBKDF2", hash, salt, iterations },
        passwordKey,
        bits,
      ),
    );
    const clientKey = await hmac(hash, salted, "Client Key");
    const storedKey = new Uint8Array(await crypto.subtle.digest(hash, clientKey));
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#firstBare()},${serverFirst},${withoutProof}`;
    const clientSignature = await hmac(hash, storedKey, authMessage);
    const proof = clientKey.map((byte, i) => byte ^ clientSignature[i]!);
    this.#serverSignature = await hmac(hash, await hmac(hash, salted, "Server Key"), authMessage);
    return `${withoutProof},p=${base64(proof)}`;
  }

  /**
   * Checks the broker's final message: it proves the broker knows the password too.
   *
   * @param serverFinal The broker's final message (`v=...`).
   * @throws {ScramError} On an error message, or a signature that does not match.
   */
  verifyServerFinal(serverFinal: string): void {
    const attrs = attributes(serverFinal);
    const error = attrs.get("e");
    if (error !== undefined) throw new ScramError(`The broker refused SCRAM: ${error}`);
    const expected = this.#serverSignature;
    const signature = attrs.get("v");
    if (expected === null || signature === undefined) {
      throw new ScramError(`Cannot read the broker's final SCRAM message: ${serverFinal}`);
    }
    const got = fromBase64(signature, "signature");
    let diff = got.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) diff |= expected[i]! ^ (got[i] ?? 0);
    if (diff !== 0) {
      throw new ScramError("Cannot trust the broker as its SCRAM signature does not match");
    }
  }

  #firstBare(): string {
    return `n=${saslName(this.#username)},r=${this.#nonce}`;
  }
}

/**
 * Decodes a SCRAM message from the broker's bytes.
 *
 * @param bytes The SaslAuthenticate response's bytes.
 * @returns The message text.
 */
export function scramText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
