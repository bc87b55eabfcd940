/**
 * After close or failure nothing is left running: each scenario runs in a child
 * process of the current runtime, which must end by itself promptly (a leaked timer,
 * socket or pending promise keeps it alive) and report no unhandled rejection.
 * This holds on Deno and Bun alike, where Deno's test sanitizers would cover Deno only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { silentBroker } from "./_silent_broker.ts";

const script = fileURLToPath(new URL("./fixtures/lifecycle_script.ts", import.meta.url));
const isDeno = "Deno" in globalThis;

function run(
  scenario: string,
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const args = isDeno
    ? ["run", "-A", "--no-lock", script, scenario, ...extra]
    : [script, scenario, ...extra];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${scenario}: the process did not end by itself within 20 s\n${stdout}\n${stderr}`,
        ),
      );
    }, 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const scenarios = [
  "send-close",
  "gzip-close",
  "sink-abort",
  "bootstrap-fail",
  "silent-close",
  "close-deadline",
  "close-deadline-in-flight",
];
for (const scenario of scenarios) {
  test(
    `after ${scenario}, the process ends by itself with nothing unhandled`,
    { timeout: 30_000 },
    async () => {
      const silent = scenario === "silent-close" || scenario === "close-deadline";
      const broker = silent ? await silentBroker() : undefined;
      const { code, stdout, stderr, ms } = await run(
        scenario,
        broker === undefined ? [] : [String(broker.port)],
      ).finally(() => broker?.close());
      assert.match(stdout, new RegExp(`done ${scenario}`), stderr);
      assert.doesNotMatch(stderr, /unhandled|Uncaught/i);
      assert.equal(code, 0, stderr);
      // Well under the 30 s request timeout a leaked request timer would hold it for.
      assert.ok(ms < 10_000, `the process took ${ms} ms to end`);
    },
  );
}
