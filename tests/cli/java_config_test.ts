import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UsageError } from "../../src/cli/command.ts";
import { javaConfig } from "../../src/cli/java_config.ts";
import { OPTION_SPECS } from "../../src/producer/option_specs.ts";
import { kafkaSink } from "../../mod.ts";

function usage(settings: string[], message: RegExp): void {
  assert.throws(() => javaConfig(settings), (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, message);
    return true;
  }, settings.join(" "));
}

describe("javaConfig()", () => {
  test("javaConfig() maps each Java name of the options spec table to its option", () => {
    const samples: Record<string, string> = {
      integer: "7",
      duration: "250",
      boolean: "false",
      string: "x",
      addresses: "h:1",
    };
    let mapped = 0;
    for (const [name, spec] of Object.entries(OPTION_SPECS)) {
      for (const java of spec.java) {
        if (java.includes("*") || ["tls", "sasl", "function"].includes(spec.kind)) continue;
        if (name === "transactionalId" || name === "transactionTimeoutMs") continue;
        const value = spec.kind === "choice" ? String(spec.values![0]) : samples[spec.kind]!;
        const { options } = javaConfig([`${java}=${value}`]);
        assert.deepEqual(Object.keys(options), [name], java);
        mapped++;
      }
    }
    assert.ok(mapped >= 18, `only ${mapped} Java names mapped`);
  });

  test("javaConfig() converts values by kind, and the producer accepts them", () => {
    const { options, security } = javaConfig([
      "acks=1",
      "acks=all", // a later setting wins, as in kcat
      "linger.ms=20",
      "delivery.timeout.ms=Infinity",
      "batch.size=16384",
      "compression.type=lz4",
      "enable.idempotence=false",
      "partitioner.class=org.apache.kafka.clients.producer.RoundRobinPartitioner",
      "client.id=cli",
      "security.protocol=SASL_SSL",
    ]);
    assert.deepEqual(options, {
      acks: "all",
      lingerMs: 20,
      deliveryTimeoutMs: Infinity,
      batchBytes: 16384,
      compression: "lz4",
      idempotent: false,
      partitioner: "round-robin",
      clientId: "cli",
    });
    assert.deepEqual([...security], [["security.protocol", "SASL_SSL"]]);
    assert.equal(javaConfig(["acks=-1"]).options.acks, -1);
    kafkaSink({ bootstrap: "127.0.0.1:1", ...options }).abort().catch(() => {});
  });

  test("javaConfig() refuses unknown names, bad values, functions and secrets", () => {
    usage(["linger.ms"], /-X needs name=value/);
    usage(["queue.buffering.max.ms=5"], /not a producer config this client has: -X takes the Java/);
    usage(
      ["linger.ms=soon"],
      /-X linger.ms needs an integer of milliseconds or Infinity: current value is "soon"/,
    );
    usage(["batch.size=-1"], /-X batch.size needs an integer/);
    usage(["enable.idempotence=yes"], /true or false/);
    usage(["compression.type=brotli"], /one of none, gzip, snappy, lz4, zstd/);
    usage(
      ["key.serializer=org.apache.kafka.common.serialization.StringSerializer"],
      /takes a function/,
    );
    usage(["transactional.id=t"], /outside transactions/);
    usage(["sasl.jaas.config=x"], /would put a secret on the command line/);
    usage(["sasl.password=hunter2"], /would put a secret on the command line/);
    usage(["ssl.keystore.password=x"], /secret/);
  });
});
