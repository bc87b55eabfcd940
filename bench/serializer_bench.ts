/**
 * The built-in serializers on a 100-character string and a small object, per record.
 *
 * `BENCH_SMOKE=1` runs each case a few times only, for CI.
 */
import { jsonSerializer, serializeField, stringSerializer } from "../src/producer/serializer.ts";

const smoke = Deno.env.get("BENCH_SMOKE") === "1";
const runs = smoke ? { n: 10, warmup: 1 } : {};
const text = "v".repeat(100);
const object = {
  id: 42,
  user: "user-42",
  action: "signed-in",
  at: 1700000000000,
  tags: ["a", "b"],
};
let sink = 0;

Deno.bench({
  name: "default (string kept for in-place UTF-8)",
  group: "serialize",
  baseline: true,
  ...runs,
  fn() {
    const out = serializeField(undefined, text, "value", "t");
    sink ^= out === null ? 0 : out.length;
  },
});

Deno.bench({
  name: "stringSerializer (TextEncoder)",
  group: "serialize",
  ...runs,
  fn() {
    sink ^= serializeField(stringSerializer, text, "value", "t")!.length;
  },
});

Deno.bench({
  name: "jsonSerializer (small object)",
  group: "serialize",
  ...runs,
  fn() {
    sink ^= serializeField(jsonSerializer, object, "value", "t")!.length;
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink);
});
