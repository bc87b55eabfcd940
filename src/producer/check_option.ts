/**
 * Checks one producer option against its spec in `OPTION_SPECS` and applies its
 * default; the rules that join several options are `resolveProducerOptions`'s.
 *
 * @module
 */

import { checkSasl, checkTls } from "../net/check_security.ts";
import { choiceList, type OptionSpec } from "./option_specs.ts";
import { topicNameProblem } from "./topic_name.ts";

const WHAT = "Cannot create producer";

/** A value as an error message shows it: strings quoted, so `"1"` does not read as `1`. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/**
 * Parses a `host:port` address (`[v6]:port` for IPv6).
 *
 * @param address The address.
 * @returns Host and port.
 */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new TypeError(
      `${WHAT} as a bootstrap address must be host:port: current value is "${address}"`,
    );
  }
  return { host: (match[1] ?? match[2])!, port };
}

/**
 * Checks one option as its spec says and applies its default.
 *
 * @param name The option's name, for messages.
 * @param spec Its spec.
 * @param value What the user passed.
 * @returns The value the producer uses: for `"addresses"` the parsed list, else the
 * value itself (or the default). Options without a default stay `undefined`.
 */
export function checkOption(name: string, spec: OptionSpec, value: unknown): unknown {
  // `null` means "not given" where a default stands for it, as a `??` would take it;
  // numbers and booleans must be numbers and booleans once given.
  const unset = value === undefined ||
    (value === null && spec.default !== undefined &&
      (spec.kind === "choice" || spec.kind === "string"));
  switch (spec.kind) {
    case "addresses":
      return checkBootstrap(value);
    case "topic":
      return value === undefined ? undefined : checkTopic(value);
    case "tls":
      return checkTls(value, WHAT);
    case "sasl":
      return checkSasl(value, WHAT);
    case "logger":
      return value === undefined ? undefined : checkLogger(value);
  }
  if (unset) return spec.default;
  switch (spec.kind) {
    case "integer":
    case "duration":
      return checkNumber(name, spec, value);
    case "choice":
      if ((spec.values ?? []).includes(value as string | number)) return value;
      if (spec.orFunction === true && typeof value === "function") return value;
      throw new RangeError(
        `${WHAT} as ${name} must be ${choiceList(spec, describeValue)}: current value is ${
          describeValue(value)
        }`,
      );
    case "string":
      if (typeof value === "string" && value.length >= (spec.min ?? 0)) return value;
      throw new TypeError(
        `${WHAT} as ${name} must be a ${
          (spec.min ?? 0) > 0 ? "non-empty " : ""
        }string: current value is ${describeValue(value)}`,
      );
    case "boolean":
      if (typeof value === "boolean") return value;
      throw new TypeError(
        `${WHAT} as ${name} must be a boolean: current value is ${describeValue(value)}`,
      );
    case "function":
      if (typeof value === "function") return value;
      throw new TypeError(
        `${WHAT} as ${name} must be a function: current value is ${describeValue(value)}`,
      );
  }
}

/** An `"integer"` or a `"duration"` (which also takes `Infinity`). */
function checkNumber(name: string, spec: OptionSpec, value: unknown): number {
  if (spec.kind === "duration" && value === Infinity) return Infinity;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(
      `${WHAT} as ${name} must be an integer: current value is ${describeValue(value)}`,
    );
  }
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
    throw new RangeError(`${WHAT} as ${name} must be ${range}: current value is ${value}`);
  }
  return value;
}

function checkBootstrap(bootstrap: unknown): { host: string; port: number }[] {
  const list = typeof bootstrap === "string" ? bootstrap.split(",") : bootstrap;
  if (
    !Array.isArray(list) || list.length === 0 ||
    list.every((a) => typeof a === "string" && a.trim() === "")
  ) {
    throw new TypeError(
      `${WHAT} as bootstrap must list at least one host:port: current value is ${
        JSON.stringify(bootstrap)
      }`,
    );
  }
  return list.filter((a) => String(a).trim() !== "").map((a) => parseAddress(String(a)));
}

const LOGGER_METHODS = ["debug", "info", "warn", "error"] as const;

function checkLogger(logger: unknown): unknown {
  const missing = typeof logger === "object" && logger !== null
    ? LOGGER_METHODS.filter((m) => typeof (logger as Record<string, unknown>)[m] !== "function")
    : LOGGER_METHODS;
  if (missing.length === 0) return logger;
  throw new TypeError(
    `${WHAT} as logger must have debug, info, warn and error methods (missing ${
      missing.join(", ")
    }): current value is ${describeValue(logger)}`,
  );
}

function checkTopic(topic: unknown): string {
  const problem = topicNameProblem(topic);
  if (problem !== null) {
    throw new TypeError(
      `${WHAT} as topic must be a valid topic name (${problem}): current value is ${
        describeValue(topic)
      }`,
    );
  }
  return topic as string;
}
