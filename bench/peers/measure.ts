/**
 * Runs one client process under bench/peers/rusage (built by build.sh) and returns
 * its JSON output with what the process cost: CPU seconds (user + system) and peak
 * RSS of that process alone, from `wait4()`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** What `wait4()` said of a finished client process. */
export interface ProcessCost {
  exit: number;
  signal: number;
  wallS: number;
  userS: number;
  sysS: number;
  maxRssKiB: number;
}

/** A client's command line. */
export interface ClientCommand {
  command: string;
  args: string[];
  cwd?: string;
}

/** A finished client: its standard output and its cost. */
export interface MeasuredRun {
  stdout: string;
  stderr: string;
  cost: ProcessCost;
}

/**
 * Runs `client` under the rusage wrapper and waits for it; kills its process group
 * after `timeoutMs`.
 *
 * @param rusageBin The wrapper's path.
 * @param client What to run.
 * @param timeoutMs The longest the run may take.
 * @returns Its output and cost; rejects when it exits non-zero.
 */
export async function measure(
  rusageBin: string,
  client: ClientCommand,
  timeoutMs: number,
): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), "webstream-bench-"));
  const costFile = join(dir, "cost.json");
  try {
    const { stdout, stderr, code } = await new Promise<
      { stdout: string; stderr: string; code: number | null }
    >((resolve, reject) => {
      const child = spawn(rusageBin, [costFile, client.command, ...client.args], {
        cwd: client.cwd ?? process.cwd(),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const out: string[] = [];
      let err = "";
      child.stdout!.setEncoding("utf8");
      child.stderr!.setEncoding("utf8");
      child.stdout!.on("data", (chunk: string) => out.push(chunk));
      child.stderr!.on("data", (chunk: string) => {
        err = (err + chunk).slice(-8192);
      });
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ stdout: out.join(""), stderr: err, code });
      });
    });
    let cost: ProcessCost;
    try {
      cost = JSON.parse(readFileSync(costFile, "utf8")) as ProcessCost;
    } catch {
      throw new Error(
        `Cannot measure ${client.command} as it left no cost (timed out?): exit ${code}\n${stderr}`,
      );
    }
    if (code !== 0) {
      throw new Error(
        `Cannot measure ${client.command} ${client.args.join(" ")} as it failed: exit ${code}\n` +
          `${stdout.slice(-2000)}\n${stderr}`,
      );
    }
    return { stdout, stderr, cost };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The last line of `stdout` that parses as a JSON object.
 *
 * @param stdout A client's output.
 * @returns The object, or undefined when there is none.
 */
export function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // not JSON after all
    }
  }
  return undefined;
}
