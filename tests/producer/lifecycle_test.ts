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

const script = fileURLToPath(new URL("./fixtures/lifecycle_script.ts", import.meta.url));
const isDeno = "Deno" in globalThis;

function run(
  scenario: string,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const args = isDeno ? ["run", "-A", "--no-lock", script, scenario] : [script, scenario];
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

for (const scenario of ["send-close", "sink-abort", "bootstrap-fail"]) {
  test(
    `after ${scenario}, the process ends by itself with nothing unhandled`,
    { timeout: 30_000 },
    async () => {
      const { code, stdout, stderr } = await run(scenario);
      assert.match(stdout, new RegExp(`done ${scenario}`), stderr);
      assert.doesNotMatch(stderr, /unhandled|Uncaught/i);
      assert.equal(code, 0, stderr);
    },
  );
}
