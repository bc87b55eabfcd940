// The `broker` command run as a child process of the runtime running the test (Deno
// or Bun): the bootstrap list first on stdout, producible by kafkaSink, stopped by the
// end of stdin or SIGTERM, one line per connection with --verbose, usage errors exit 2.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { describe, test } from "node:test";
import { createProducer, KafkaError, kafkaSink } from "../../mod.ts";
import { main } from "../../src/cli/main.ts";
import { defaultListen } from "../../src/net/default_listen.ts";
import { unsecuredJwt } from "../../src/net/unsecured_jwt.ts";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import { metadataApi } from "../../src/protocol/metadata.ts";
import { saslAuthenticateApi } from "../../src/protocol/sasl_authenticate.ts";
import { saslHandshakeApi } from "../../src/protocol/sasl_handshake.ts";
import { encodeOauthBearerClientFirst } from "../../src/protocol/sasl_oauthbearer.ts";
import { connectTo } from "../testing/_client.ts";

const entry = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

interface Run {
  child: ChildProcess;
  firstLine: Promise<string>;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[]): Run {
  const runtimeArgs = "Deno" in globalThis ? ["run", "-A", entry] : [entry];
  const child = spawn(process.execPath, [...runtimeArgs, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once("exit", () => reject(new Error(`exited before its first line: ${err}`)));
  });
  firstLine.catch(() => {});
  child.stderr!.on("data", (d) => err += d);
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, firstLine, stderr: () => err, exit };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)
    ),
  ]);
}

/** A port P such that P and P + 1 were both free a moment ago. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const first = await defaultListen(
      { host: "127.0.0.1", port: 0 },
      ({ transport }) => transport.close(),
    );
    const port = first.port;
    try {
      const second = await defaultListen({ host: "127.0.0.1", port: port + 1 }, () => {});
      await second.close();
      return port;
    } catch {
      // taken: try another
    } finally {
      await first.close();
    }
  }
}

describe("broker command", () => {
  test("broker prints the bootstrap list first, takes records, and stops at the end of stdin", {
    timeout: 60_000,
  }, async () => {
    const r = run([
      "broker",
      "--brokers",
      "3",
      "--topic",
      "events:6",
      "--topic",
      "logs:1",
      "--verbose",
    ]);
    try {
      const line = await within(r.firstLine, 30_000, "startup");
      const bootstrap = line.split(",");
      assert.equal(bootstrap.length, 3);
      for (const address of bootstrap) assert.match(address, /^127\.0\.0\.1:\d+$/);
      await ReadableStream.from(
        Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
      )
        .pipeTo(kafkaSink({ bootstrap, topic: "events" }));
      const conn = await connectTo(bootstrap[2]!);
      const m = await conn.request(metadataApi, 12, { topics: null });
      conn.close();
      assert.deepEqual(m.topics.map((t) => [t.name, t.partitions.length]).sort(), [["events", 6], [
        "logs",
        1,
      ]]);
      r.child.stdin!.end();
      assert.equal(await within(r.exit, 10_000, "stopping"), 0);
      const lines = r.stderr().trim().split("\n");
      assert.ok(
        lines.some((l) => /^broker [123]: 127\.0\.0\.1:\d+ ended: .*Produce v\d+ x\d+/.test(l)),
        r.stderr(),
      );
      assert.ok(lines.includes("stopping on the end of stdin"), r.stderr());
    } finally {
      r.child.kill("SIGKILL");
    }
  });

  test("broker stops on SIGTERM and listens on --port", { timeout: 60_000 }, async () => {
    // Two free ports in a row; another process may take one meanwhile, hence the retries.
    for (let attempt = 1;; attempt++) {
      const port = await freePortPair();
      const r = run(["broker", "--port", String(port), "--brokers", "2"]);
      try {
        let line: string;
        try {
          line = await within(r.firstLine, 30_000, "startup");
        } catch (error) {
          if (attempt < 5 && /in use/i.test(String(error))) continue;
          throw error;
        }
        assert.equal(line, `127.0.0.1:${port},127.0.0.1:${port + 1}`);
        // process.kill, not child.kill: Deno's ChildProcess.kill does not deliver SIGTERM as such.
        process.kill(r.child.pid!, "SIGTERM");
        assert.equal(await within(r.exit, 10_000, "stopping"), 0);
        assert.equal(r.stderr(), "", "quiet without --verbose");
        return;
      } finally {
        r.child.kill("SIGKILL");
      }
    }
  });

  test(
    "broker --sasl-mechanism OAUTHBEARER takes unsigned JWTs with the required scope, no user needed, and ends sessions at --session-lifetime-ms",
    {
      timeout: 60_000,
    },
    async () => {
      const r = run([
        "broker",
        "--sasl-mechanism",
        "OAUTHBEARER",
        "--session-lifetime-ms",
        "45000",
        "--oauth-required-scope",
        "kafka",
        "--topic",
        "events:1",
      ]);
      try {
        const address = await within(r.firstLine, 30_000, "startup");
        const exp = Math.floor(Date.now() / 1000) + 3600;
        const withScope = unsecuredJwt({ sub: "alice", scope: "kafka", exp });
        {
          await using producer = createProducer({
            bootstrap: [address],
            topic: "events",
            sasl: { mechanism: "OAUTHBEARER", token: () => Promise.resolve({ value: withScope }) },
          });
          assert.equal((await producer.send({ value: "signed in" })).offset, 0n);
        }
        {
          await using producer = createProducer({
            bootstrap: [address],
            topic: "events",
            maxBlockMs: 10_000,
            sasl: {
              mechanism: "OAUTHBEARER",
              token: () => Promise.resolve({ value: unsecuredJwt({ sub: "bob", exp }) }),
            },
          });
          const error = await producer.send({ value: "x" }).then(() => null, (e: Error) => e);
          const refused = error instanceof KafkaError ? error : error?.cause;
          assert.ok(refused instanceof KafkaError, String(error));
          assert.equal(refused.name, "SASL_AUTHENTICATION_FAILED");
        }
        // On the wire: the session lifetime SaslAuthenticate v2 tells the client.
        const conn = await connectTo(address);
        try {
          const handshake = await conn.request(saslHandshakeApi, 1, { mechanism: "OAUTHBEARER" });
          assert.equal(handshake.errorCode, ErrorCode.NONE);
          assert.deepEqual(handshake.mechanisms, ["OAUTHBEARER"]);
          const authenticated = await conn.request(saslAuthenticateApi, 2, {
            authBytes: encodeOauthBearerClientFirst({ token: withScope }),
          });
          assert.equal(authenticated.errorCode, ErrorCode.NONE);
          assert.equal(authenticated.sessionLifetimeMs, 45_000n);
        } finally {
          conn.close();
        }
        r.child.stdin!.end();
        assert.equal(await within(r.exit, 10_000, "stopping"), 0);
      } finally {
        r.child.kill("SIGKILL");
      }
    },
  );

  test("broker refuses SASL flags that do not go together, with exit code 2", async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (l: string) => err.push(l) };
    const cases: [string[], RegExp][] = [
      [["--session-lifetime-ms", "1000"], /--session-lifetime-ms needs SASL/],
      [
        ["--oauth-required-scope", "kafka"],
        /--oauth-required-scope needs --sasl-mechanism OAUTHBEARER/,
      ],
      [["--oauth-clock-skew-ms", "5"], /--oauth-clock-skew-ms needs --sasl-mechanism OAUTHBEARER/],
      [
        ["--sasl-mechanism", "OAUTHBEARER", "--sasl-mechanism", "PLAIN"],
        /--sasl-mechanism needs a --sasl-user/,
      ],
      [
        ["--sasl-mechanism", "GSSAPI"],
        /must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER: current value is GSSAPI/,
      ],
      [
        ["--sasl-mechanism", "OAUTHBEARER", "--session-lifetime-ms", "-1"],
        /--session-lifetime-ms needs an integer >= 0: current value is -1/,
      ],
    ];
    for (const [args, message] of cases) {
      assert.equal(await main(["broker", ...args], io), 2, args.join(" "));
      assert.match(err.at(-1)!, message);
    }
    const out: string[] = [];
    assert.equal(await main(["broker", "--help"], { ...io, stdout: (l) => out.push(l) }), 0);
    assert.match(out.join("\n"), /--session-lifetime-ms MS/);
    assert.match(out.join("\n"), /OAUTHBEARER/);
  });

  test("main() answers --help per command, and usage errors with exit code 2", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) };
    assert.equal(await main(["--help"], io), 0);
    assert.match(out.join("\n"), /broker +run a Kafka test broker/);
    assert.equal(await main(["broker", "--help"], io), 0);
    assert.match(out.at(-1)!, /--topic NAME:PARTITIONS/);
    assert.equal(await main([], io), 2);
    assert.equal(await main(["nope"], io), 2);
    assert.match(err.at(-1)!, /unknown command 'nope'/);
    for (
      const bad of [["--topic", "events"], ["--brokers", "0"], ["--frobnicate"], ["--port"], [
        "--tls-cert",
        "x",
      ]]
    ) {
      assert.equal(await main(["broker", ...bad], io), 2, bad.join(" "));
    }
    assert.match(err.at(-1)!, /--tls-cert and --tls-key go together/);
  });
});
