// The demo command: produces, reads back over Fetch, checks; in this process and as
// the README's run command with no java on PATH; its check fails when records are not
// where murmur2 puts them.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { kafkaSink } from "../../mod.ts";
import { DemoCheck } from "../../src/cli/demo_records.ts";
import { defaultListen } from "../../src/net/default_listen.ts";
import { startTestBroker } from "../../src/testing.ts";
import { entry, root, runMain } from "./_cli.ts";

const RESULT =
  /^demo: ([\d,]+) records produced in \d+\.\d\d s: [\d,]+ records\/s, \d+\.\d MB\/s \(keys and values\); read back over Fetch in \d+\.\d\d s; peak RSS \d+ MiB; verified: every record once, on its murmur2 partition, in order\n$/;
const encoder = new TextEncoder();

describe("demo command", () => {
  test("demo produces to an in-process broker, reads every record back and verifies it", {
    timeout: 120_000,
  }, async () => {
    const r = await runMain(["demo", "--records", "20000", "--brokers", "3", "--partitions", "5"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, RESULT);
    assert.equal(RESULT.exec(r.stdout)![1], "20,000");
    assert.match(
      r.stderr,
      /^demo: 20,000 records \(10,000 keys, 100-byte values\) to webstream-demo \(5 partitions\) on a test broker in this process \(3 brokers, /,
    );
    const compressed = await runMain(
      [
        "demo",
        "--records",
        "5000",
        "--keys",
        "7",
        "--value-bytes",
        "12",
        "-X",
        "compression.type=gzip",
        "-q",
      ],
    );
    assert.equal(compressed.code, 0, compressed.stdout);
    assert.match(compressed.stdout, /5,000 records produced/);
    assert.equal(compressed.stderr, "", "quiet");
  });

  test(
    "demo --bootstrap checks only what it wrote, and fails when records are off their murmur2 partition",
    {
      timeout: 120_000,
    },
    async () => {
      await using broker = await startTestBroker({ brokers: 2, topics: { shared: 4 } });
      await ReadableStream.from([{ key: "other", value: "not the demo's" }])
        .pipeTo(kafkaSink({ bootstrap: broker.bootstrap, topic: "shared" }));
      const bootstrap = broker.bootstrap.join(",");
      const ok = await runMain(["demo", "-b", bootstrap, "-t", "shared", "--records", "3000"]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, RESULT);
      assert.equal(broker.records("shared").length, 3001);

      const off = await runMain([
        "demo",
        "-b",
        bootstrap,
        "-t",
        "shared",
        "--records",
        "3000",
        "-X",
        "partitioner.class=round-robin",
      ]);
      assert.equal(off.code, 1, off.stdout);
      assert.match(
        off.stdout,
        /; NOT verified: record \d+ \(key user-\d+\) is on partition \d, murmur2 says \d/,
      );
    },
  );

  test("demo fails naming every address when --bootstrap is dead, and names a missing topic", async () => {
    const l = await defaultListen(
      { host: "127.0.0.1", port: 0 },
      ({ transport }) => transport.close(),
    );
    const port = l.port;
    await l.close();
    const dead = await runMain(["demo", "-b", `127.0.0.1:${port},no-such-host.invalid:1`]);
    assert.equal(dead.code, 1);
    assert.match(
      dead.stderr,
      new RegExp(`tried 127\\.0\\.0\\.1:${port} \\(.*\\), no-such-host\\.invalid:1 \\(`),
    );
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const missing = await runMain(["demo", "-b", broker.bootstrap[0]!, "-t", "absent"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /UNKNOWN_TOPIC_OR_PARTITION/);
    const usage = await runMain(["demo", "-b", broker.bootstrap[0]!, "--brokers", "2"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /for the in-process broker/);
  });

  test(
    "demo runs as the README's run command with no java on PATH",
    { timeout: 300_000 },
    () => {
      const env = { ...process.env, PATH: dirname(process.execPath) };
      // The check means something only if java really is out of reach.
      assert.notEqual(spawnSync("java", ["-version"], { env }).status, 0);
      const args = "Deno" in globalThis
        ? ["task", "demo", "--records", "200000"]
        : [entry, "demo", "--records", "200000"];
      const r = spawnSync(process.execPath, args, {
        cwd: root,
        env,
        encoding: "utf8",
        timeout: 240_000,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, RESULT);
      assert.match(r.stdout, /200,000 records produced/);
    },
  );
});

describe("DemoCheck", () => {
  const shape = { records: 4, keys: 2, valueBytes: 14 };
  const value = (i: number): Uint8Array => encoder.encode(String(i).padStart(12, "0") + "ab");
  const key = (i: number): Uint8Array => encoder.encode(`user-${i % 2}`);

  test("DemoCheck verifies each record once, on its partition, in order", () => {
    const check = new DemoCheck(shape, 1);
    for (let i = 0; i < 4; i++) check.record(0, i, key(i), value(i));
    assert.deepEqual(check.verdict(), { verified: true, read: 4, problems: [] });
  });

  test("DemoCheck names missing, repeated, reordered, foreign and mis-keyed records", () => {
    const check = new DemoCheck(shape, 1);
    check.record(0, 0, key(1), value(1));
    check.record(0, 1, key(0), value(0)); // before 1 in the same partition
    check.record(0, 2, key(1), value(1)); // again
    check.record(0, 3, encoder.encode("user-1"), value(2)); // 2 has key user-0
    check.record(0, 4, key(3), encoder.encode("something else"));
    const verdict = check.verdict();
    assert.equal(verdict.verified, false);
    assert.deepEqual(verdict.problems, [
      "record 0 comes after record 1 in partition 0",
      "record 1 was read twice",
      "record 2 at 0:3 has the wrong key",
      "the record at 0:4 is not one the demo wrote",
      "2 records were not read back",
    ]);
  });
});
