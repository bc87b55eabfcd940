/**
 * What every command of the command line shares: where it writes and reads
 * ({@linkcode CliIo}), its shape ({@linkcode Command}) and the usage error that
 * makes the dispatcher print a pointer to `--help` and exit with code 2.
 *
 * @module
 */

/** Where a command writes and reads, so tests can capture and feed it. */
export interface CliIo {
  /** Writes one line to standard output. */
  stdout(line: string): void;
  /** Writes one line to standard error. */
  stderr(line: string): void;
  /**
   * Writes text to standard error as it is, without a newline: the progress line.
   *
   * @default {process.stderr.write}
   */
  stderrRaw?(text: string): void;
  /**
   * Whether standard error is a terminal (progress is shown there only then, unless
   * forced).
   *
   * @default {process.stderr.isTTY}
   */
  stderrIsTerminal?: boolean;
  /**
   * Standard input, as bytes.
   *
   * @default {process.stdin}
   */
  stdin?: AsyncIterable<Uint8Array>;
  /**
   * The environment, where secrets are read from (never from the arguments).
   *
   * @default {process.env}
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One command of the command line. */
export interface Command {
  /** Its name, the first argument. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Its `--help` text. */
  readonly help: string;
  /**
   * Runs it.
   *
   * @param args The arguments after the command's name.
   * @param io Where it writes.
   * @returns The exit code.
   */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage error: the message is printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  /**
   * Builds the error.
   *
   * @param message What was wrong with the arguments.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Runs `make`, turning the TypeError or RangeError of a bad option into a
 * {@linkcode UsageError}: the producer's checks name its option (`lingerMs`), where
 * the user gave a flag or `-X`.
 *
 * @example A producer's option check as a usage error
 * ```ts
 * import { UsageError, usageErrorsOf } from "./command.ts";
 *
 * try {
 *   usageErrorsOf(() => {
 *     throw new RangeError("lingerMs must be >= 0");
 *   });
 * } catch (error) {
 *   console.log(error instanceof UsageError); // true
 * }
 * ```
 *
 * @typeParam T What `make` returns.
 * @param make Builds something from the options.
 * @returns What `make` returned.
 * @throws {UsageError} For a TypeError or RangeError of `make`; other errors as they are.
 */
export function usageErrorsOf<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}
