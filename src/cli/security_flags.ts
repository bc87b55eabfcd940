/**
 * TLS and SASL from the command line: `--tls`, `--tls-ca`, `--tls-cert`, `--tls-key`,
 * `--sasl-mechanism`, `--sasl-username`, and the Java configs `-X` set aside
 * (`security.protocol`, `sasl.mechanism`, `ssl.truststore.*`, `ssl.keystore.*` as PEM).
 * The password comes from an environment variable only, never from the arguments,
 * and never appears in a message.
 *
 * @module
 */

import type { PasswordMechanism, SaslOptions, TlsOptions } from "../../mod.ts";
import { UsageError } from "./command.ts";

/** The environment variable the SASL password is read from unless told otherwise. */
export const DEFAULT_PASSWORD_ENV = "WEBSTREAM_KAFKA_SASL_PASSWORD";

/** The security flags of a command. */
export interface SecurityFlags {
  /** `--tls`: TLS with the runtime's root certificates (plus `tlsCa`). */
  readonly tls?: boolean;
  /** `--tls-ca FILE`: PEM certificates to trust. */
  readonly tlsCa?: string;
  /** `--tls-cert FILE`: the client certificate (PEM), for mutual TLS. */
  readonly tlsCert?: string;
  /** `--tls-key FILE`: its private key (PEM, unencrypted). */
  readonly tlsKey?: string;
  /** `--sasl-mechanism`: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  readonly saslMechanism?: string;
  /** `--sasl-username`. */
  readonly saslUsername?: string;
  /** `--sasl-password-env NAME`: the variable holding the password. */
  readonly saslPasswordEnv?: string;
}

/** What the flags come to: the producer's `tls` and `sasl` options. */
export interface SecurityOptions {
  /** The `tls` option, when TLS is on. */
  tls?: boolean | TlsOptions;
  /** The `sasl` option, when SASL is on. */
  sasl?: SaslOptions;
}

const PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
const MECHANISMS: readonly PasswordMechanism[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];
const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN ((?:[A-Z]+ )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/** Takes one setting from a flag or its Java config; both given must agree. */
function either(
  flag: string,
  flagValue: string | undefined,
  config: string,
  java: ReadonlyMap<string, string>,
): string | undefined {
  const fromJava = java.get(config);
  if (flagValue !== undefined && fromJava !== undefined && flagValue !== fromJava) {
    throw new UsageError(`${flag} and -X ${config} disagree: give one`);
  }
  return flagValue ?? fromJava;
}

function certificates(pem: string, where: string): string[] {
  const certs = pem.match(CERTIFICATE);
  if (certs === null) throw new UsageError(`${where} holds no PEM certificate (BEGIN CERTIFICATE)`);
  return certs;
}

/**
 * Builds the producer's `tls` and `sasl` options.
 *
 * @example SASL/SCRAM over TLS, the password from the environment
 * ```ts
 * import { securityOptions } from "./security_flags.ts";
 *
 * const options = securityOptions(
 *   { tls: true, saslMechanism: "SCRAM-SHA-512", saslUsername: "app" },
 *   new Map(),
 *   { WEBSTREAM_KAFKA_SASL_PASSWORD: "s3cret" },
 * );
 * console.log(options.tls, options.sasl?.mechanism); // true SCRAM-SHA-512
 * ```
 *
 * @param flags The flags.
 * @param java The security configs `-X` gave (see `java_config.ts`).
 * @param env The environment, where the password is read.
 * @param readText Reads a file (PEM), by path.
 * @returns The options; empty when neither TLS nor SASL is asked for.
 * @throws {UsageError} For settings that disagree or are incomplete, an unsupported
 * config, a mechanism without a user, or a password variable that is not set.
 */
export function securityOptions(
  flags: SecurityFlags,
  java: ReadonlyMap<string, string>,
  env: Readonly<Record<string, string | undefined>>,
  readText: (path: string) => string = () => {
    throw new UsageError("reading files is not available here");
  },
): SecurityOptions {
  const protocol = checkJavaConfigs(java);
  const mechanism = either("--sasl-mechanism", flags.saslMechanism, "sasl.mechanism", java);
  const username = either("--sasl-username", flags.saslUsername, "sasl.username", java);
  const caCerts = trustedCertificates(flags, java, readText);
  const client = clientCertificate(flags, java, readText);

  const tlsAsked = flags.tls === true || caCerts.length > 0 || client !== undefined;
  const tlsByProtocol = protocol === "SSL" || protocol === "SASL_SSL";
  if (tlsAsked && (protocol === "PLAINTEXT" || protocol === "SASL_PLAINTEXT")) {
    throw new UsageError(`TLS settings and -X security.protocol=${protocol} disagree`);
  }
  const saslByProtocol = protocol === "SASL_PLAINTEXT" || protocol === "SASL_SSL";
  if (
    (mechanism !== undefined || username !== undefined) &&
    (protocol === "PLAINTEXT" || protocol === "SSL")
  ) {
    throw new UsageError(`SASL settings and -X security.protocol=${protocol} disagree`);
  }

  const out: SecurityOptions = {};
  if (tlsAsked || tlsByProtocol) {
    const tls: TlsOptions = {};
    if (caCerts.length > 0) tls.caCerts = caCerts;
    if (client !== undefined) {
      tls.cert = client.cert;
      tls.key = client.key;
    }
    out.tls = Object.keys(tls).length === 0 ? true : tls;
  }
  if (mechanism !== undefined || username !== undefined || saslByProtocol) {
    out.sasl = saslOption(mechanism, username, flags.saslPasswordEnv, env);
  }
  return out;
}

const SECURITY_CONFIGS = [
  "security.protocol",
  "sasl.mechanism",
  "sasl.username",
  "ssl.truststore.location",
  "ssl.truststore.certificates",
  "ssl.truststore.type",
  "ssl.keystore.location",
  "ssl.keystore.type",
  "ssl.keystore.certificate.chain",
];

/** Refuses the security configs not taken; returns `security.protocol`, checked. */
function checkJavaConfigs(java: ReadonlyMap<string, string>): string | undefined {
  for (const config of java.keys()) {
    if (!SECURITY_CONFIGS.includes(config)) {
      throw new UsageError(
        `-X ${config} is not supported: TLS takes --tls, --tls-ca, --tls-cert and --tls-key (PEM files)`,
      );
    }
  }
  for (const config of ["ssl.truststore.type", "ssl.keystore.type"]) {
    const type = java.get(config);
    if (type !== undefined && type !== "PEM") {
      throw new UsageError(
        `-X ${config} must be PEM (JKS and PKCS12 are Java's): current value is ${type}`,
      );
    }
  }
  const protocol = java.get("security.protocol");
  if (protocol !== undefined && !PROTOCOLS.includes(protocol)) {
    throw new UsageError(
      `-X security.protocol must be ${PROTOCOLS.join(", ")}: current value is ${protocol}`,
    );
  }
  return protocol;
}

/** The certificates to trust: `--tls-ca` or the truststore file, plus inline ones. */
function trustedCertificates(
  flags: SecurityFlags,
  java: ReadonlyMap<string, string>,
  readText: (path: string) => string,
): string[] {
  const caCerts: string[] = [];
  const caFile = flags.tlsCa ?? java.get("ssl.truststore.location");
  if (flags.tlsCa !== undefined && java.has("ssl.truststore.location")) {
    throw new UsageError("--tls-ca and -X ssl.truststore.location disagree: give one");
  }
  if (caFile !== undefined) caCerts.push(...certificates(readText(caFile), caFile));
  const inlineCa = java.get("ssl.truststore.certificates");
  if (inlineCa !== undefined) {
    caCerts.push(...certificates(inlineCa, "-X ssl.truststore.certificates"));
  }
  return caCerts;
}

/** The client certificate and key, from the keystore file or `--tls-cert`/`--tls-key`. */
function clientCertificate(
  flags: SecurityFlags,
  java: ReadonlyMap<string, string>,
  readText: (path: string) => string,
): { cert: string; key: string } | undefined {
  let client: { cert: string; key: string } | undefined;
  const keystore = java.get("ssl.keystore.location");
  if (keystore !== undefined) {
    if (flags.tlsCert !== undefined || flags.tlsKey !== undefined) {
      throw new UsageError("-X ssl.keystore.location and --tls-cert/--tls-key disagree: give one");
    }
    const pem = readText(keystore);
    const cert = certificates(pem, keystore).join("\n");
    const key = PRIVATE_KEY.exec(pem)?.[0];
    if (key === undefined) throw new UsageError(`${keystore} holds no PEM private key`);
    client = { cert, key };
  } else if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  } else if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
    const cert = certificates(readText(flags.tlsCert), flags.tlsCert).join("\n");
    const key = PRIVATE_KEY.exec(readText(flags.tlsKey))?.[0];
    if (key === undefined) throw new UsageError(`${flags.tlsKey} holds no PEM private key`);
    client = { cert, key };
  }
  if (java.has("ssl.keystore.certificate.chain")) {
    throw new UsageError(
      "-X ssl.keystore.certificate.chain needs its key, which never goes on the command line: use --tls-cert and --tls-key",
    );
  }
  return client;
}

/** The `sasl` option: a password mechanism, its user, and the password from the environment. */
function saslOption(
  mechanism: string | undefined,
  username: string | undefined,
  passwordEnv: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): SaslOptions {
  if (mechanism === undefined) {
    throw new UsageError(`SASL needs --sasl-mechanism (${MECHANISMS.join(", ")})`);
  }
  if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new UsageError(
      `--sasl-mechanism must be ${MECHANISMS.join(", ")}: current value is ${mechanism}${
        mechanism === "OAUTHBEARER" ? " (OAUTHBEARER needs a token provider: use the library)" : ""
      }`,
    );
  }
  if (username === undefined) {
    throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-username`);
  }
  const variable = passwordEnv ?? DEFAULT_PASSWORD_ENV;
  const password = env[variable];
  if (password === undefined || password === "") {
    throw new UsageError(
      `--sasl-username needs its password in the environment variable $${variable}, which is not set`,
    );
  }
  return { mechanism: mechanism as PasswordMechanism, username, password };
}
