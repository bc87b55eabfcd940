// Runs the command line in this process (main() with captured output and injected
// stdin and environment) or as a child process of the runtime running the test
// (`deno run -A src/cli/main.ts ...`, `bun src/cli/main.ts ...`, `node src/cli/main.ts ...`).

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";

export const entry: string = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
export const root: string = fileURLToPath(new URL("../..", import.meta.url));

/** What a run printed and returned. */
export interface Ran {
  code: number | null;
  /** Lines written to stdout. */
  stdout: string;
  /** Lines written to stderr, and raw progress text, in order. */
  stderr: string;
  ms: number;
}

/** Options of a run. */
export interface RunOptions {
  /** Standard input, in chunks. */
  stdin?: readonly (string | Uint8Array)[];
  env?: Record<string, string | undefined>;
  /** Whether stderr claims to be a terminal. */
  terminal?: boolean;
}

const encoder = new TextEncoder();

/** Runs main() in this process. */
export async function runMain(args: string[], options: RunOptions = {}): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const chunks = (options.stdin ?? []).map((c) => typeof c === "string" ? encoder.encode(c) : c);
  const started = performance.now();
  const code = await main(args, {
    stdout: (line) => stdout += `${line}\n`,
    stderr: (line) => stderr += `${line}\n`,
    stderrRaw: (text) => stderr += text,
    stderrIsTerminal: options.terminal ?? false,
    stdin: (async function* () {
      for (const c of chunks) yield c;
    })(),
    env: options.env ?? {},
  });
  return { code, stdout, stderr, ms: performance.now() - started };
}

/** The runtime's own executable and the arguments that run the CLI entry. */
export function runtimeCommand(): { bin: string; args: string[] } {
  return { bin: process.execPath, args: "Deno" in globalThis ? ["run", "-A", entry] : [entry] };
}

/** Runs the CLI as a child process; stdin from a string, or /dev/null-like when absent. */
export function runChild(
  args: string[],
  options: { stdin?: string | Uint8Array; env?: Record<string, string | undefined> } = {},
): Promise<Ran> {
  const { bin, args: prefix } = runtimeCommand();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...prefix, ...args], {
      cwd: root,
      stdio: ["pipe", "pipe", "pipe"],
      env: options.env ?? process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => stdout += d);
    child.stderr!.on("data", (d) => stderr += d);
    child.once("error", reject);
    child.once(
      "close",
      (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }),
    );
    child.stdin!.on("error", () => {});
    child.stdin!.end(options.stdin ?? "");
  });
}
