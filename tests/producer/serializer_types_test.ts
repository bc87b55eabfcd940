/**
 * The types require a serializer for keys and values that are not strings, bytes or
 * null: `deno check` fails on an unused `@ts-expect-error` if that ever stops holding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createProducer,
  jsonSerializer,
  kafkaSink,
  type ProducerOptions,
  type Serializer,
} from "../../mod.ts";

const bootstrap = "127.0.0.1:1";
const topic = "t";
const counter: Serializer<{ n: number }> = (value) => new TextEncoder().encode(String(value.n));

/** Builds each sink and producer without running anything (no connection is opened). */
function typeCases(): unknown[] {
  return [
    kafkaSink({ bootstrap, topic }),
    kafkaSink<string, Uint8Array | null>({ bootstrap, topic }),
    // @ts-expect-error: { n: number } values need a valueSerializer
    kafkaSink<string, { n: number }>({ bootstrap, topic }),
    kafkaSink<string, { n: number }>({ bootstrap, topic, valueSerializer: counter }),
    kafkaSink({ bootstrap, topic, valueSerializer: jsonSerializer }),
    // @ts-expect-error: { n: number } keys need a keySerializer
    createProducer<{ n: number }, string>({ bootstrap, topic }),
    createProducer<{ n: number }, string>({ bootstrap, topic, keySerializer: counter }),
    createProducer({ bootstrap, topic, keySerializer: counter, valueSerializer: jsonSerializer }),
  ];
}

test("kafkaSink() and createProducer() types require serializers for other types", () => {
  const options: ProducerOptions = { bootstrap, topic };
  assert.equal(typeof typeCases, "function");
  assert.equal(options.topic, "t");
});
