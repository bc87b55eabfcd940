// produce judged by implementations nobody here wrote: 100,000 key:value lines piped
// into the command (a child process of this runtime) land in librdkafka's mock
// cluster, and kcat (librdkafka's consumer) reads every one back once, on the
// partition Java's murmur2 gives its key, in input order within its partition.

import assert from "node:assert/strict";
import { test } from "node:test";
import { partitionForKey } from "../../mod.ts";
import { readBack, startMockCluster } from "../mock/mock_cluster.ts";
import { runChild } from "./_cli.ts";

const LINES = 100_000;
const PARTITIONS = 6;
const decoder = new TextDecoder();

test(
  "produce sends 100,000 key:value lines that kcat reads back once each, on Java's partition, in order",
  {
    timeout: 300_000,
  },
  async () => {
    const mock = await startMockCluster({ brokers: 3 });
    try {
      await mock.createTopic("lines", PARTITIONS, 3);
      let input = "";
      for (let i = 0; i < LINES; i++) input += `user-${i % 1000}:event-${i}\n`;
      const r = await runChild(
        ["produce", "-b", mock.bootstrap.join(","), "-t", "lines", "-K", ":"],
        { stdin: input },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^100,000 records \(.*\) in .*, 0 failed\n$/);

      const seen = new Uint8Array(LINES);
      let read = 0;
      for (let p = 0; p < PARTITIONS; p++) {
        // One partition at a time: a whole-topic read of many megabytes can end early on the mock.
        const byPartition = await readBack(mock.bootstrap, "lines", {
          partition: p,
          timeoutMs: 60_000,
        });
        let last = -1;
        for (const record of byPartition.get(p) ?? []) {
          const key = decoder.decode(record.key!);
          const value = decoder.decode(record.value!);
          const i = Number(value.slice("event-".length));
          assert.equal(key, `user-${i % 1000}`, `record ${i}`);
          assert.equal(p, partitionForKey(record.key!, PARTITIONS), `record ${i} (key ${key})`);
          assert.ok(i > last, `record ${i} after record ${last} in partition ${p}`);
          assert.equal(seen[i], 0, `record ${i} read twice`);
          seen[i] = 1;
          last = i;
          read++;
        }
      }
      assert.equal(read, LINES);
    } finally {
      await mock.close();
    }
  },
);
