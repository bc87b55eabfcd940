/**
 * Self-test of the mock-cluster harness, and a record of what the installed
 * librdkafka mock broker really does on the wire. Runs on Deno and Bun:
 *
 *   deno run -A tests/mock/selftest.ts
 *   bun tests/mock/selftest.ts
 *
 * Uses a tiny hand-written Kafka client (raw TCP, Produce v3 + RecordBatch v2)
 * so that it checks the mock with exact bytes, independently of kcat.
 * Prints one line per check and a final "N passed, N failed"; exits 1 on failure.
 *
 * @module
 */
import { connect, type Socket } from "node:net";
import { execFile } from "node:child_process";
import process from "node:process";
import {
  ApiKey,
  ErrorCode,
  type MockCluster,
  readBack,
  type ReadBackRecord,
  startMockCluster,
} from "./mock_cluster.ts";

// ---------------------------------------------------------------- encoding

const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC32C_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class Writer {
  private chunks: number[] = [];
  i8(v: number): this {
    this.chunks.push(v & 0xff);
    return this;
  }
  i16(v: number): this {
    return this.i8(v >> 8).i8(v);
  }
  i32(v: number): this {
    return this.i8(v >>> 24).i8(v >>> 16).i8(v >>> 8).i8(v);
  }
  i64(v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v);
    return this.raw(b);
  }
  uvarint(v: number): this {
    let x = v >>> 0;
    while (x > 0x7f) {
      this.i8((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    return this.i8(x);
  }
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }
  raw(b: Uint8Array): this {
    for (const x of b) this.chunks.push(x);
    return this;
  }
  str(s: string | null): this {
    if (s === null) return this.i16(-1);
    const b = new TextEncoder().encode(s);
    return this.i16(b.length).raw(b);
  }
  compactStr(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.uvarint(b.length + 1).raw(b);
  }
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.i32(-1);
    return this.i32(b.length).raw(b);
  }
  get length(): number {
    return this.chunks.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

class Reader {
  private pos = 0;
  private readonly view: DataView;
  private readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  i8(): number {
    return this.view.getInt8(this.pos++);
  }
  i16(): number {
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.i16();
    const s = new TextDecoder().decode(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
}

interface Rec {
  key: Uint8Array | null;
  value: Uint8Array | null;
}

interface ProducerFields {
  producerId: bigint;
  epoch: number;
  baseSequence: number;
}

const NO_PRODUCER: ProducerFields = { producerId: -1n, epoch: -1, baseSequence: -1 };

/** RecordBatch v2 (magic 2), uncompressed. */
function recordBatch(
  records: readonly Rec[],
  ts: bigint,
  corruptCrc = false,
  pf: ProducerFields = NO_PRODUCER,
): Uint8Array {
  const recs = new Writer();
  records.forEach((r, i) => {
    const body = new Writer().i8(0).varint(0).varint(i);
    if (r.key === null) body.varint(-1);
    else body.varint(r.key.length).raw(r.key);
    if (r.value === null) body.varint(-1);
    else body.varint(r.value.length).raw(r.value);
    body.uvarint(0); // headers
    const b = body.done();
    recs.varint(b.length).raw(b);
  });
  // Everything after the CRC field: attributes .. records.
  const afterCrc = new Writer()
    .i16(0) // attributes
    .i32(records.length - 1) // lastOffsetDelta
    .i64(ts)
    .i64(ts)
    .i64(pf.producerId)
    .i16(pf.epoch)
    .i32(pf.baseSequence)
    .i32(records.length)
    .raw(recs.done())
    .done();
  let crc = crc32c(afterCrc);
  if (corruptCrc) crc = (crc ^ 0xdeadbeef) >>> 0;
  // batchLength counts from partitionLeaderEpoch to the end.
  const batchLength = 4 + 1 + 4 + afterCrc.length;
  return new Writer().i64(0n).i32(batchLength).i32(-1).i8(2).i32(crc).raw(afterCrc).done();
}

// ---------------------------------------------------------------- transport

class Conn {
  private buf = new Uint8Array(0);
  private waiters: Array<() => void> = [];
  private corr = 0;
  closed = false;
  private readonly sock: Socket;
  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on("data", (d: Uint8Array): void => {
      const n = new Uint8Array(this.buf.length + d.length);
      n.set(this.buf);
      n.set(d, this.buf.length);
      this.buf = n;
      this.wake();
    });
    const onClosed = (): void => {
      this.closed = true;
      this.wake();
    };
    sock.on("end", onClosed); // peer sent FIN (the mock uses shutdown(SHUT_RDWR))
    sock.on("close", onClosed);
    sock.on("error", (): void => {});
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  static open(hostPort: string): Promise<Conn> {
    const [host, port] = hostPort.split(":");
    return new Promise<Conn>((resolve, reject) => {
      const s = connect(Number(port), host);
      s.once("connect", (): void => resolve(new Conn(s)));
      s.once("error", (e: Error): void => reject(e));
    });
  }
  /** Sends a request; header v1 (or v2 when `flexHeader`). Returns the correlation id. */
  send(apiKey: number, apiVersion: number, body: Uint8Array, flexHeader = false): number {
    const corr = ++this.corr;
    const h = new Writer().i16(apiKey).i16(apiVersion).i32(corr).str("selftest");
    if (flexHeader) h.uvarint(0);
    const head = h.done();
    const frame = new Writer().i32(head.length + body.length).raw(head).raw(body).done();
    this.sock.write(frame);
    return corr;
  }
  /** Next response frame (after the size), or null if the connection closed / timed out. */
  async recv(timeoutMs = 3000): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 4) {
        const size = new DataView(this.buf.buffer, this.buf.byteOffset).getInt32(0);
        if (this.buf.length >= 4 + size) {
          const frame = this.buf.slice(4, 4 + size);
          this.buf = this.buf.slice(4 + size);
          return frame;
        }
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push((): void => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((r) => {
      this.sock.once("close", (): void => r());
      this.sock.destroy();
    });
  }
}

interface ProducePartitionResult {
  partition: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTime: bigint;
}

function produceBody(
  topic: string,
  partition: number,
  batch: Uint8Array,
  acks: number,
): Uint8Array {
  return new Writer()
    .str(null) // transactional_id (v3+)
    .i16(acks)
    .i32(5000)
    .i32(1)
    .str(topic)
    .i32(1)
    .i32(partition)
    .bytes(batch)
    .done();
}

/** Produce v3 of one batch to one partition; returns the partition result or null (no response). */
async function produce(
  conn: Conn,
  topic: string,
  partition: number,
  batch: Uint8Array,
  acks = -1,
  timeoutMs = 3000,
): Promise<ProducePartitionResult | null> {
  conn.send(ApiKey.Produce, 3, produceBody(topic, partition, batch, acks));
  const frame = await conn.recv(timeoutMs);
  if (!frame) return null;
  const r = new Reader(frame);
  r.i32(); // correlation id
  r.i32(); // topics
  r.str();
  r.i32(); // partitions
  const p = r.i32();
  const errorCode = r.i16();
  const baseOffset = r.i64();
  const logAppendTime = r.i64(); // v2+
  return { partition: p, errorCode, baseOffset, logAppendTime };
}

/** InitProducerId v0 without transactional id (idempotent producer). */
async function initProducerId(
  conn: Conn,
): Promise<{ errorCode: number; producerId: bigint; epoch: number }> {
  conn.send(ApiKey.InitProducerId, 0, new Writer().str(null).i32(60000).done());
  const frame = await conn.recv();
  if (!frame) throw new Error("no InitProducerId response");
  const r = new Reader(frame);
  r.i32();
  r.i32(); // throttle
  const errorCode = r.i16();
  return { errorCode, producerId: r.i64(), epoch: r.i16() };
}

interface ApiRange {
  key: number;
  min: number;
  max: number;
}

async function apiVersions(
  conn: Conn,
  version: number,
): Promise<{ errorCode: number; apis: ApiRange[]; raw: Uint8Array }> {
  const body = version >= 3
    ? new Writer().compactStr("selftest").compactStr("0.0.0").uvarint(0).done()
    : new Uint8Array(0);
  conn.send(ApiKey.ApiVersions, version, body, version >= 3);
  const frame = await conn.recv();
  if (!frame) throw new Error("no ApiVersions response");
  const r = new Reader(frame);
  r.i32();
  const errorCode = r.i16();
  const apis: ApiRange[] = [];
  if (version >= 3) {
    const n = r.i8(); // the mock writes a 1-byte count here (see README)
    for (let i = 0; i < n; i++) apis.push({ key: r.i16(), min: r.i16(), max: r.i16() });
  } else {
    const n = r.i32();
    for (let i = 0; i < n; i++) apis.push({ key: r.i16(), min: r.i16(), max: r.i16() });
  }
  return { errorCode, apis, raw: frame };
}

// ---------------------------------------------------------------- checks

let passed = 0;
let failed = 0;

function check(name: string, ok: boolean, detail = ""): void {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const v = await f();
  console.log(`     (${name}: ${(performance.now() - t0).toFixed(1)} ms)`);
  return v;
}

function eqBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function kcatProduce(bootstrap: string, topic: string, input: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = execFile(
      "kcat",
      ["-P", "-b", bootstrap, "-t", topic, "-K:"],
      (err: Error | null): void => {
        if (err) reject(err);
        else resolve();
      },
    );
    child.stdin?.end(input);
  });
}

async function main(): Promise<void> {
  const runtime = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
    ? "deno"
    : typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
    ? "bun"
    : "node";
  console.log(`runtime: ${runtime}`);

  const mock: MockCluster = await timed(
    "startMockCluster(3)",
    () => startMockCluster({ brokers: 3 }),
  );
  try {
    check("3 brokers", mock.bootstrap.length === 3, mock.bootstrap.join(","));
    const bs = mock.bootstrap.join(",");
    const b1 = mock.bootstrap[0] ?? "";

    await timed("createTopic t 6 3", () => mock.createTopic("t", 6, 3));
    let dup = "";
    try {
      await mock.createTopic("t", 6, 3);
    } catch (e) {
      dup = (e as Error).message;
    }
    check("duplicate topic rejects", dup.includes("TOPIC_ALREADY_EXISTS"), dup);
    let bad = "";
    try {
      await mock.command("nonsense 1 2");
    } catch (e) {
      bad = (e as Error).message;
    }
    check("unknown command rejects", bad.includes("unknown command"), bad);

    // ApiVersions, as the mock answers it.
    const c0 = await Conn.open(b1);
    const av2 = await apiVersions(c0, 2);
    const names: Record<number, string> = Object.fromEntries(
      Object.entries(ApiKey).map(([k, v]) => [v, k]),
    );
    check(
      "ApiVersions v2 ok",
      av2.errorCode === 0,
      av2.apis.map((a) => `${names[a.key] ?? a.key}(${a.key}) ${a.min}-${a.max}`).join(", "),
    );
    const av3 = await apiVersions(c0, 3);
    check(
      "ApiVersions v3 -> UNSUPPORTED_VERSION (35) listing ApiVersions only",
      av3.errorCode === 35 && av3.apis.length === 1,
      `error ${av3.errorCode}, apis ${JSON.stringify(av3.apis)}, raw ${
        Array.from(av3.raw).map((x) => x.toString(16).padStart(2, "0")).join("")
      }`,
    );
    // Narrowed version range: advertised, and out-of-range requests are dropped.
    await mock.setApiVersion(ApiKey.Produce, 3, 5);
    const avn = await apiVersions(c0, 2);
    const pr = avn.apis.find((a) => a.key === ApiKey.Produce);
    check(
      "setApiVersion(Produce,3,5) advertised",
      pr?.min === 3 && pr.max === 5,
      JSON.stringify(pr),
    );
    await mock.createTopic("v", 1, 1);
    await mock.setLeader("v", 0, 1);
    c0.send(
      ApiKey.Produce,
      7,
      produceBody("v", 0, recordBatch([{ key: null, value: null }], 0n), -1),
    );
    const gone = await c0.recv(2000);
    check(
      "Produce v7 outside the range: mock closes the connection (no error response)",
      gone === null && c0.closed,
    );
    await mock.setApiVersion(ApiKey.Produce, 0, 7);
    await c0.close();

    // Binary-exact records through a raw Produce v3, read back with kcat.
    for (let p = 0; p < 6; p++) await mock.setLeader("t", p, 1);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const recs: Rec[] = [
      { key: all, value: all.slice().reverse() },
      { key: null, value: new TextEncoder().encode("null key\nwith newline\r\n") },
      { key: new Uint8Array([0, 10, 0, 13, 0xff]), value: null },
      { key: new Uint8Array(0), value: new Uint8Array(0) },
      {
        key: new TextEncoder().encode("k é ✓"),
        value: new Uint8Array(70000).map((_, i) => (i * 7) & 0xff),
      },
    ];
    let conn = await Conn.open(b1);
    const ts = 1700000000000n;
    const r1 = await timed(
      "raw produce 5 binary records to t[2]",
      () => produce(conn, "t", 2, recordBatch(recs, ts)),
    );
    check(
      "raw produce accepted",
      r1?.errorCode === 0 && r1.baseOffset === 0n,
      JSON.stringify(r1, (_k, v) => typeof v === "bigint" ? v.toString() : v),
    );

    check(
      "Produce v3 success reports log_append_time 1234 (bogus constant, real Kafka: -1 for CreateTime)",
      r1?.logAppendTime === 1234n,
      String(r1?.logAppendTime),
    );

    // Produce v5 response lacks log_start_offset (the mock writes it from v6 on; Kafka from v5).
    const sizes: number[] = [];
    for (const v of [4, 5, 6, 7]) {
      conn.send(
        ApiKey.Produce,
        v,
        produceBody("t", 2, recordBatch([{ key: null, value: new Uint8Array([v]) }], 1n), -1),
      );
      sizes.push((await conn.recv())?.length ?? -1);
    }
    // corr 4 + topics 4 + name 3 + parts 4 + partition 4 + error 2 + base 8 + log_append_time 8 [+ log_start 8] + throttle 4
    check(
      "Produce v5 response is 8 bytes short (no log_start_offset) — spec: v4 41, v5-v7 49",
      sizes[0] === 41 && sizes[1] === 41 && sizes[2] === 49 && sizes[3] === 49,
      `v4..v7 sizes ${sizes.join(" ")}`,
    );

    // Idempotent (non-transactional) producer: the mock checks no sequence numbers.
    const pid = await initProducerId(conn);
    check(
      "InitProducerId v0 (idempotent) ok",
      pid.errorCode === 0 && pid.producerId >= 0n,
      `pid ${pid.producerId} epoch ${pid.epoch}`,
    );
    const idem = (seq: number): Uint8Array =>
      recordBatch([{ key: null, value: new Uint8Array([seq]) }], ts, false, {
        producerId: pid.producerId,
        epoch: pid.epoch,
        baseSequence: seq,
      });
    await mock.createTopic("idem", 1, 1);
    await mock.setLeader("idem", 0, 1);
    const s0 = await produce(conn, "idem", 0, idem(0));
    const s0b = await produce(conn, "idem", 0, idem(0)); // duplicate
    const s7 = await produce(conn, "idem", 0, idem(7)); // gap
    check(
      "idempotent producer: duplicate and out-of-order sequences are all appended (no checks)",
      s0?.errorCode === 0 && s0b?.errorCode === 0 && s0b.baseOffset === 1n && s7?.errorCode === 0 &&
        s7.baseOffset === 2n,
      `offsets ${s0?.baseOffset} ${s0b?.baseOffset} ${s7?.baseOffset}`,
    );

    // Injected cluster-wide Produce errors.
    await mock.pushErrors(ApiKey.Produce, [
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    ]);
    const e1 = await produce(
      conn,
      "t",
      3,
      recordBatch([{ key: null, value: new Uint8Array([1]) }], ts),
    );
    const e2 = await produce(
      conn,
      "t",
      3,
      recordBatch([{ key: null, value: new Uint8Array([2]) }], ts),
    );
    const e3 = await produce(
      conn,
      "t",
      3,
      recordBatch([{ key: null, value: new Uint8Array([3]) }], ts),
    );
    check(
      "pushErrors(Produce,[6,6]): two errors then success",
      e1?.errorCode === 6 && e2?.errorCode === 6 && e3?.errorCode === 0 && e3.baseOffset === 0n,
      `${e1?.errorCode} ${e2?.errorCode} ${e3?.errorCode}@${e3?.baseOffset}`,
    );

    // Wrong leader.
    await mock.setLeader("t", 4, 2);
    const nl = await produce(
      conn,
      "t",
      4,
      recordBatch([{ key: null, value: new Uint8Array([4]) }], ts),
    );
    check(
      "Produce to non-leader -> NOT_LEADER_OR_FOLLOWER (6)",
      nl?.errorCode === 6,
      String(nl?.errorCode),
    );
    await mock.setLeader("t", 4, 1);

    // CRC is not verified by the mock; the consumer (check.crcs) catches it.
    await mock.createTopic("crc", 1, 1);
    await mock.setLeader("crc", 0, 1);
    const bc = await produce(
      conn,
      "crc",
      0,
      recordBatch([{ key: null, value: new Uint8Array([9]) }], ts, true),
    );
    check(
      "mock accepts a batch with a wrong CRC (no CRC check)",
      bc?.errorCode === 0,
      String(bc?.errorCode),
    );
    let crcErr = "";
    try {
      await readBack(mock.bootstrap, "crc", { timeoutMs: 8000 });
    } catch (e) {
      const msg = (e as Error).message;
      crcErr = msg.split("\n").find((l) => /crc|corrupt/i.test(l) && !l.includes("check.crcs")) ??
        msg.slice(0, 300);
    }
    check("readBack (check.crcs=true) rejects the corrupt batch", crcErr !== "", crcErr);
    const noCheck = await readBack(mock.bootstrap, "crc", { checkCrcs: false });
    check("readBack checkCrcs:false returns it", noCheck.get(0)?.length === 1);

    // Magic v1 (legacy MessageSet) is refused.
    const v1 = recordBatch([{ key: null, value: new Uint8Array([1]) }], ts);
    v1[16] = 1; // magic byte
    const rv1 = await produce(conn, "t", 5, v1);
    check("magic!=2 -> UNSUPPORTED_VERSION (35)", rv1?.errorCode === 35, String(rv1?.errorCode));

    // acks=0: does the mock still answer?
    const a0 = await produce(
      conn,
      "t",
      5,
      recordBatch([{ key: null, value: new Uint8Array([0]) }], ts),
      0,
      700,
    );
    check(
      "acks=0: mock STILL sends a Produce response (real Kafka does not)",
      a0 !== null && a0.errorCode === 0,
      a0 ? `error ${a0.errorCode} offset ${a0.baseOffset}` : "no response",
    );

    // TRANSPORT (-195): connection dropped.
    // (Must run before any broker-level error push for Produce on broker 1:
    // in librdkafka 2.0.2 an existing per-broker error stack for an API key,
    // even an empty one, shadows the cluster-wide stack forever.)
    await mock.pushErrors(ApiKey.Produce, [ErrorCode.TRANSPORT]);
    const tr = await produce(
      conn,
      "t",
      5,
      recordBatch([{ key: null, value: new Uint8Array([7]) }], ts),
    );
    check(
      "pushErrors(Produce,[TRANSPORT]) closes the connection",
      tr === null && conn.closed,
      `response ${
        tr === null
          ? "none"
          : JSON.stringify(tr, (_k, v) => typeof v === "bigint" ? v.toString() : v)
      }, closed ${conn.closed}`,
    );
    await conn.close();
    conn = await Conn.open(b1);

    // Per-broker delay via the broker error stack, and RTT.
    await mock.pushBrokerErrors(1, ApiKey.Produce, [{ code: 0, rttMs: 400 }]);
    check("brokerErrorCount == 1", (await mock.brokerErrorCount(1, ApiKey.Produce)) === 1);
    let t0 = performance.now();
    const d1 = await produce(
      conn,
      "t",
      5,
      recordBatch([{ key: null, value: new Uint8Array([5]) }], ts),
    );
    let dt = performance.now() - t0;
    check(
      "broker error stack {code 0, rtt 400ms} delays one response",
      d1?.errorCode === 0 && dt >= 380,
      `${dt.toFixed(0)} ms`,
    );
    await mock.setRtt(1, 250);
    t0 = performance.now();
    await produce(conn, "t", 5, recordBatch([{ key: null, value: new Uint8Array([6]) }], ts));
    dt = performance.now() - t0;
    check("setRtt(1, 250) delays responses", dt >= 240, `${dt.toFixed(0)} ms`);
    await mock.setRtt(1, 0);
    await mock.pushErrors(ApiKey.Produce, [ErrorCode.NOT_LEADER_OR_FOLLOWER]);
    const sh = await produce(
      conn,
      "t",
      5,
      recordBatch([{ key: null, value: new Uint8Array([7]) }], ts),
    );
    check(
      "librdkafka 2.0.2 quirk: cluster-wide error shadowed on a broker that had a per-broker stack",
      sh?.errorCode === 0,
      `got error ${sh?.errorCode}`,
    );
    await mock.clearErrors(ApiKey.Produce);
    await conn.close();

    // Broker down / up.
    await mock.brokerDown(1);
    let refused = "";
    try {
      const c = await Conn.open(b1);
      await c.close();
    } catch (e) {
      refused = (e as { code?: string }).code ?? String(e);
    }
    check("brokerDown(1): connect refused", refused === "ECONNREFUSED", refused);
    await mock.brokerUp(1);
    const cu = await Conn.open(b1);
    const ru = await produce(
      cu,
      "t",
      5,
      recordBatch([{ key: null, value: new Uint8Array([8]) }], ts),
    );
    check("brokerUp(1): same port accepts and produces", ru?.errorCode === 0);
    await cu.close();

    // Text keyed messages via kcat (librdkafka producer), then read everything back.
    const lines = Array.from({ length: 30 }, (_, i) => `key-${i}:value-${i}`).join("\n") + "\n";
    await timed("kcat -P 30 keyed messages", () => kcatProduce(bs, "t", lines));
    const back = await timed("readBack t", () => readBack(mock.bootstrap, "t"));
    const p2 = back.get(2) ?? [];
    const mine = p2.filter((r: ReadBackRecord) => r.timestamp === Number(ts));
    check(
      "readBack: 5 binary records byte-exact on t[2]",
      mine.length === 5 &&
        mine.every((r, i) =>
          eqBytes(r.key, recs[i]?.key ?? null) && eqBytes(r.value, recs[i]?.value ?? null)
        ),
      mine.map((r) => `${r.offset}:${r.key?.length ?? "null"}/${r.value?.length ?? "null"}`).join(
        " ",
      ),
    );
    const kc: string[] = [];
    for (const list of back.values()) {
      for (const r of list) {
        const k = r.key ? new TextDecoder().decode(r.key) : "";
        if (k.startsWith("key-")) {
          kc.push(`${k}=${new TextDecoder().decode(r.value ?? new Uint8Array())}`);
        }
      }
    }
    check(
      "readBack: all 30 kcat records present",
      kc.length === 30 && kc.every((s) => /^key-(\d+)=value-\1$/.test(s)),
      `${kc.length}`,
    );
    const counts = [...back.entries()].sort((a, b) => a[0] - b[0]).map(([p, l]) =>
      `p${p}:${l.length}`
    ).join(" ");
    console.log(`     partitions: ${counts}`);
  } finally {
    await timed("close", () => mock.close());
  }
  let alive = true;
  try {
    process.kill(mock.pid, 0);
  } catch {
    alive = false;
  }
  check("mock process gone after close()", !alive);
  let afterClose = "";
  try {
    await mock.command("ping");
  } catch (e) {
    afterClose = (e as Error).message;
  }
  check("command after close rejects", afterClose !== "", afterClose);
}

await main().catch((e: unknown): void => {
  failed++;
  console.log(`FAIL uncaught: ${e instanceof Error ? e.stack : String(e)}`);
});
console.log(`${passed} passed, ${failed} failed`);
if (failed > 0) process.exit(1);
