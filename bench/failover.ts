/**
 * Failover time on the local 3-node Kafka (tests/kafka): a producer writes one record
 * at a time to a 1-partition topic (replication 3, min.insync.replicas 2, acks all unless
 * `--acks 1`);
 * the partition's leader is stopped, and the run measures the time from the signal to
 * the first acknowledgement after the producer moved the partition to its new leader.
 * Runs alternate the producer following the leaders Produce responses name (KIP-951)
 * and ignoring them, each with a new producer; the stopped broker is restarted (and the
 * partition back in sync) between runs.
 *
 *   deno run -A bench/failover.ts --runs 5 --signal KILL
 *   bun bench/failover.ts --runs 5 --signal TERM [--acks 1]
 *
 * `--signal KILL` is `cluster.sh kill N` (kill -9: the leader answers nothing more and
 * its partitions move once the controller fences it, `broker.session.timeout.ms` = 6 s
 * here); `--signal TERM` a graceful shutdown (the leader hands its partitions over, then
 * answers NOT_LEADER_OR_FOLLOWER until it stops). Set `KAFKA_TEST_PORT_OFFSET` and
 * `KAFKA_TEST_HOME` to run against another cluster than the default one. Prints one
 * JSON line per run, then a summary line per mode (milliseconds).
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KafkaProducer } from "../src/producer/kafka_producer.ts";
import {
  bootstrapServers,
  createTopic,
  ensureCluster,
  killNode,
  leaderOf,
  type NodeId,
  restartNode,
  uniqueTopic,
  waitInSync,
  waitUntil,
} from "../tests/kafka/cluster.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const runs = Number(arg("runs", "5"));
const acks = arg("acks", "all") === "all" ? "all" : Number(arg("acks", "all")) as 0 | 1;
const signal = arg("signal", "KILL");
if (signal !== "KILL" && signal !== "TERM") throw new TypeError("--signal must be KILL or TERM");
const home = process.env.KAFKA_TEST_HOME ?? "/tmp/webstream-kafka";
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

await ensureCluster();
const topic = uniqueTopic("failover");
await createTopic(topic, 1, 3, { "min.insync.replicas": 2 });

function pidOf(node: number): number {
  return Number(readFileSync(join(home, "cluster", `node${node}`, "pid"), "utf8").trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(node: NodeId): Promise<void> {
  if (signal === "KILL") {
    await killNode(node);
    return;
  }
  const pid = pidOf(node);
  process.kill(pid, "SIGTERM");
  await waitUntil(() => !alive(pid), 60_000, 50);
}

interface Run {
  runtime: string;
  signal: string;
  acks: string;
  hints: boolean;
  stopped: number;
  newLeader: number;
  /** Signal to the producer's move of the partition (ms). */
  movedMs: number;
  /** Signal to the first acknowledgement after the move (ms). */
  firstAckMs: number;
  retries: number;
  /** The errors the retries followed, with their time after the signal. */
  retryErrors: string[];
}

async function run(hints: boolean): Promise<Run> {
  const old = await leaderOf(topic, 0) as NodeId;
  const producer = new KafkaProducer<string, string>(
    {
      bootstrap: bootstrapServers,
      topic,
      acks,
      lingerMs: 0,
    },
    undefined,
    { leaderHints: hints },
  );
  let movedAt = -1;
  let newLeader = -1;
  let retries = 0;
  producer.addEventListener("leader-change", (e) => {
    const d = (e as CustomEvent<{ partition: number; leader: number }>).detail;
    if (movedAt < 0 && d.leader >= 0 && d.leader !== old) {
      movedAt = performance.now();
      newLeader = d.leader;
    }
  });
  const retryErrors: string[] = [];
  producer.addEventListener("retry", (e) => {
    retries++;
    const d = (e as CustomEvent<{ error: string }>).detail;
    const at = Math.round(performance.now() - stopAt);
    retryErrors.push(`${d.error}@${at}ms`);
  });
  let stopAt = Infinity;
  let firstAckAt = -1;
  let going = true;
  let n = 0;
  const writer = (async () => {
    while (going) {
      await producer.send({ value: `r${n++}` });
      const now = performance.now();
      if (firstAckAt < 0 && movedAt >= 0 && now > stopAt) firstAckAt = now;
    }
  })();
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stopAt = performance.now();
    await stop(old);
    await waitUntil(() => firstAckAt >= 0, 60_000, 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    going = false;
    await writer.catch(() => {});
    await producer.close();
  }
  await restartNode(old);
  await waitInSync([topic], 120);
  return {
    runtime,
    signal,
    acks: String(acks),
    hints,
    stopped: old,
    newLeader,
    movedMs: Math.round(movedAt - stopAt),
    firstAckMs: Math.round(firstAckAt - stopAt),
    retries,
    retryErrors,
  };
}

const results: Run[] = [];
for (let i = 0; i < runs * 2; i++) {
  const result = await run(i % 2 === 0);
  results.push(result);
  console.log(JSON.stringify(result));
}
for (const hints of [true, false]) {
  const ms = results.filter((r) => r.hints === hints).map((r) => r.firstAckMs).sort((a, b) =>
    a - b
  );
  console.log(JSON.stringify({
    runtime,
    signal,
    acks: String(acks),
    hints,
    runs: ms.length,
    firstAckMs: { min: ms[0], median: ms[Math.floor(ms.length / 2)], max: ms.at(-1), all: ms },
  }));
}
