/**
 * The command line: `<entry> <command> [options]`, one command per file, each with
 * its own `--help`. Runs on Deno (`deno run -A src/cli/main.ts broker ...`), Bun
 * (`bun src/cli/main.ts broker ...`) and Node 24 where the package loads. Exit codes:
 * 0 for success, 1 when a command fails, 2 for a usage error.
 *
 * @example Printing the commands
 * ```ts
 * import { main } from "./main.ts";
 *
 * const lines: string[] = [];
 * const code = await main(["--help"], { stdout: (l) => lines.push(l), stderr: () => {} });
 * console.log(code, lines[0]); // 0 "Usage: webstream-kafka <command> [options]"
 * ```
 *
 * @module
 */

import process from "node:process";
import { brokerCommand } from "./broker.ts";
import { type CliIo, type Command, UsageError } from "./command.ts";
import { demoCommand } from "./demo.ts";
import { produceCommand } from "./produce.ts";

export { type CliIo, type Command, UsageError } from "./command.ts";

/** The commands, by name. */
export const commands: ReadonlyMap<string, Command> = new Map(
  [produceCommand, brokerCommand, demoCommand].map((c) => [c.name, c]),
);

const PROGRAM = "webstream-kafka";

function usage(): string {
  const width = Math.max(...[...commands.keys()].map((n) => n.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Commands:",
    ...[...commands.values()].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run '${PROGRAM} <command> --help' for a command's options.`,
  ].join("\n");
}

const defaultIo: CliIo = {
  stdout: (line) => void process.stdout.write(`${line}\n`),
  stderr: (line) => void process.stderr.write(`${line}\n`),
};

/**
 * Runs the command line.
 *
 * @param args The arguments, without the runtime and the script.
 * @param io Where to write.
 * @returns The exit code.
 */
export async function main(args: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands.get(name);
  if (command === undefined) {
    io.stderr(`${PROGRAM}: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `${PROGRAM} ${name}: ${error.message}\nRun '${PROGRAM} ${name} --help' for its options.`,
      );
      return 2;
    }
    io.stderr(`${PROGRAM} ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
