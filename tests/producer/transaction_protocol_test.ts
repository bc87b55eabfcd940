import { test } from "node:test";
import assert from "node:assert/strict";
import { transactionV2Allowed } from "../../src/producer/transaction_protocol.ts";

const features = (level: number | null) => ({
  epoch: 3n,
  levels: new Map(level === null ? [] : [["transaction.version", level]]),
});

test("transactionV2Allowed() needs transaction.version >= 2, Produce v12+ and EndTxn v5", () => {
  const kafka43 = new Map([[0, 13], [26, 5]]);
  assert.equal(transactionV2Allowed({ versions: kafka43, features: features(2) }), true);
  assert.equal(
    transactionV2Allowed({ versions: new Map([[0, 12], [26, 5]]), features: features(2) }),
    true,
  );
  // A 4.x cluster with the feature at 1 or 0, or not reporting it.
  assert.equal(transactionV2Allowed({ versions: kafka43, features: features(1) }), false);
  assert.equal(transactionV2Allowed({ versions: kafka43, features: features(null) }), false);
  assert.equal(transactionV2Allowed({ versions: kafka43 }), false);
  // A broker lacking the versions (Kafka 3.9: Produce v11, EndTxn v4).
  assert.equal(
    transactionV2Allowed({ versions: new Map([[0, 11], [26, 5]]), features: features(2) }),
    false,
  );
  assert.equal(
    transactionV2Allowed({ versions: new Map([[0, 13], [26, 4]]), features: features(2) }),
    false,
  );
  assert.equal(
    transactionV2Allowed({ versions: new Map([[0, 13]]), features: features(2) }),
    false,
  );
});
