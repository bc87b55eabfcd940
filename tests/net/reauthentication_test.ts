/**
 * KIP-368 re-authentication in place, against an in-memory broker that answers
 * SaslHandshake and SaslAuthenticate (and an echo API standing for Produce), with a
 * manual clock: the session is renewed on the same connection before it ends, requests
 * made meanwhile wait and then go, in order, and a failed renewal closes the connection
 * with a cause that says so.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Connection } from "../../src/net/connection.ts";
import { keepAuthenticated, reauthenticationDelayMs } from "../../src/net/reauthentication.ts";
import { authenticate } from "../../src/net/sasl.ts";
import { Writer } from "../../src/protocol/writer.ts";
import {
  echoApi,
  echoBody,
  FakeTimers,
  FakeTransport,
  flush,
  parseRequest,
  responseFrame,
  track,
  until,
} from "./_fakes.ts";
import { decodeOauthBearerClientFirst } from "../../src/protocol/sasl_oauthbearer.ts";

const VERSIONS = new Map([[17, 1], [36, 2]]);
const HANDSHAKE = 17;
const AUTHENTICATE = 36;
const ECHO = echoApi.key;

interface Broker {
  transport: FakeTransport;
  /** Api keys in the order the broker read them. */
  seen: number[];
  /** SaslAuthenticate payloads received. */
  tokens: Uint8Array[];
  /** Echo requests not answered yet: the test answers them. */
  readonly held: readonly unknown[];
  answerEcho(): void;
}

/**
 * A broker granting sessions of `lifetimeMs`, answering in order as Kafka does (an echo
 * waits for the test's answerEcho(), and so does everything after it); `refuse(n)` says
 * whether the n-th SaslAuthenticate fails.
 */
function broker(lifetimeMs: bigint, refuse: (n: number) => boolean = () => false): Broker {
  const transport = new FakeTransport();
  const outbox: { frame: Uint8Array | null; correlationId: number; value: number }[] = [];
  const drain = (): void => {
    while (outbox.length > 0 && outbox[0]!.frame !== null) {
      const frame = outbox.shift()!.frame!;
      queueMicrotask(() => transport.push(frame));
    }
  };
  const b: Broker = {
    transport,
    seen: [],
    tokens: [],
    get held() {
      return outbox.filter((o) => o.frame === null);
    },
    answerEcho() {
      const next = outbox.find((o) => o.frame === null)!;
      next.frame = responseFrame(next.correlationId, echoBody(next.value, 1));
      drain();
    },
  };
  transport.onWrite = (frame) => {
    const apiKey = new DataView(frame.buffer, frame.byteOffset).getInt16(4);
    const flexible = apiKey === AUTHENTICATE; // SaslAuthenticate v2 has a flexible header
    const request = parseRequest(frame, flexible);
    b.seen.push(apiKey);
    if (apiKey === HANDSHAKE) {
      const w = new Writer().int16(0).int32(1).string("PLAIN");
      outbox.push({
        frame: responseFrame(request.correlationId, w.bytes()),
        correlationId: 0,
        value: 0,
      });
    } else if (apiKey === AUTHENTICATE) {
      // compact bytes: unsigned varint length + 1, then the bytes
      const length = request.body[0]! - 1;
      b.tokens.push(request.body.slice(1, 1 + length));
      const failed = refuse(b.tokens.length);
      const w = new Writer().int16(failed ? 58 : 0).compactString(failed ? "bad" : null)
        .compactBytes(new Uint8Array(0)).int64(lifetimeMs).tags();
      outbox.push({
        frame: responseFrame(request.correlationId, w.bytes(), true),
        correlationId: 0,
        value: 0,
      });
    } else if (apiKey === ECHO) {
      outbox.push({
        frame: null,
        correlationId: request.correlationId,
        value: new DataView(request.body.buffer, request.body.byteOffset).getInt32(0),
      });
    }
    drain();
  };
  return b;
}

const PLAIN = { mechanism: "PLAIN" as const, username: "alice", password: "alice-secret" };

describe("keepAuthenticated()", () => {
  test("renews a PLAIN session on the same connection before it ends, again and again", async () => {
    const timers = new FakeTimers();
    const b = broker(10_000n);
    const connection = new Connection(b.transport, { timers, address: "b:1" });
    const lifetime = await authenticate(connection, VERSIONS, PLAIN, "b:1");
    assert.equal(lifetime, 10_000);
    const renewed: number[] = [];
    keepAuthenticated(connection, lifetime, {
      versions: VERSIONS,
      sasl: PLAIN,
      timers,
      random: () => 0,
      onReauthenticated: (ms) => renewed.push(ms),
    });
    for (let round = 1; round <= 3; round++) {
      timers.advance(8_499);
      await flush();
      assert.equal(renewed.length, round - 1, "not before 85% of the session");
      timers.advance(1);
      await until(() => renewed.length === round);
    }
    assert.deepEqual(b.seen, [17, 36, 17, 36, 17, 36, 17, 36]);
    assert.equal(b.transport.closeCalls, 0);
    assert.ok(!connection.isClosed);
    connection.close();
    await connection.closed;
    assert.equal(timers.pending, 0, "no timer outlives the connection");
  });

  test("holds requests made while re-authenticating, and sends them after, in order", async () => {
    const timers = new FakeTimers();
    const b = broker(10_000n);
    const connection = new Connection(b.transport, { timers, address: "b:1" });
    const lifetime = await authenticate(connection, VERSIONS, PLAIN, "b:1");
    let renewed = 0;
    keepAuthenticated(connection, lifetime, {
      versions: VERSIONS,
      sasl: PLAIN,
      timers,
      random: () => 0,
      onReauthenticated: () => renewed++,
    });
    // One request in flight when the session is renewed: its answer comes first.
    const before = track(connection.request(echoApi, 1, { value: 1 }));
    await until(() => b.held.length === 1);
    timers.advance(8_500);
    await until(() => b.seen.includes(17) && b.seen.lastIndexOf(17) > 1);
    const during = [2, 3].map((value) => track(connection.request(echoApi, 1, { value })));
    await flush(50);
    assert.deepEqual(b.seen.slice(2), [ECHO, HANDSHAKE], "nothing after SaslHandshake yet");
    b.answerEcho(); // the broker answers in order: the echo, then the handshake
    await until(() => renewed === 1);
    await until(() => b.held.length === 2);
    assert.deepEqual(b.seen.slice(2), [ECHO, HANDSHAKE, AUTHENTICATE, ECHO, ECHO]);
    b.answerEcho();
    b.answerEcho();
    assert.deepEqual(await before.outcome, { status: "fulfilled", value: { value: 1 } });
    for (const [i, t] of during.entries()) {
      assert.deepEqual(await t.outcome, { status: "fulfilled", value: { value: i + 2 } });
    }
    connection.close();
  });

  test("a refused re-authentication closes the connection, saying why", async () => {
    const timers = new FakeTimers();
    const b = broker(10_000n, (n) => n === 2);
    const connection = new Connection(b.transport, { timers, address: "b:1" });
    const lifetime = await authenticate(connection, VERSIONS, PLAIN, "b:1");
    keepAuthenticated(connection, lifetime, {
      versions: VERSIONS,
      sasl: PLAIN,
      timers,
      random: () => 0,
    });
    timers.advance(8_500);
    await until(() => b.seen.length === 3);
    const waiting = track(connection.request(echoApi, 1, { value: 7 }));
    await until(() => connection.isClosed);
    const error = (await waiting.outcome) as PromiseRejectedResult;
    assert.equal(error.status, "rejected");
    assert.equal(error.reason.name, "KafkaConnectionError");
    assert.equal(error.reason.retriable, true);
    assert.match(
      error.reason.message,
      /the connection was closed: re-authentication \(KIP-368\) failed: Kafka broker returned SASL_AUTHENTICATION_FAILED \(code 58\): SASL PLAIN as alice with broker at b:1: bad/,
    );
    assert.ok(!error.reason.message.includes("alice-secret"));
  });

  test("fetches a new OAUTHBEARER token for every re-authentication", async () => {
    const timers = new FakeTimers();
    const b = broker(4_000n);
    const connection = new Connection(b.transport, { timers, address: "b:1" });
    let fetched = 0;
    const sasl = {
      mechanism: "OAUTHBEARER" as const,
      token: () => Promise.resolve({ value: `token.${++fetched}.`, extensions: { n: "x" } }),
    };
    let renewed = 0;
    keepAuthenticated(connection, await authenticate(connection, VERSIONS, sasl, "b:1"), {
      versions: VERSIONS,
      sasl,
      timers,
      random: () => 0.5,
      onReauthenticated: () => renewed++,
    });
    // 4000 ms sessions: renewed after 3000 (a second before the end, not at 90%).
    timers.advance(2_999);
    await flush();
    assert.equal(renewed, 0);
    timers.advance(1);
    await until(() => renewed === 1);
    timers.advance(3_000);
    await until(() => renewed === 2);
    assert.deepEqual(
      b.tokens.map((t) => decodeOauthBearerClientFirst(t).token),
      ["token.1.", "token.2.", "token.3."],
    );
    connection.close();
  });

  test("does nothing for a session without a lifetime", async () => {
    const timers = new FakeTimers();
    const b = broker(0n);
    const connection = new Connection(b.transport, { timers });
    keepAuthenticated(connection, await authenticate(connection, VERSIONS, PLAIN, "b:1"), {
      versions: VERSIONS,
      sasl: PLAIN,
      timers,
    });
    assert.equal(timers.pending, 0);
    connection.close();
  });
});

test("reauthenticationDelayMs() picks 85-95% of the session, at least a second before its end", () => {
  assert.equal(reauthenticationDelayMs(3_600_000, 0), 3_060_000);
  assert.equal(reauthenticationDelayMs(3_600_000, 0.5), 3_240_000);
  assert.ok(Math.abs(reauthenticationDelayMs(3_600_000, 0.999999) - 3_420_000) < 1);
  assert.equal(reauthenticationDelayMs(2_500, 0.5), 1_500);
  assert.equal(reauthenticationDelayMs(1_000, 0.5), 500);
  assert.equal(reauthenticationDelayMs(20_000, 0), 17_000);
});
