/**
 * Secrets never appear in what a producer says, on the test broker (no Kafka needed):
 * SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 runs with sessions re-authenticated
 * every 500 ms, injected retriable errors (retry events), an UNKNOWN_PRODUCER_ID
 * (an epoch bump), a leader moved (leader-change), a topic that does not exist (an
 * error event) and a wrong password; every log line, event detail and error is
 * searched for the password and the SASL bytes that carry it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createProducer, type ProducerRecord, type SaslOptions } from "../../mod.ts";
import { base64url } from "../../src/net/base64url.ts";
import { startTestBroker } from "../../src/testing/test_broker.ts";
import { Observed } from "./_observed.ts";

const PASSWORD = "pw-Zq8!secret-7731";
const WRONG = "wrong-Kx3?secret-0420";
const enc = new TextEncoder();
const SASL_BYTES = [`\0alice\0${PASSWORD}`, `\0alice\0${WRONG}`];
const FORBIDDEN = [
  PASSWORD,
  WRONG,
  ...SASL_BYTES,
  ...[PASSWORD, WRONG, ...SASL_BYTES].map((s) => btoa(s)),
  ...[PASSWORD, WRONG].map((s) => base64url(enc.encode(s))),
];

function assertClean(observed: Observed, where: string): void {
  const leak = observed.leak(FORBIDDEN);
  assert.equal(leak, undefined, `${where}: a secret in: ${leak?.text.slice(0, 300)}`);
}

for (const mechanism of ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
  test(`no secret in the logs, events and errors of a SASL ${mechanism} run with faults`, {
    timeout: 60_000,
  }, async () => {
    await using broker = await startTestBroker({
      brokers: 3,
      topics: { t: 3 },
      sasl: { users: { alice: PASSWORD }, sessionLifetimeMs: 500 },
    });
    const observed = new Observed();
    const sasl: SaslOptions = { mechanism, username: "alice", password: PASSWORD };
    const producer = createProducer({
      bootstrap: broker.bootstrap,
      topic: "t",
      sasl,
      logger: observed.logger,
      maxBlockMs: 500,
      retryBackoffMs: 10,
    });
    observed.listen(producer);
    let next = 0;
    const source = new ReadableStream<ProducerRecord>({
      async pull(controller) {
        if (next === 3_000) return controller.close();
        if (next === 500) broker.faults.failNext("Produce", "NOT_LEADER_OR_FOLLOWER", { count: 2 });
        if (next === 1_000) broker.faults.failNext("Produce", "UNKNOWN_PRODUCER_ID");
        if (next === 1_500) broker.moveLeader("t", 0, broker.offsets("t", 0).leader % 3 + 1);
        controller.enqueue({ key: `k${next % 10}`, value: `v${next}` });
        next++;
        if (next % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 40));
      },
    });
    await source.pipeTo(producer.writable).catch((error) => observed.add("pipe", error));
    await producer.send({ topic: "missing", value: "x" }).catch((e) => observed.add("send", e));
    observed.add("metrics", producer.metrics());
    await producer.close({ timeoutMs: 5_000 }).catch((e) => observed.add("close", e));
    assert.equal(broker.records("t").length, 3_000);
    for (const type of ["retry", "epoch-bump", "leader-change", "connect", "metadata", "error"]) {
      assert.ok(observed.count(type as "retry") >= 1, `a ${type} event: ${[...observed.events]}`);
    }
    assert.deepEqual([...observed.levels].toSorted(), ["debug", "error", "info", "warn"]);
    assertClean(observed, mechanism);

    const wrong = new Observed();
    const refused = createProducer({
      bootstrap: broker.bootstrap,
      topic: "t",
      sasl: { mechanism, username: "alice", password: WRONG },
      logger: wrong.logger,
    });
    wrong.listen(refused);
    await refused.send({ value: "x" }).catch((e) => wrong.add("send", e));
    await refused.close({ timeoutMs: 1_000 }).catch((e) => wrong.add("close", e));
    assert.ok(wrong.texts.some((t) => /SASL_AUTHENTICATION_FAILED/.test(t)), "it says why");
    assertClean(wrong, `${mechanism} with a wrong password`);
  });
}
