// The produce command against the test broker: in this process through main() (stdin
// and environment injected), and as a child process of the runtime running the test.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { partitionForKey } from "../../mod.ts";
import { defaultListen } from "../../src/net/default_listen.ts";
import { startTestBroker } from "../../src/testing.ts";
import { testCert, testKey } from "../fixtures/test_broker_tls.ts";
import { runChild, runMain, runtimeCommand } from "./_cli.ts";
import { spawn } from "node:child_process";
import process from "node:process";

const dir = mkdtempSync(join(tmpdir(), "webstream-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const decoder = new TextDecoder();
const text = (b: Uint8Array | null): string | null => b === null ? null : decoder.decode(b);

function keyValueLines(n: number): string {
  let out = "";
  for (let i = 0; i < n; i++) out += `key-${i % 97}:value-${i}\n`;
  return out;
}

/** Ports nothing listens on (they were free a moment ago). */
async function closedPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = await defaultListen(
      { host: "127.0.0.1", port: 0 },
      ({ transport }) => transport.close(),
    );
    ports.push(l.port);
    await l.close();
  }
  return ports;
}

describe("produce command", () => {
  test("produce sends key:value lines, each once, on Java's partition, in order, and sums up", async () => {
    await using broker = await startTestBroker({ brokers: 3, topics: { events: 6 } });
    const input = keyValueLines(5000);
    // Chunks cut mid-line, as a pipe delivers them.
    const chunks = [input.slice(0, 1001), input.slice(1001, 40000), input.slice(40000)];
    const r = await runMain(
      ["produce", "-b", broker.bootstrap.join(","), "-t", "events", "-K", ":", "-X", "linger.ms=1"],
      { stdin: chunks },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^5,000 records \(0\.\d MB\) in \d+\.\d\d s, [\d,]+ records\/s, 0 failed\n$/,
    );
    const stored = broker.records("events");
    assert.equal(stored.length, 5000);
    const last = new Map<number, number>();
    for (const s of stored) {
      const key = text(s.key)!;
      const i = Number(text(s.value)!.slice("value-".length));
      assert.equal(key, `key-${i % 97}`);
      assert.equal(s.partition, partitionForKey(s.key!, 6), key);
      assert.ok(i > (last.get(s.partition) ?? -1), `order in partition ${s.partition}`);
      last.set(s.partition, i);
    }
  });

  test("produce --partition puts every record there; empty lines only with --keep-empty", async () => {
    await using broker = await startTestBroker({ topics: { t: 4 } });
    const stdin = ["a\n\nb\n", "\n"];
    const skip = await runMain(["produce", "-b", broker.bootstrap[0]!, "-t", "t", "-p", "2"], {
      stdin,
    });
    assert.equal(skip.code, 0, skip.stderr);
    const keep = await runMain([
      "produce",
      "-b",
      broker.bootstrap[0]!,
      "-t",
      "t",
      "--partition=2",
      "--keep-empty",
    ], {
      stdin,
    });
    assert.equal(keep.code, 0, keep.stderr);
    const stored = broker.records("t");
    assert.deepEqual(stored.map((s) => [s.partition, text(s.value), s.key]), [
      [2, "a", null],
      [2, "b", null],
      [2, "a", null],
      [2, "", null],
      [2, "b", null],
      [2, "", null],
    ]);
  });

  test("produce --format json takes keys, bytes, headers, partitions and timestamps", async () => {
    await using broker = await startTestBroker({ topics: { t: 3 } });
    const lines = [
      {
        key: "k",
        value: "v",
        headers: { h: "x", b: { base64: "AAE=" } },
        timestamp: 1700000000000,
      },
      { key: { base64: "/w==" }, value: null, partition: 1 },
    ].map((o) => JSON.stringify(o)).join("\n");
    const r = await runMain(
      ["produce", "-b", broker.bootstrap[0]!, "-t", "t", "--format", "json"],
      { stdin: [lines] },
    );
    assert.equal(r.code, 0, r.stderr);
    const [a, b] = broker.records("t").sort((x, y) =>
      x.partition - y.partition || Number(x.offset - y.offset)
    );
    const byKey = text(a!.key) === "k" ? [a!, b!] : [b!, a!];
    assert.deepEqual(byKey[0]!.headers, [{ key: "h", value: new TextEncoder().encode("x") }, {
      key: "b",
      value: new Uint8Array([0, 1]),
    }]);
    assert.equal(byKey[0]!.timestamp, 1700000000000);
    assert.deepEqual(byKey[1]!.key, new Uint8Array([255]));
    assert.equal(byKey[1]!.value, null);
    assert.equal(byKey[1]!.partition, 1);
  });

  test("produce stops at a malformed JSON line, naming it, after delivering the lines before it", async () => {
    await using broker = await startTestBroker({ topics: { t: 3 } });
    const good = (i: number): string => JSON.stringify({ key: `k${i}`, value: `v${i}` });
    const lines = [
      ...Array.from({ length: 3000 }, (_, i) => good(i)),
      '{"key": "k3000", "value": "v3000"', // no closing brace
      ...Array.from({ length: 2000 }, (_, i) => good(3001 + i)),
    ];
    const file = join(dir, "broken.jsonl");
    writeFileSync(file, lines.join("\n"));
    const r = await runMain([
      "produce",
      "-b",
      broker.bootstrap[0]!,
      "-t",
      "t",
      "--format",
      "json",
      "--file",
      file,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `webstream-kafka produce: Cannot read line 3001 of ${
          file.replace(/[.\\/]/g, "\\$&")
        } as it is not JSON: .*; the 3,000 records before it were delivered\n$`,
      ),
    );
    assert.match(r.stderr, /^3,000 records \(/);
    const stored = broker.records("t");
    assert.equal(stored.length, 3000);
    assert.deepEqual(new Set(stored.map((s) => text(s.key))).size, 3000);
    assert.ok(!stored.some((s) => text(s.key) === "k3001"));
  });

  test("produce fails within --timeout when no broker is reachable, naming every address tried", async () => {
    const [p1, p2] = await closedPorts(2);
    const bootstrap = `127.0.0.1:${p1},127.0.0.1:${p2},no-such-host.invalid:9092`;
    const r = await runMain(["produce", "-b", bootstrap, "-t", "t", "--timeout", "1500"], {
      stdin: ["a\nb\n"],
    });
    assert.equal(r.code, 1);
    assert.ok(r.ms < 1500 + 3000, `took ${r.ms} ms`);
    for (const address of bootstrap.split(",")) {
      assert.ok(r.stderr.includes(address), `${address} in ${r.stderr}`);
    }
    assert.match(
      r.stderr,
      /webstream-kafka produce: 1 record failed; the first error: Cannot get metadata for topic t within 1500 ms/,
    );
    assert.match(r.stderr, /^0 records \(0\.0 MB\) in .*, 1 failed\n/);
  });

  test("produce names how many records failed and the first error, exit code 1", async () => {
    await using broker = await startTestBroker({ topics: { t: 1 } });
    const big = "x".repeat(2000);
    const r = await runMain([
      "produce",
      "-b",
      broker.bootstrap[0]!,
      "-t",
      "t",
      "-X",
      "max.request.size=1000",
    ], {
      stdin: [`small\n${big}\nafter\n`],
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^1 record \(.*\) in .*, 1 failed\n/);
    assert.match(r.stderr, /webstream-kafka produce: 1 record failed; the first error: .*max/i);
    assert.deepEqual(broker.records("t").map((s) => text(s.value)), ["small"]);
  });

  test("produce shows progress on a terminal (or with --progress), cleared before the summary; --quiet prints nothing", async () => {
    await using broker = await startTestBroker({ topics: { t: 2 } });
    const args = ["produce", "-b", broker.bootstrap[0]!, "-t", "t"];
    const stdin = [keyValueLines(2000)];
    const terminal = await runMain(args, { stdin, terminal: true });
    assert.equal(terminal.code, 0, terminal.stderr);
    const CLEAR = "\r\x1b[K";
    assert.ok(terminal.stderr.startsWith(CLEAR), JSON.stringify(terminal.stderr.slice(0, 20)));
    assert.match(
      terminal.stderr.slice(CLEAR.length),
      /^[\d,]+ records \(\d+\.\d MB\) acknowledged, [\d,]+ records\/s, \d+ requests? in flight, \d+ retr(y|ies)/,
    );
    // The line is erased, then the summary follows on a clean line.
    assert.match(
      terminal.stderr.slice(terminal.stderr.lastIndexOf(CLEAR) + CLEAR.length),
      /^2,000 records \(.*\) in .* s, [\d,]+ records\/s, 0 failed\n$/,
    );
    const forced = await runMain([...args, "--progress"], { stdin });
    assert.match(forced.stderr, /acknowledged/);
    const plain = await runMain(args, { stdin });
    assert.doesNotMatch(plain.stderr, /acknowledged/);
    assert.ok(!plain.stderr.includes("\x1b"));
    const quiet = await runMain([...args, "-q"], { stdin, terminal: true });
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, "");
    assert.equal(broker.records("t").length, 8000);
  });

  test("produce authenticates over TLS with the password from the environment, never from argv", async () => {
    await using broker = await startTestBroker({
      topics: { t: 1 },
      tls: { cert: testCert, key: testKey },
      sasl: { users: { alice: "alice-secret" }, mechanisms: ["SCRAM-SHA-512"] },
    });
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, testCert);
    const args = [
      "produce",
      "-b",
      broker.bootstrap[0]!,
      "-t",
      "t",
      "--tls-ca",
      ca,
      "--sasl-mechanism",
      "SCRAM-SHA-512",
      "--sasl-username",
      "alice",
    ];
    const ok = await runMain(args, {
      stdin: ["one\n"],
      env: { WEBSTREAM_KAFKA_SASL_PASSWORD: "alice-secret" },
    });
    assert.equal(ok.code, 0, ok.stderr);
    const viaJava = await runMain(
      [
        "produce",
        "-b",
        broker.bootstrap[0]!,
        "-t",
        "t",
        "-X",
        "security.protocol=SASL_SSL",
        "-X",
        "sasl.mechanism=SCRAM-SHA-512",
        "-X",
        "sasl.username=alice",
        "-X",
        `ssl.truststore.location=${ca}`,
        "-X",
        "ssl.truststore.type=PEM",
        "--sasl-password-env",
        "PW",
      ],
      { stdin: ["two\n"], env: { PW: "alice-secret" } },
    );
    assert.equal(viaJava.code, 0, viaJava.stderr);
    const wrong = await runMain(args, {
      stdin: ["three\n"],
      env: { WEBSTREAM_KAFKA_SASL_PASSWORD: "guess-XYZ" },
    });
    assert.equal(wrong.code, 1);
    assert.doesNotMatch(wrong.stderr, /guess-XYZ|alice-secret/);
    const argv = await runMain([...args, "--sasl-password", "in-argv-QQQ"], { stdin: [] });
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /--sasl-password is not taken/);
    assert.doesNotMatch(argv.stderr, /in-argv-QQQ/);
    assert.deepEqual(broker.records("t").map((s) => text(s.value)), ["one", "two"]);
  });

  test("produce answers usage errors with exit code 2 and a pointer to --help", async () => {
    const cases: [string[], RegExp][] = [
      [["-b", "h:1"], /--topic is required/],
      [["-t", "t"], /--bootstrap is required/],
      [["-b", "h:1", "-t", "t", "--format", "xml"], /--format must be lines or json/],
      [["-b", "h:1", "-t", "t", "--format", "json", "-K", ":"], /for --format lines/],
      [["-b", "h:1", "-t", "t", "-X", "sasl.jaas.config=secret-ZZZ"], /secret on the command line/],
      [
        ["-b", "h:1", "-t", "t", "-X", "fetch.min.bytes=1"],
        /not a producer config this client has/,
      ],
      [
        ["-b", "h:1", "-t", "t", "-X", "linger.ms=100", "-X", "delivery.timeout.ms=10"],
        /deliveryTimeoutMs must be at least/,
      ],
      [["-b", "h:1", "-t", "t", "--timeout", "5", "-X", "max.block.ms=5"], /disagree/],
      [["-b", "h:1", "-t", "t", "--progress", "-q"], /disagree/],
      [["-b", "nonsense", "-t", "t"], /host:port/],
      [["-b", "h:1", "-t", "t", "extra.txt"], /unexpected argument/],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(["produce", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.match(r.stderr, /Run 'webstream-kafka produce --help' for its options/);
      assert.doesNotMatch(r.stderr, /secret-ZZZ/);
    }
    const help = await runMain(["produce", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /-X NAME=VALUE/);
  });

  test("produce runs as a command of this runtime, from a pipe and from --file", {
    timeout: 120_000,
  }, async () => {
    await using broker = await startTestBroker({ brokers: 2, topics: { t: 4 } });
    const piped = await runChild([
      "produce",
      "-b",
      broker.bootstrap.join(","),
      "-t",
      "t",
      "-K",
      ":",
    ], {
      stdin: keyValueLines(10_000),
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stderr, /^10,000 records \(/);
    const file = join(dir, "lines.txt");
    writeFileSync(file, keyValueLines(100));
    const fromFile = await runChild([
      "produce",
      "-b",
      broker.bootstrap[0]!,
      "-t",
      "t",
      "--file",
      file,
      "-q",
    ]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(broker.records("t").length, 10_100);
    const missing = await runChild([
      "produce",
      "-b",
      broker.bootstrap[0]!,
      "-t",
      "t",
      "--file",
      join(dir, "nope"),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot read --file .*nope/);
  });

  test(
    "produce on Ctrl-C stops reading, delivers what it read and exits 130",
    { timeout: 120_000 },
    async () => {
      await using broker = await startTestBroker({ topics: { t: 2 } });
      const { bin, args } = runtimeCommand();
      const child = spawn(bin, [...args, "produce", "-b", broker.bootstrap[0]!, "-t", "t"], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (d) => stderr += d);
      const exit = new Promise<number | null>((resolve) => child.once("close", resolve));
      child.stdin!.on("error", () => {});
      const feed = setInterval(() => child.stdin!.write("line\n".repeat(1000)), 5);
      try {
        while (broker.records("t").length === 0) await new Promise((r) => setTimeout(r, 50));
        process.kill(child.pid!, "SIGINT");
        assert.equal(await exit, 130, stderr);
      } finally {
        clearInterval(feed);
        child.kill("SIGKILL");
      }
      const delivered = Number(/^([\d,]+) records? /.exec(stderr)![1]!.replaceAll(",", ""));
      assert.match(
        stderr,
        /webstream-kafka produce: interrupted: the [\d,]+ records read were delivered/,
      );
      assert.equal(broker.records("t").length, delivered);
    },
  );
});
