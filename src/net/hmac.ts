/**
 * HMAC through WebCrypto, for SCRAM (RFC 5802) and AWS SigV4: no package, the same on
 * every runtime.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * The HMAC of a UTF-8 message.
 *
 * @param hash The hash: `"SHA-256"` or `"SHA-512"`.
 * @param key The key.
 * @param message The message, as text.
 * @returns The MAC.
 *
 * @example An HMAC-SHA-256
 * ```ts
 * import { hmac } from "./hmac.ts";
 *
 * const mac = await hmac("SHA-256", new TextEncoder().encode("key"), "message");
 * console.log(mac.length); // 32
 * ```
 */
export async function hmac(
  hash: string,
  key: Uint8Array<ArrayBuffer>,
  message: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}
