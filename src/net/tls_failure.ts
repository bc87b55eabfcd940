/**
 * Telling a TLS authentication failure from a lost connection, across runtimes: OpenSSL
 * (Node), BoringSSL (Bun) and rustls (Deno) name the same alerts differently. With TLS
 * 1.3 the client's handshake completes before the broker checks the client certificate,
 * so a refused certificate shows up as an alert on the first read, not at connect.
 *
 * @module
 */

/** Alerts a broker sends when it refuses the client's certificate (or its absence). */
const REFUSED_ALERT =
  /ALERT[_ ]?(?:BAD[_ ]CERTIFICATE|UNKNOWN[_ ]CA|CERTIFICATE[_ ]UNKNOWN|UNSUPPORTED[_ ]CERTIFICATE|CERTIFICATE[_ ]EXPIRED|CERTIFICATE[_ ]REVOKED|ACCESS[_ ]DENIED|DECRYPT[_ ]ERROR|HANDSHAKE[_ ]FAILURE)|alert:? ?(?:BadCertificate|UnknownCA|CertificateUnknown|UnsupportedCertificate|CertificateExpired|CertificateRevoked|AccessDenied|DecryptError|HandshakeFailure)|alert (?:bad certificate|unknown ca|certificate unknown|unsupported certificate|certificate expired|certificate revoked|access denied|decrypt error|handshake failure)/i;
/** The alert TLS 1.3 sends when the client sent no certificate. */
const REQUIRED_ALERT = /CERTIFICATE[_ ]?REQUIRED/i;
/** The client's own check of the broker's certificate failed. */
const UNTRUSTED =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_REJECTED|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|invalid peer certificate|certificate verify failed|unable to verify the first certificate|self[- ]signed certificate/i;
/** The client certificate or key could not be used at all. */
const BAD_KEY = /KEY_VALUES_MISMATCH|key values mismatch/i;
const BAD_PEM =
  /ERR_OSSL_PEM|PEM routines|NO_START_LINE|ERR_OSSL_UNSUPPORTED|DECODER routines|invalid (?:private )?key|No certificates? found|invalid certificate|failed to parse/i;

/** A TLS context that could not be built from the certificate and key. */
const UNUSABLE = /ERR_SSL_UNSUPPORTED_PROTOCOL|(?:^|\s)unsupported protocol$/i;

/** What went wrong, in words, and whether the broker or the client decided. */
export interface TlsFailure {
  /** Why, as the end of "Cannot authenticate with TLS to broker at X as ...". */
  reason: string;
}

/**
 * Reads an error (and its causes) for a TLS authentication failure.
 *
 * @param error What the connect or the first request failed with.
 * @param hasClientCert Whether a client certificate was configured.
 * @returns The failure, or undefined when the error is not about TLS authentication.
 *
 * @example A Node-style alert code
 * ```ts
 * import { tlsFailure } from "./tls_failure.ts";
 *
 * const alert = Object.assign(new Error("tlsv13 alert certificate required"), {
 *   code: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
 * });
 * console.log(tlsFailure(alert, false)?.reason);
 * // "the broker requires a client certificate and none was configured (tls.cert and tls.key)"
 * ```
 */
export function tlsFailure(error: unknown, hasClientCert: boolean): TlsFailure | undefined {
  // Innermost first: the runtime's own error names the alert most plainly.
  const chain: Error[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 6; e = e.cause) chain.push(e);
  for (const e of chain.reverse()) {
    const code = (e as { code?: unknown }).code;
    const text = `${typeof code === "string" ? code : ""} ${e.message}`;
    const detail = typeof code === "string" ? code : firstLine(e.message);
    if (REQUIRED_ALERT.test(text)) {
      return {
        reason: hasClientCert
          ? `the broker asked for a client certificate and got none it could use (${detail})`
          : "the broker requires a client certificate and none was configured (tls.cert and tls.key)",
      };
    }
    if (REFUSED_ALERT.test(text)) {
      return {
        reason: hasClientCert
          ? `the broker refused the client certificate (${detail})`
          : `the broker refused the TLS handshake (${detail}): it may require a client certificate (tls.cert and tls.key)`,
      };
    }
    if (UNTRUSTED.test(text)) {
      return {
        reason:
          `the broker's certificate is not trusted (${detail}): add its CA to tls.caCerts, or set tls.serverName to a name it holds`,
      };
    }
    if (BAD_KEY.test(text)) {
      return { reason: `tls.key does not belong to tls.cert (${detail})` };
    }
    if (hasClientCert && BAD_PEM.test(text)) {
      return { reason: `tls.cert or tls.key cannot be read as PEM (${detail})` };
    }
    if (hasClientCert && UNUSABLE.test(text)) {
      // Deno's node:tls reports a key that does not match its certificate this way.
      return {
        reason:
          `the TLS handshake could not start (${detail}): check that tls.key belongs to tls.cert`,
      };
    }
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
