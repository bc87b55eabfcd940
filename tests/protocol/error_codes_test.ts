import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ErrorCode, errorInfo, isSaslErrorCode } from "../../src/protocol/error_codes.ts";
import { kafkaErrors } from "../fixtures/kafka_errors.ts";

describe("ErrorCode", () => {
  test("ErrorCode names every code of Kafka's Errors enum, in its order, with its number", () => {
    assert.deepEqual(
      Object.entries(ErrorCode),
      kafkaErrors.map(([name, code]) => [name, code]),
    );
  });

  test("ErrorCode gives each number one name", () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
  });

  test("ErrorCode maps the names the producer handles to Kafka's numbers", () => {
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 31);
    assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
    assert.equal(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53);
    assert.equal(ErrorCode.OPERATION_NOT_ATTEMPTED, 55);
    assert.equal(ErrorCode.PRODUCER_FENCED, 90);
  });
});

describe("errorInfo()", () => {
  test("errorInfo() gives Kafka's name, code and retriability for every code", () => {
    for (const [name, code, retriable] of kafkaErrors) {
      assert.deepEqual(errorInfo(code), { name, code, retriable }, `code ${code}`);
    }
  });

  test("errorInfo() marks retriable exactly the codes whose Java exception is retriable", () => {
    const retriable = kafkaErrors.filter(([, , r]) => r).map(([name]) => name);
    const ours = Object.values(ErrorCode).filter((code) => errorInfo(code).retriable)
      .map((code) => errorInfo(code).name);
    assert.deepEqual(ours, retriable);
    assert.ok(retriable.includes("NOT_LEADER_OR_FOLLOWER"));
    assert.ok(!retriable.includes("OUT_OF_ORDER_SEQUENCE_NUMBER"));
  });

  test("errorInfo() names a code it does not know UNKNOWN_ERROR_<code>, not retriable", () => {
    assert.deepEqual(errorInfo(9999), { name: "UNKNOWN_ERROR_9999", code: 9999, retriable: false });
    assert.deepEqual(errorInfo(-2), { name: "UNKNOWN_ERROR_-2", code: -2, retriable: false });
  });

  test("errorInfo() answers with a frozen object the caller cannot change for others", () => {
    const info = errorInfo(ErrorCode.REQUEST_TIMED_OUT);
    assert.ok(Object.isFrozen(info));
    assert.equal(errorInfo(ErrorCode.REQUEST_TIMED_OUT).retriable, true);
  });
});

describe("isSaslErrorCode()", () => {
  test("isSaslErrorCode() is true for the three SASL codes only", () => {
    const sasl = Object.values(ErrorCode).filter(isSaslErrorCode);
    assert.deepEqual(sasl.sort((a, b) => a - b), [
      ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      ErrorCode.ILLEGAL_SASL_STATE,
      ErrorCode.SASL_AUTHENTICATION_FAILED,
    ]);
  });
});
