// A Sender wired to fakes: a manual clock, a fixed metadata view, and brokers whose
// Produce requests the test answers one by one.
import type { TopicInfo } from "../../src/cluster/metadata_snapshot.ts";
import type { BrokerSession } from "../../src/net/broker_pool.ts";
import type { ProduceRequest, ProduceResponse } from "../../src/protocol/produce.ts";
import {
  BASE_SEQUENCE_OFFSET,
  PRODUCER_EPOCH_OFFSET,
} from "../../src/record/record_batch_builder.ts";
import { CompletionRuns, type ProducerBatch } from "../../src/producer/producer_batch.ts";
import type { ProducerIdentity } from "../../src/producer/idempotence.ts";
import { Sender, type SenderOptions } from "../../src/producer/sender.ts";
import { ManualClock, settle } from "./_manual_clock.ts";

/** One Produce request the sender sent, waiting for the test's answer. */
export interface SentRequest {
  readonly version: number;
  readonly request: ProduceRequest;
  /** The batches it carried, with the sequence and epoch they were sent with. */
  readonly batches: { topic: string; partition: number; sequence: number; epoch: number }[];
  answer(codes: Record<string, number>, baseOffset?: bigint, throttleTimeMs?: number): void;
  fail(error: Error): void;
}

/** A partition with a leader (broker 1), one topic "t". */
function topicInfo(partitions: number): TopicInfo {
  return {
    name: "t",
    topicId: new Uint8Array(16),
    errorCode: 0,
    partitionCount: partitions,
    leaders: new Int32Array(partitions).fill(1),
    leaderEpochs: new Int32Array(partitions).fill(0),
  };
}

/** A sender over fakes, and what it did. */
function buildHarness(options: Partial<SenderOptions> & { partitions?: number } = {}) {
  // A test that shares the clock with other parts passes its own.
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const requests: SentRequest[] = [];
  const delivered: { batch: ProducerBatch; offset: bigint }[] = [];
  const failed: { batch: ProducerBatch; error: Error }[] = [];
  const fatal: Error[] = [];
  const inits: (ProducerIdentity | null)[] = [];
  let info: TopicInfo | undefined = topicInfo(options.partitions ?? 2);
  let epoch = 0;
  let inFlight = 0;
  const connection = {
    get inFlight() {
      return inFlight;
    },
    request(_api: unknown, version: number, request: ProduceRequest) {
      inFlight++;
      return new Promise<ProduceResponse>((resolve, reject) => {
        const batches = request.topicData.flatMap((t) =>
          t.partitionData.map((p) => {
            const view = new DataView(p.records!.buffer, p.records!.byteOffset);
            return {
              topic: t.name,
              partition: p.index,
              sequence: view.getInt32(BASE_SEQUENCE_OFFSET),
              epoch: view.getInt16(PRODUCER_EPOCH_OFFSET),
            };
          })
        );
        requests.push({
          version,
          request,
          batches,
          answer(codes, baseOffset = 0n, throttleTimeMs = 0) {
            inFlight--;
            resolve({
              throttleTimeMs,
              nodeEndpoints: [],
              responses: request.topicData.map((t) => ({
                name: t.name,
                topicId: new Uint8Array(16),
                partitionResponses: t.partitionData.map((p) => ({
                  index: p.index,
                  errorCode: codes[`${t.name}-${p.index}`] ?? 0,
                  baseOffset,
                  logAppendTimeMs: -1n,
                  logStartOffset: 0n,
                  recordErrors: [],
                  errorMessage: null,
                  currentLeader: null,
                })),
              })),
            });
          },
          fail(error) {
            inFlight--;
            reject(error);
          },
        });
      });
    },
  };
  const session = {
    nodeId: 1,
    address: "fake:1",
    versions: new Map([[0, 9]]),
    connection,
  } as unknown as BrokerSession;
  const sender = new Sender(
    {
      topic: () => info,
      requestUpdate: () => {},
      updateLeaders: () => false,
      onUpdate: () => {},
    },
    {
      ready: () => session,
      session: () => Promise.resolve(session),
      onChange: () => {},
    },
    {
      acks: -1,
      requestTimeoutMs: 30_000,
      deliveryTimeoutMs: 120_000,
      retryBackoffMs: 100,
      retryBackoffMaxMs: 1000,
      maxRequestBytes: 1 << 20,
      maxInFlight: 5,
      initProducerIdentity: (current) => {
        inits.push(current);
        epoch = current === null ? 0 : current.producerEpoch + 1;
        return Promise.resolve({ producerId: 42n, producerEpoch: epoch });
      },
      transactional: undefined,
      clock,
      random: () => 0.5,
      ...options,
    },
    {
      delivered: (batch, offset) => delivered.push({ batch, offset }),
      failed: (batch, error) => failed.push({ batch, error }),
      fatal: (error) => fatal.push(error),
    },
  );
  let created = 0;
  return {
    sender,
    clock,
    requests,
    delivered,
    failed,
    fatal,
    inits,
    /** Metadata without the topic (no leader known). */
    forgetTopic() {
      info = undefined;
    },
    /** A closed batch of `count` records for t-`partition`. */
    batch(partition: number, count = 1): ProducerBatch {
      const batch: ProducerBatch = {
        topic: "t",
        partition,
        bytes: new Uint8Array(64 + created++),
        sealed: false,
        count,
        completions: new CompletionRuns(),
        reserved: 100,
        createdMs: clock.now(),
        uncompressedBytes: 0,
        firstSentMs: -1,
        attempts: 0,
        baseSequence: -1,
        producerEpoch: -1,
        lastError: null,
      };
      sender.enqueue(batch);
      return batch;
    },
    settle,
  };
}

/** A sender over fakes, and what it did. */
export const senderHarness: typeof buildHarness = buildHarness;
