/**
 * SaslHandshake v0 on the test broker: after it, the SASL tokens travel as bare
 * size-prefixed frames (no SaslAuthenticate), as Kafka's `SaslServerAuthenticator`
 * takes them from clients older than KIP-152; librdkafka needs v0 advertised before it
 * offers SASL at all. A wrong credential closes the connection with no answer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiKey } from "../../src/protocol/api.ts";
import { writeRequestHeader } from "../../src/protocol/headers.ts";
import { Writer } from "../../src/protocol/writer.ts";
import type { Transport } from "../../src/net/transport.ts";
import { ScramClient, scramText } from "../../src/net/scram.ts";
import { startTestBroker } from "../../src/testing.ts";
import { frame, rawSocket } from "./_client.ts";

const enc = new TextEncoder();

/** Reads exact byte counts from a raw socket; null once it closed. */
function byteReader(socket: Transport) {
  const reader = socket.readable.getReader();
  let pending = new Uint8Array(0);
  return async (n: number): Promise<Uint8Array | null> => {
    while (pending.length < n) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || value === undefined) return null;
      const joined = new Uint8Array(pending.length + value.length);
      joined.set(pending);
      joined.set(value, pending.length);
      pending = joined;
    }
    const out = pending.slice(0, n);
    pending = pending.slice(n);
    return out;
  };
}

/** The next size-prefixed frame, or null once the socket closed. */
async function nextFrame(read: (n: number) => Promise<Uint8Array | null>) {
  const size = await read(4);
  if (size === null) return null;
  return read(new DataView(size.buffer).getInt32(0));
}

function handshakeV0(mechanism: string): Uint8Array {
  const w = new Writer();
  writeRequestHeader(w, ApiKey.SaslHandshake, 0, 7, "v0-client", false);
  w.string(mechanism);
  return frame(w.bytes());
}

function metadataV1(): Uint8Array {
  const w = new Writer();
  writeRequestHeader(w, ApiKey.Metadata, 1, 8, "v0-client", false);
  w.int32(-1); // all topics
  return frame(w.bytes());
}

const users = { alice: "alice-secret" };

test("SaslHandshake v0 is advertised, then PLAIN's token goes bare and is answered bare", async () => {
  const lines: string[] = [];
  await using broker = await startTestBroker({
    topics: { t: 1 },
    sasl: { users },
    log: (l) => lines.push(l),
  });
  const socket = await rawSocket(broker.bootstrap[0]!);
  const read = byteReader(socket);
  await socket.write(handshakeV0("PLAIN"));
  const handshake = await nextFrame(read);
  assert.ok(handshake !== null);
  const view = new DataView(handshake.buffer);
  assert.equal(view.getInt32(0), 7, "correlation id");
  assert.equal(view.getInt16(4), 0, "no error");
  await socket.write(frame(enc.encode("\u0000alice\u0000alice-secret")));
  const reply = await nextFrame(read);
  assert.deepEqual(reply, new Uint8Array(0), "an empty bare token: authenticated");
  await socket.write(metadataV1());
  const metadata = await nextFrame(read);
  assert.ok(metadata !== null, "Kafka requests are served after it");
  assert.equal(new DataView(metadata.buffer).getInt32(0), 8);
  socket.close();
  await broker.close();
  assert.match(
    lines.join("\n"),
    /user alice.*SaslHandshake v0 x1, SASL token \(after SaslHandshake v0\) x1, Metadata v1 x1/,
  );
});

test("after SaslHandshake v0 a wrong password closes the connection with no answer", async () => {
  await using broker = await startTestBroker({ topics: { t: 1 }, sasl: { users } });
  const socket = await rawSocket(broker.bootstrap[0]!);
  const read = byteReader(socket);
  await socket.write(handshakeV0("PLAIN"));
  assert.ok((await nextFrame(read)) !== null);
  await socket.write(frame(enc.encode("\u0000alice\u0000wrong")));
  assert.equal(await nextFrame(read), null, "closed, nothing written");
  socket.close();
});

test("after SaslHandshake v0 SCRAM's rounds go bare; a wrong proof ends it unanswered", async () => {
  await using broker = await startTestBroker({ topics: { t: 1 }, sasl: { users } });
  for (const password of ["alice-secret", "wrong"]) {
    const socket = await rawSocket(broker.bootstrap[0]!);
    const read = byteReader(socket);
    await socket.write(handshakeV0("SCRAM-SHA-512"));
    assert.ok((await nextFrame(read)) !== null);
    const client = new ScramClient("SCRAM-SHA-512", "alice", password);
    await socket.write(frame(enc.encode(client.clientFirst())));
    const serverFirst = scramText((await nextFrame(read))!);
    await socket.write(frame(enc.encode(await client.clientFinal(serverFirst))));
    const serverFinal = await nextFrame(read);
    if (password === "wrong") {
      assert.equal(serverFinal, null, "closed, nothing written");
    } else {
      client.verifyServerFinal(scramText(serverFinal!));
      await socket.write(metadataV1());
      assert.ok((await nextFrame(read)) !== null, "served after it");
    }
    socket.close();
  }
});
