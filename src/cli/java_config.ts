/**
 * `-X name=value`: a producer option by its Java config name, kcat style
 * (`-X compression.type=lz4 -X linger.ms=20 -X acks=1`). Names are looked up in the
 * options spec table (each spec lists the Java configs it stands for) and values
 * converted by the spec's kind; the producer then checks ranges as for any caller.
 * Security configs (`security.protocol`, `sasl.*`, `ssl.*`) are set aside for
 * `security_flags.ts`; configs that would carry a secret on the command line are
 * refused.
 *
 * @module
 */

import type { ProducerOptions } from "../../mod.ts";
import {
  OPTION_SPECS,
  type OptionSpec,
  type ProducerOptionName,
} from "../producer/option_specs.ts";
import { UsageError } from "./command.ts";

/** What `-X` settings come to. */
export interface JavaConfig {
  /** Producer options, converted from their Java values. */
  readonly options: Partial<ProducerOptions>;
  /** Security configs by name (`security.protocol`, `sasl.mechanism`, `ssl.*`), as given. */
  readonly security: ReadonlyMap<string, string>;
}

/** Java's partitioner classes, and what they are here. */
const PARTITIONER_CLASSES: Readonly<Record<string, string>> = {
  "org.apache.kafka.clients.producer.internals.DefaultPartitioner": "default",
  "org.apache.kafka.clients.producer.UniformStickyPartitioner": "sticky",
  "org.apache.kafka.clients.producer.RoundRobinPartitioner": "round-robin",
};

/** Configs that hold a secret: never taken from the arguments. */
const SECRET_CONFIGS: Readonly<Record<string, string>> = {
  "sasl.jaas.config":
    "give --sasl-username and the password in $WEBSTREAM_KAFKA_SASL_PASSWORD (or the variable --sasl-password-env names)",
  "sasl.password":
    "put it in $WEBSTREAM_KAFKA_SASL_PASSWORD (or the variable --sasl-password-env names)",
  "ssl.keystore.key": "give the key in a PEM file with --tls-key",
  "ssl.key.password": "give the key decrypted in a PEM file with --tls-key",
  "ssl.keystore.password": "give the certificate and key as PEM files (--tls-cert, --tls-key)",
  "ssl.truststore.password": "give the CA certificates as a PEM file (--tls-ca)",
};

/** librdkafka's names that kcat users type, beside the spec's Java names. */
const SECURITY_ALIASES: ReadonlySet<string> = new Set(["sasl.username"]);

/** Options `produce` does not take, and why. */
const NOT_FOR_PRODUCE: Partial<Record<ProducerOptionName, string>> = {
  transactionalId: "produce writes outside transactions",
  transactionTimeoutMs: "produce writes outside transactions",
};

interface Target {
  readonly name: ProducerOptionName;
  readonly spec: OptionSpec;
}

/** The Java config names of the spec table: exact names, and `prefix.*` patterns. */
function javaIndex(): { exact: Map<string, Target>; prefixes: [string, Target][] } {
  const exact = new Map<string, Target>();
  const prefixes: [string, Target][] = [];
  for (const [name, spec] of Object.entries(OPTION_SPECS) as [ProducerOptionName, OptionSpec][]) {
    for (const java of spec.java) {
      if (java.endsWith(".*")) prefixes.push([java.slice(0, -1), { name, spec }]);
      else if (!exact.has(java)) exact.set(java, { name, spec });
    }
  }
  return { exact, prefixes };
}

const INDEX = javaIndex();

function lookup(config: string): Target | undefined {
  return INDEX.exact.get(config) ??
    INDEX.prefixes.find(([prefix]) => config.startsWith(prefix))?.[1];
}

/**
 * Converts `-X` settings (`name=value`; a later one wins) into producer options.
 *
 * @example Java names in, producer options out
 * ```ts
 * import { javaConfig } from "./java_config.ts";
 *
 * const { options } = javaConfig(["compression.type=lz4", "linger.ms=20", "acks=all"]);
 * console.log(options); // { compression: "lz4", lingerMs: 20, acks: "all" }
 * ```
 *
 * @param settings Each `name=value`.
 * @returns The options and the security configs.
 * @throws {UsageError} For a setting without `=`, an unknown or unsupported name, a
 * value of the wrong type, or a config that holds a secret.
 */
export function javaConfig(settings: readonly string[]): JavaConfig {
  const options: Record<string, unknown> = {};
  const security = new Map<string, string>();
  for (const setting of settings) {
    const eq = setting.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`-X needs name=value: current value is ${JSON.stringify(setting)}`);
    }
    const config = setting.slice(0, eq).trim();
    const value = setting.slice(eq + 1).trim();
    const secret = SECRET_CONFIGS[config];
    if (secret !== undefined) {
      throw new UsageError(`-X ${config} would put a secret on the command line: ${secret}`);
    }
    const target = lookup(config);
    if (target === undefined && !SECURITY_ALIASES.has(config)) {
      throw new UsageError(
        `-X ${config} is not a producer config this client has: -X takes the Java producer's names (${
          [...INDEX.exact.keys()].filter((n) => n !== "security.protocol").slice(0, 6).join(", ")
        }, ...; see --help)`,
      );
    }
    if (target === undefined || target.spec.kind === "tls" || target.spec.kind === "sasl") {
      security.set(config, value);
      continue;
    }
    const refused = NOT_FOR_PRODUCE[target.name];
    if (refused !== undefined) throw new UsageError(`-X ${config} is not taken: ${refused}`);
    options[target.name] = convert(config, value, target.spec);
  }
  return { options: options as Partial<ProducerOptions>, security };
}

/** A Java config's text as the option's kind takes it. */
function convert(config: string, value: string, spec: OptionSpec): unknown {
  const bad = (what: string): UsageError =>
    new UsageError(`-X ${config} needs ${what}: current value is ${JSON.stringify(value)}`);
  switch (spec.kind) {
    case "integer":
    case "duration": {
      // Java has no "no limit" for these; Infinity is this client's.
      if (spec.kind === "duration" && value === "Infinity") return Infinity;
      if (!/^\d+$/.test(value)) {
        throw bad(
          spec.kind === "duration" ? "an integer of milliseconds or Infinity" : "an integer",
        );
      }
      return Number(value);
    }
    case "boolean":
      if (value === "true" || value === "false") return value === "true";
      throw bad("true or false");
    case "choice": {
      const choice = PARTITIONER_CLASSES[value] ?? value;
      for (const allowed of spec.values ?? []) {
        if (String(allowed) === choice) return allowed;
      }
      throw bad(`one of ${(spec.values ?? []).join(", ")}`);
    }
    case "string":
    case "addresses":
      return value;
    case "function":
      throw new UsageError(`-X ${config} takes a function: it cannot be set from the command line`);
    default:
      throw new UsageError(`-X ${config} cannot be set from the command line`);
  }
}
