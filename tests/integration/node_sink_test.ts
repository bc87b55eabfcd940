/**
 * The package on Node 24: a script run by Node (whatever runtime runs this test)
 * pipes records into kafkaSink and a producer's sink over Node's own sockets
 * (`node:net`), and an independent client (kcat) reads every record back from the
 * broker (librdkafka's mock cluster). Node is found as NODE24_BIN, this runtime when
 * it is Node 24, or `node` on PATH; without one the test says so loudly and skips,
 * unless NODE_REQUIRED=1 (CI), when it fails.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { readBack, startMockCluster } from "../mock/mock_cluster.ts";

const script = fileURLToPath(new URL("./fixtures/node_sink_script.ts", import.meta.url));
const COUNT = 5_000;

function env(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

/** A Node of version 24 or later, or null. */
function findNode(): string | null {
  const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
  const candidates = [env("NODE24_BIN"), "node"];
  if (runtime.Deno === undefined && runtime.Bun === undefined) {
    candidates.unshift(process.execPath);
  }
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const result = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    const major = Number(/^v(\d+)\./.exec(result.stdout ?? "")?.[1] ?? 0);
    if (result.status === 0 && major >= 24) return candidate;
  }
  return null;
}

function run(node: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => out += d);
    child.stderr.on("data", (d) => out += d);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Node did not finish within 60 s:\n${out}`));
    }, 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const node = findNode();
if (node === null) {
  const message = "no Node 24 found (set NODE24_BIN, or put node 24 on PATH)";
  if (env("NODE_REQUIRED") === "1") throw new Error(message);
  console.error(`\n${"!".repeat(78)}\n!! NODE SINK TEST SKIPPED: ${message}\n${"!".repeat(78)}\n`);
}

test("kafkaSink on Node 24 delivers every record to a broker", {
  skip: node === null,
  timeout: 120_000,
}, async () => {
  const mock = await startMockCluster({ brokers: 3 });
  try {
    await mock.createTopic("node", 6, 3);
    const { code, out } = await run(node!, [mock.bootstrap.join(","), "node", String(COUNT)]);
    assert.equal(code, 0, out);
    const report = JSON.parse(out.trim().split("\n").at(-1)!);
    assert.ok(Number(report.node.split(".")[0]) >= 24, `ran on Node ${report.node}`);
    assert.equal(report.deno, false);
    assert.equal(report.bun, false);
    assert.equal(report.sent, COUNT - Math.floor(COUNT / 2));
    const partitions = await readBack(mock.bootstrap, "node");
    const values = new Set<string>();
    const dec = new TextDecoder();
    for (const records of partitions.values()) {
      for (const r of records) values.add(dec.decode(r.value!));
    }
    assert.equal(values.size, COUNT);
    for (let i = 0; i < COUNT; i++) assert.ok(values.has(`value-${i}`), `value-${i}`);
  } finally {
    await mock.close();
  }
});
