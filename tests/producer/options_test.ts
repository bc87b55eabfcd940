/**
 * The option table (`OPTION_SPECS`) drives validation and defaults, and the JSDoc of
 * `ProducerOptions` and the README's options table agree with it: a field, a
 * `@default`, a Java name or a README cell that differs from the table fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
// mod.ts also registers the zstd codec, as a user's import of the package does.
import { createProducer } from "../../mod.ts";
import {
  type ProducerOptions,
  type ResolvedProducerOptions,
  resolveProducerOptions,
} from "../../src/producer/options.ts";
import {
  INT32_MAX,
  OPTION_SPECS,
  type OptionSpec,
  type ProducerOptionName,
} from "../../src/producer/option_specs.ts";
import { COMPRESSION_NAMES, CompressionId } from "../../src/record/compression.ts";
import { createPartitioner, PARTITIONER_NAMES } from "../../src/partition/partitioner.ts";
import { findOptionsTable, optionRows, OPTIONS_TABLE_HEADER, README_URL } from "./options_doc.ts";

const specs = Object.entries(OPTION_SPECS) as [ProducerOptionName, OptionSpec][];
const resolve = (options: Record<string, unknown>): ResolvedProducerOptions<unknown, unknown> =>
  resolveProducerOptions({ bootstrap: "h:1", ...options } as ProducerOptions<unknown, unknown>);
const WHAT = "Cannot create producer as";

test("createProducer() rejects bad options with TypeError or RangeError naming them", () => {
  assert.throws(() => createProducer({ bootstrap: [] }), /bootstrap/);
  assert.throws(() => createProducer({ bootstrap: "nohostport" }), TypeError);
  assert.throws(
    // @ts-expect-error: acks 2 is not a valid value
    () => createProducer({ bootstrap: "h:1", acks: 2 }),
    /acks must be -1, 0, 1 or "all": current value is 2/,
  );
  assert.throws(() => createProducer({ bootstrap: "h:1", lingerMs: -1 }), RangeError);
  assert.throws(() => createProducer({ bootstrap: "h:1", batchBytes: 1.5 }), TypeError);
  assert.throws(
    () => createProducer({ bootstrap: "h:1", acks: 1, idempotent: true }),
    /idempotent requires acks/,
  );
  // @ts-expect-error: not a compression type
  assert.throws(() => createProducer({ bootstrap: "h:1", compression: "brotli" }), /compression/);
  assert.throws(
    () =>
      createProducer({
        bootstrap: "h:1",
        sasl: { mechanism: "GSSAPI" as "PLAIN", username: "a", password: "b" },
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /sasl.mechanism must be "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER": current value is "GSSAPI"/
        .test(e.message),
  );
  assert.throws(
    () =>
      createProducer({
        bootstrap: "h:1",
        sasl: { mechanism: "PLAIN", username: "", password: "b" },
      }),
    /sasl.username must be a non-empty string/,
  );
  // @ts-expect-error: tls is a boolean or an object
  assert.throws(() => createProducer({ bootstrap: "h:1", tls: "yes" }), TypeError);
  // @ts-expect-error: caCerts holds PEM strings
  assert.throws(() => createProducer({ bootstrap: "h:1", tls: { caCerts: "pem" } }), /tls.caCerts/);
});

test("resolveProducerOptions() applies the defaults the table gives", () => {
  const resolved = resolveProducerOptions({ bootstrap: "h:1" });
  assert.deepEqual(resolved, {
    bootstrap: [{ host: "h", port: 1 }],
    topic: undefined,
    clientId: "webstream-kafka",
    acks: -1,
    lingerMs: 5,
    naturalBatching: true,
    batchBytes: 262144,
    bufferBytes: 33554432,
    maxBlockMs: 60000,
    maxRequestBytes: 1048576,
    maxInFlight: 5,
    requestTimeoutMs: 30000,
    deliveryTimeoutMs: 120000,
    retryBackoffMs: 100,
    retryBackoffMaxMs: 1000,
    metadataMaxAgeMs: 300000,
    metadataRecoveryStrategy: "rebootstrap",
    metadataRecoveryRebootstrapTriggerMs: 300000,
    connectTimeoutMs: 10000,
    compression: "none",
    partitioner: "default",
    idempotent: true,
    transactionalId: undefined,
    transactionTimeoutMs: 60000,
    keySerializer: undefined,
    valueSerializer: undefined,
    connect: undefined,
    tls: undefined,
    sasl: undefined,
    logger: undefined,
  });
  const values = resolved as unknown as Record<string, unknown>;
  for (const [name, spec] of specs) {
    // tls stays undefined when not given, which means its default (no TLS).
    if (spec.default === undefined || name === "tls") continue;
    const expected = name === "acks" && spec.default === "all" ? -1 : spec.default;
    assert.equal(values[name], expected, name);
  }
});

test("resolveProducerOptions() checks every number option against its spec's range", () => {
  // Durations take Infinity (no limit); the other integers do not.
  assert.deepEqual(
    specs.filter(([, s]) => s.kind === "duration").map(([name]) => name),
    [
      "lingerMs",
      "maxBlockMs",
      "requestTimeoutMs",
      "deliveryTimeoutMs",
      "metadataMaxAgeMs",
      "metadataRecoveryRebootstrapTriggerMs",
      "connectTimeoutMs",
    ],
  );
  assert.equal(OPTION_SPECS.transactionTimeoutMs.max, 2 ** 31 - 1);
  // Keep out the rules that join options: deliveryTimeoutMs at least lingerMs +
  // requestTimeoutMs, retryBackoffMaxMs raised to retryBackoffMs.
  const base = { lingerMs: 0, requestTimeoutMs: 1, deliveryTimeoutMs: Infinity, retryBackoffMs: 0 };
  const numbers = specs.filter(([, s]) => s.kind === "integer" || s.kind === "duration");
  assert.equal(numbers.length, 14);
  for (const [name, spec] of numbers) {
    const min = spec.min!;
    const of = (value: unknown) =>
      resolve({ ...base, [name]: value }) as unknown as Record<string, unknown>;
    assert.equal(of(min)[name], min, name);
    const range = spec.max === undefined ? `at least ${min}` : `between ${min} and ${spec.max}`;
    assert.throws(() => of(min - 1), {
      name: "RangeError",
      message: `${WHAT} ${name} must be ${range}: current value is ${min - 1}`,
    });
    if (spec.max !== undefined) {
      assert.equal(of(spec.max)[name], spec.max, name);
      assert.throws(() => of(spec.max! + 1), {
        name: "RangeError",
        message: `${WHAT} ${name} must be ${range}: current value is ${spec.max + 1}`,
      });
    }
    for (const [bad, shown] of [[1.5, "1.5"], ["5", '"5"'], [null, "null"], [NaN, "NaN"]]) {
      assert.throws(() => of(bad), {
        name: "TypeError",
        message: `${WHAT} ${name} must be an integer: current value is ${shown}`,
      });
    }
    if (spec.kind === "duration") {
      assert.equal(of(Infinity)[name], Infinity, name);
      assert.equal(of(2 ** 31)[name], 2 ** 31, name);
    } else {
      assert.throws(() => of(Infinity), {
        name: "TypeError",
        message: `${WHAT} ${name} must be an integer: current value is Infinity`,
      });
    }
  }
  assert.equal(resolve({ transactionTimeoutMs: INT32_MAX }).transactionTimeoutMs, INT32_MAX);
});

test("resolveProducerOptions() takes each choice of acks, compression and partitioner, and no other", () => {
  assert.deepEqual(OPTION_SPECS.compression.values, COMPRESSION_NAMES);
  assert.deepEqual(COMPRESSION_NAMES, Object.keys(CompressionId));
  assert.deepEqual(OPTION_SPECS.partitioner.values, PARTITIONER_NAMES);
  for (const name of PARTITIONER_NAMES) {
    assert.equal(typeof createPartitioner(name, { batchBytes: 1 }).partition, "function");
    assert.equal(resolve({ partitioner: name }).partitioner, name);
  }
  for (const name of COMPRESSION_NAMES) {
    assert.equal(resolve({ compression: name }).compression, name);
  }
  const fn = () => 0;
  assert.equal(resolve({ partitioner: fn }).partitioner, fn);
  assert.deepEqual([-1, 0, 1, "all"].map((acks) => resolve({ acks }).acks), [-1, 0, 1, -1]);
  // null stands for "not given" where a default does, as a `??` takes it.
  assert.equal(resolve({ acks: null }).acks, -1);
  assert.equal(resolve({ compression: null }).compression, "none");
  assert.equal(resolve({ clientId: null }).clientId, "webstream-kafka");
  const refusals: [string, unknown, string][] = [
    ["acks", 2, '-1, 0, 1 or "all": current value is 2'],
    ["acks", "1", '-1, 0, 1 or "all": current value is "1"'],
    [
      "compression",
      "brotli",
      '"none", "gzip", "snappy", "lz4" or "zstd": current value is "brotli"',
    ],
    [
      "partitioner",
      "random",
      '"default", "murmur2", "sticky", "round-robin" or a function: current value is "random"',
    ],
  ];
  for (const [name, value, message] of refusals) {
    assert.throws(() => resolve({ [name]: value }), {
      name: "RangeError",
      message: `${WHAT} ${name} must be ${message}`,
    });
  }
});

test("resolveProducerOptions() checks strings, booleans and functions by their spec's kind", () => {
  const refusals: [string, unknown, string][] = [
    ["clientId", 5, "a string: current value is 5"],
    ["transactionalId", "", 'a non-empty string: current value is ""'],
    ["transactionalId", null, "a non-empty string: current value is null"],
    ["idempotent", "yes", 'a boolean: current value is "yes"'],
    ["idempotent", null, "a boolean: current value is null"],
    ["keySerializer", 1, "a function: current value is 1"],
    ["valueSerializer", "json", 'a function: current value is "json"'],
    ["connect", null, "a function: current value is null"],
  ];
  for (const [name, value, message] of refusals) {
    assert.throws(() => resolve({ [name]: value }), {
      name: "TypeError",
      message: `${WHAT} ${name} must be ${message}`,
    });
  }
  assert.equal(resolve({ clientId: "" }).clientId, "");
  assert.equal(resolve({ transactionalId: "tx" }).transactionalId, "tx");
  assert.equal(resolve({ tls: false }).tls, false);
  assert.throws(() => resolve({ topic: null }), {
    name: "TypeError",
    message:
      `${WHAT} topic must be a valid topic name (it must be a string, not object): current value is null`,
  });
});

test("resolveProducerOptions() applies the rules that join options, as Java does", () => {
  assert.throws(() => resolve({ acks: 1, idempotent: true }), {
    name: "RangeError",
    message:
      `${WHAT} idempotent requires acks "all" and maxInFlight at most 5: current values are acks 1, maxInFlight 5`,
  });
  assert.throws(() => resolve({ maxInFlight: 6, idempotent: true }), {
    name: "RangeError",
    message:
      `${WHAT} idempotent requires acks "all" and maxInFlight at most 5: current values are acks "all", maxInFlight 6`,
  });
  // Not set, idempotence gives way to acks and maxInFlight that rule it out.
  assert.equal(resolve({ acks: 1 }).idempotent, false);
  assert.equal(resolve({ maxInFlight: 6 }).idempotent, false);
  assert.equal(resolve({ maxInFlight: 5 }).idempotent, true);
  assert.equal(resolve({ idempotent: false }).idempotent, false);
  assert.throws(() => resolve({ transactionalId: "tx", acks: 0 }), {
    name: "RangeError",
    message:
      `${WHAT} transactionalId requires idempotence (acks "all", maxInFlight at most 5, idempotent not false)`,
  });
  assert.throws(() => resolve({ lingerMs: 10, requestTimeoutMs: 100, deliveryTimeoutMs: 109 }), {
    name: "RangeError",
    message:
      `${WHAT} deliveryTimeoutMs must be at least lingerMs + requestTimeoutMs (110), as in Java: current value is 109`,
  });
  assert.equal(resolve({ retryBackoffMs: 2000 }).retryBackoffMaxMs, 2000);
  assert.equal(resolve({ retryBackoffMs: 10, retryBackoffMaxMs: 50 }).retryBackoffMaxMs, 50);
});

/** The fields of `ProducerOptions` as its source declares them, with their JSDoc. */
function producerOptionFields(): { name: string; optional: boolean; type: string; doc: string }[] {
  const source = readFileSync(new URL("../../src/producer/options.ts", import.meta.url), "utf8");
  const start = source.indexOf("export interface ProducerOptions<");
  assert.ok(start >= 0, "options.ts declares ProducerOptions");
  const open = source.indexOf("{\n", start) + 2;
  const body = source.slice(open, source.indexOf("\n}\n", open));
  const field = /\s*(?:\/\*\*([\s\S]*?)\*\/)?\s*(\w+)(\??):\s*([^;]+);/y;
  const fields = [];
  let parsed = 0;
  let match;
  while ((match = field.exec(body)) !== null) {
    parsed = field.lastIndex;
    fields.push({
      name: match[2]!,
      optional: match[3] === "?",
      type: match[4]!.trim(),
      doc: (match[1] ?? "").replace(/^\s*\* ?/gm, ""),
    });
  }
  assert.equal(body.slice(parsed).trim(), "", "every ProducerOptions field parsed");
  return fields;
}

test("ProducerOptions declares exactly the table's options, with its @defaults and Java names", () => {
  const fields = producerOptionFields();
  assert.deepEqual(fields.map((f) => f.name), Object.keys(OPTION_SPECS));
  const typeOf: Partial<Record<OptionSpec["kind"], string>> = {
    integer: "number",
    duration: "number",
    boolean: "boolean",
    string: "string",
    topic: "string",
  };
  for (const field of fields) {
    const spec = OPTION_SPECS[field.name as ProducerOptionName];
    assert.notEqual(field.doc.trim(), "", `${field.name} has JSDoc`);
    assert.equal(field.optional, spec.required !== true, `${field.name} is optional`);
    const defaults = [...field.doc.matchAll(/@default \{(.*)\}/g)].map((m) => m[1]);
    assert.deepEqual(
      defaults,
      spec.default === undefined ? [] : [JSON.stringify(spec.default)],
      `@default of ${field.name}`,
    );
    for (const java of spec.java) {
      assert.ok(field.doc.includes(`\`${java}\``), `JSDoc of ${field.name} names \`${java}\``);
    }
    const type = typeOf[spec.kind];
    if (type !== undefined) assert.equal(field.type, type, `type of ${field.name}`);
  }
});

test("the README's options table is the one the table renders (deno task options-doc)", () => {
  const { rows } = findOptionsTable(readFileSync(README_URL, "utf8"));
  const [header, separator, ...body] = rows;
  assert.deepEqual(header, OPTIONS_TABLE_HEADER);
  assert.ok(separator!.every((cell) => /^-+$/.test(cell)), "a separator row follows the header");
  const expected = optionRows();
  assert.equal(body.length, expected.length, "one row per option");
  for (const [i, row] of body.entries()) {
    assert.deepEqual(row, expected[i], `README row of ${expected[i]![0]}`);
  }
});
