/**
 * The command-line flags of the bench's clients and orchestrator: `--name value`.
 *
 * @module
 */
import process from "node:process";

/**
 * The value after `--name`, or `fallback`.
 *
 * @param name The flag without its dashes.
 * @param fallback The value when the flag is absent.
 * @returns The value.
 */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/**
 * The value after `--name`; fails when it is absent.
 *
 * @param name The flag without its dashes.
 * @returns The value.
 */
export function requiredFlag(name: string): string {
  const value = flag(name, "");
  if (value === "") throw new TypeError(`Cannot run as --${name} is required: current value is ""`);
  return value;
}

/**
 * Whether `--name` appears.
 *
 * @param name The flag without its dashes.
 * @returns True when present.
 */
export function hasFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** The runtime this process runs on. */
export function runtimeName(): "deno" | "bun" | "node" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  return g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";
}
