import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode } from "../../src/protocol/error_codes.ts";
import {
  BATCHES_REMEMBERED,
  ProducerStateTable,
  type SequencedBatch,
} from "../../src/testing/producer_state.ts";

const batch = (
  baseSequence: number,
  count = 10,
  producerEpoch = 0,
  transactional = false,
): SequencedBatch => ({
  producerId: 7n,
  producerEpoch,
  baseSequence,
  count,
  transactional,
});

/** Appends batches of 10 from sequence 0 at offsets 0, 10, 20, ... */
function table(rules: "kafka-4" | "kafka-2.4", batches: number): ProducerStateTable {
  const t = new ProducerStateTable(rules);
  for (let i = 0; i < batches; i++) {
    assert.deepEqual(t.check(batch(i * 10)), { kind: "append" });
    t.appended(batch(i * 10), i * 10);
  }
  return t;
}

describe("ProducerStateTable", () => {
  test("check() accepts the next sequence and a producer's first batch at sequence 0", () => {
    const t = table("kafka-4", 3);
    assert.deepEqual(t.check(batch(30)), { kind: "append" });
    assert.equal(t.get(7n)?.batches.length, 3);
  });

  test("check() answers a repeat of one of the last five batches with its first offset", () => {
    const t = table("kafka-4", 7);
    for (let i = 7 - BATCHES_REMEMBERED; i < 7; i++) {
      assert.deepEqual(t.check(batch(i * 10)), { kind: "duplicate", firstOffset: i * 10 });
    }
  });

  test("check() refuses a batch older than the five remembered: OUT_OF_ORDER on Kafka 4, DUPLICATE on 2.4", () => {
    const older = batch(10); // batch 1 of 7: no longer remembered
    const kafka4 = table("kafka-4", 7).check(older);
    assert.equal(kafka4.kind === "error" && kafka4.code, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const kafka24 = table("kafka-2.4", 7).check(older);
    assert.equal(kafka24.kind === "error" && kafka24.code, ErrorCode.DUPLICATE_SEQUENCE_NUMBER);
  });

  test("check() refuses a gap as OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
    const result = table("kafka-4", 2).check(batch(25));
    assert.equal(result.kind, "error");
    assert.equal(result.kind === "error" && result.code, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.match(result.kind === "error" ? result.message : "", /25 \(incoming seq\. number\), 19/);
  });

  test("check() fences an older epoch with INVALID_PRODUCER_EPOCH", () => {
    const t = table("kafka-4", 1);
    t.appended(batch(0, 5, 2), 10);
    const result = t.check(batch(5, 5, 1));
    assert.equal(result.kind === "error" && result.code, ErrorCode.INVALID_PRODUCER_EPOCH);
  });

  test("check() wants sequence 0 with a new epoch", () => {
    const t = table("kafka-4", 2);
    assert.equal(
      (t.check(batch(20, 10, 1)) as { code: number }).code,
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    assert.deepEqual(t.check(batch(0, 10, 1)), { kind: "append" });
    t.appended(batch(0, 10, 1), 20);
    assert.equal(t.get(7n)?.batches.length, 1, "a new epoch forgets the old batches");
  });

  test("check() lets an unknown producer start anywhere on Kafka 4, UNKNOWN_PRODUCER_ID on 2.4", () => {
    assert.deepEqual(new ProducerStateTable("kafka-4").check(batch(500)), { kind: "append" });
    const old = new ProducerStateTable("kafka-2.4").check(batch(500));
    assert.equal(old.kind === "error" && old.code, ErrorCode.UNKNOWN_PRODUCER_ID);
    assert.deepEqual(new ProducerStateTable("kafka-2.4").check(batch(0)), { kind: "append" });
  });

  test("check() follows a sequence across its wrap at 2^31 - 1", () => {
    const t = new ProducerStateTable("kafka-4");
    const last = 0x7fffffff - 4;
    t.appended(batch(last, 5), 0); // sequences 2^31-5 .. 2^31-1
    assert.deepEqual(t.check(batch(0, 3)), { kind: "append" });
    const wrapped = batch(0x7fffffff - 1, 4); // 2^31-2, 2^31-1, 0, 1
    const w = new ProducerStateTable("kafka-4");
    w.appended(wrapped, 0);
    assert.deepEqual(w.check(wrapped), { kind: "duplicate", firstOffset: 0 });
    assert.deepEqual(w.check(batch(2, 1)), { kind: "append" });
  });

  test("check() refuses a plain batch while the producer's transaction is open", () => {
    const t = new ProducerStateTable("kafka-4");
    assert.equal(
      t.appended(batch(0, 2, 0, true), 0),
      true,
      "the first transactional batch opens it",
    );
    const result = t.check(batch(2, 1));
    assert.equal(result.kind === "error" && result.code, ErrorCode.INVALID_TXN_STATE);
    assert.equal(t.marker(7n, 0, 2), 0, "the marker ends it, from its first offset");
    assert.deepEqual(t.check(batch(2, 1)), { kind: "append" });
  });

  test("marker() with a newer epoch bumps it and forgets the batches", () => {
    const t = table("kafka-4", 2);
    assert.equal(t.marker(7n, 3, 20), 20, "no open transaction: it starts at the marker");
    assert.equal(t.get(7n)?.epoch, 3);
    assert.equal((t.check(batch(20)) as { code: number }).code, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(
      (t.check(batch(20, 10, 3)) as { code: number }).code,
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
  });

  test("evictBefore() forgets producers whose records retention removed, not open transactions", () => {
    const t = table("kafka-4", 2);
    const other = { ...batch(0, 1, 0, true), producerId: 8n };
    t.appended(other, 0);
    t.evictBefore(25);
    assert.equal(t.get(7n), undefined);
    assert.notEqual(t.get(8n), undefined);
    assert.equal(t.size, 1);
  });
});
