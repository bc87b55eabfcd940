/**
 * Command-line flags, parsed against a table: `--name value`, `--name=value`, a
 * one-letter alias (`-b value`, `-bvalue`), flags that take no value, and flags
 * that repeat (`-X a=1 -X b=2`). Anything else is a {@linkcode UsageError}.
 *
 * @module
 */

import { UsageError } from "./command.ts";

/** What a flag takes. */
export type FlagKind = "string" | "integer" | "boolean" | "list";

/** One flag of a command. */
export interface FlagSpec {
  /** `"boolean"` takes no value; `"list"` may repeat and collects its values. */
  readonly kind: FlagKind;
  /** A one-letter alias, e.g. `"-b"`. */
  readonly alias?: string;
  /** For `"integer"`, the smallest value. */
  readonly min?: number;
}

/** The value a flag of a kind yields. */
export type FlagValue<F extends FlagSpec> = F["kind"] extends "boolean" ? boolean
  : F["kind"] extends "integer" ? number
  : F["kind"] extends "list" ? string[]
  : string;

/** The flags given, by name (`"--topic"`); absent when not given. */
export type Flags<S extends Readonly<Record<string, FlagSpec>>> = {
  -readonly [K in keyof S]?: FlagValue<S[K]>;
};

/**
 * Parses arguments against a table of flags.
 *
 * @example Long flags, an alias with its value attached, and a repeated flag
 * ```ts
 * import { parseFlags } from "./args.ts";
 *
 * const flags = parseFlags(["--topic=events", "-p", "2", "-Xacks=1", "-X", "linger.ms=20"], {
 *   "--topic": { kind: "string", alias: "-t" },
 *   "--partition": { kind: "integer", alias: "-p", min: 0 },
 *   "-X": { kind: "list" },
 * });
 * console.log(flags["--topic"], flags["--partition"], flags["-X"]);
 * // events 2 [ "acks=1", "linger.ms=20" ]
 * ```
 *
 * @typeParam S The table.
 * @param args The arguments.
 * @param spec The flags, by name (`--name`, or a one-letter `-X`).
 * @returns The flags given.
 * @throws {UsageError} For an unknown flag, a missing value, a bad integer, a flag
 * given twice, or an argument that is not a flag.
 */
export function parseFlags<S extends Readonly<Record<string, FlagSpec>>>(
  args: readonly string[],
  spec: S,
): Flags<S> {
  const byAlias = new Map<string, string>();
  for (const [name, flag] of Object.entries(spec)) {
    if (flag.alias !== undefined) byAlias.set(flag.alias, name);
  }
  const out: Record<string, string | number | boolean | string[]> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq > 0 ? arg.slice(0, eq) : arg;
      inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    } else if (/^-[A-Za-z]/.test(arg)) {
      const short = arg.slice(0, 2);
      name = short in spec ? short : byAlias.get(short);
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    }
    const flag = name === undefined ? undefined : spec[name];
    if (name === undefined || flag === undefined) {
      throw new UsageError(`unknown option ${arg}`);
    }
    if (flag.kind === "boolean") {
      if (inline !== undefined) {
        throw new UsageError(`${name} takes no value: current value is ${inline}`);
      }
      out[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (flag.kind === "list") {
      ((out[name] ??= []) as string[]).push(value);
      continue;
    }
    if (name in out) throw new UsageError(`${name} is given twice`);
    if (flag.kind === "integer") {
      const min = flag.min ?? Number.MIN_SAFE_INTEGER;
      const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < min) {
        throw new UsageError(
          `${name} needs an integer of at least ${min}: current value is ${value}`,
        );
      }
      out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out as Flags<S>;
}
