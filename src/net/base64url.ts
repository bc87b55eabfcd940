/**
 * Base64url without padding (RFC 4648 section 5), as JWTs and MSK IAM tokens use it.
 *
 * @module
 */

/**
 * Encodes bytes as unpadded base64url.
 *
 * @param bytes The bytes.
 * @returns The text, of `A-Z a-z 0-9 - _` only.
 *
 * @example
 * ```ts
 * import { base64url } from "./base64url.ts";
 *
 * console.log(base64url(new Uint8Array([251, 255]))); // "-_8"
 * ```
 */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Decodes base64url, padded or not.
 *
 * @param text The text.
 * @returns The bytes.
 * @throws {SyntaxError} If the text is not base64url.
 *
 * @example
 * ```ts
 * import { fromBase64url } from "./base64url.ts";
 *
 * console.log(fromBase64url("-_8")); // Uint8Array(2) [ 251, 255 ]
 * ```
 */
export function fromBase64url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) {
    throw new SyntaxError("Cannot decode base64url as it has characters outside its alphabet");
  }
  const binary = atob(text.replace(/=+$/, "").replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
