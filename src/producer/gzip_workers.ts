/**
 * gzip off the event loop, on Deno. Deno runs `CompressionStream` (and `node:zlib`'s
 * gzip) on its main thread: eight 1 MiB compressions started together take as long
 * as eight in a row, so with `compression: "gzip"` the records wait for the
 * compressor and a second core stays idle. Bun and Node compress on their own
 * threads already. Here batches are gzipped by a few Web Workers (one per core, at
 * most four), made on the first compressed batch and ended by the producer's
 * `close()`; batches under 64 KiB stay on the event loop (a round trip costs about as
 * much). Batches of one partition still finish in order (its batcher awaits each),
 * batches of different partitions in parallel. A worker that cannot start or fails
 * leaves its jobs, and every later one, to the event loop's codec: the batches are
 * valid gzip either way (`node:zlib` there, the runtime's codec here).
 *
 * @module
 */

import { gzipCodec } from "../record/compression.ts";
import type { GzipJob, GzipReply } from "./gzip_worker.ts";

interface Job {
  readonly data: Uint8Array;
  readonly lane: Lane;
  resolve(bytes: Uint8Array): void;
  reject(error: unknown): void;
}

interface Lane {
  readonly worker: Worker;
  pending: number;
}

const MAX_WORKERS = 4;
/**
 * Smaller sections are gzipped on the event loop: there it takes at most ~2 ms, a
 * worker's round trip about as long, and a lone send never waits ~30 ms for a worker
 * to start.
 */
const WORKER_MIN_BYTES = 64 * 1024;
const WORKER_URL = new URL("./gzip_worker.ts", import.meta.url);
/** Job buffers kept for reuse, per worker. */
const SPARE_BUFFERS_PER_WORKER = 2;

/** What this module asks of `Deno.permissions`. */
interface DenoPermissions {
  permissions?: {
    querySync?(descriptor: { name: string; path?: URL; host?: string }): { state: string };
  };
}

/**
 * Whether Deno would load the worker's module without a prompt or an error (read
 * access to a local file, import access to a remote host): without it the producer
 * gzips on the event loop rather than start a worker that fails.
 */
function mayLoad(deno: DenoPermissions, url: URL): boolean {
  try {
    const query = deno.permissions?.querySync;
    if (query === undefined) return false;
    const descriptor = url.protocol === "file:"
      ? { name: "read", path: url }
      : { name: "import", host: url.host };
    return query.call(deno.permissions, descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** A producer's gzip workers. */
export class GzipWorkers {
  readonly #size: number;
  readonly #url: string;
  readonly #lanes: Lane[] = [];
  readonly #jobs = new Map<number, Job>();
  readonly #spare: ArrayBuffer[] = [];
  #nextId = 0;
  #broken = false;
  #closed = false;

  /**
   * @param size How many workers at most.
   * @param workerUrl The worker module (tests give one that fails).
   */
  constructor(size: number, workerUrl: URL = WORKER_URL) {
    this.#size = Math.max(1, Math.min(MAX_WORKERS, Math.floor(size)));
    this.#url = workerUrl.href;
  }

  /**
   * Workers for a producer that gzips on Deno (one per core); undefined elsewhere,
   * where the codec already runs off the event loop.
   *
   * @param compression The producer's compression.
   * @returns The workers, or undefined.
   */
  static forRuntime(compression: string): GzipWorkers | undefined {
    if (compression !== "gzip" || typeof Worker !== "function") return undefined;
    const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
    if (deno === undefined || !mayLoad(deno, WORKER_URL)) return undefined;
    return new GzipWorkers(globalThis.navigator?.hardwareConcurrency ?? 1);
  }

  /** Jobs sent and not answered yet. */
  get pending(): number {
    return this.#jobs.size;
  }

  /**
   * Gzips a records section on a worker (the least busy one, a new one while there
   * are fewer than the cores); on the event loop when it is under 64 KiB, or once the
   * workers are closed or broken.
   *
   * @param data The records section: a copy goes to the worker, and it must stay as it
   * is until the promise settles (a job a worker gives back is gzipped from it).
   * @returns The gzipped section.
   */
  compress(data: Uint8Array): Promise<Uint8Array> {
    const inline = data.length < WORKER_MIN_BYTES || this.#closed || this.#broken;
    const lane = inline ? undefined : this.#lane();
    if (lane === undefined) return Promise.resolve(gzipCodec.compress(data));
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#jobs.set(id, { data, lane, resolve, reject });
      lane.pending++;
      const buffer = this.#buffer(data.length);
      const job: GzipJob = { id, data: new Uint8Array(buffer, 0, data.length) };
      job.data.set(data);
      lane.worker.postMessage(job, [buffer]);
    });
  }

  /** Ends the workers; jobs still pending are gzipped on the event loop. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endAll();
  }

  #lane(): Lane | undefined {
    let best: Lane | undefined;
    for (const lane of this.#lanes) {
      if (best === undefined || lane.pending < best.pending) best = lane;
    }
    if ((best === undefined || best.pending > 0) && this.#lanes.length < this.#size) {
      const started = this.#start();
      if (started !== undefined) return started;
    }
    return best;
  }

  #start(): Lane | undefined {
    let worker: Worker;
    try {
      worker = new Worker(this.#url, { type: "module" });
    } catch {
      this.#broken = true;
      return undefined;
    }
    const lane: Lane = { worker, pending: 0 };
    worker.onmessage = (event: MessageEvent<GzipReply>) => this.#answered(event.data);
    worker.onerror = (event: Event) => {
      event.preventDefault();
      this.#broken = true;
      this.#endAll();
    };
    this.#lanes.push(lane);
    return lane;
  }

  /** A buffer for a job of `size` bytes: a spare one given back by a worker, or a new one. */
  #buffer(size: number): ArrayBuffer {
    for (let i = this.#spare.length - 1; i >= 0; i--) {
      if (this.#spare[i]!.byteLength >= size) return this.#spare.splice(i, 1)[0]!;
    }
    // Rounded up to a power of two, so buffers fit the batches of other sizes too.
    return new ArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(size, 1024))));
  }

  #answered(reply: GzipReply): void {
    if (this.#spare.length < SPARE_BUFFERS_PER_WORKER * this.#size) this.#spare.push(reply.input);
    const job = this.#jobs.get(reply.id);
    if (job === undefined) return;
    this.#jobs.delete(reply.id);
    job.lane.pending--;
    if (reply.data !== undefined) job.resolve(reply.data);
    else this.#onEventLoop(job);
  }

  /** Terminates every worker and gzips what they still held on the event loop. */
  #endAll(): void {
    for (const lane of this.#lanes.splice(0)) lane.worker.terminate();
    const jobs = [...this.#jobs.values()];
    this.#jobs.clear();
    for (const job of jobs) this.#onEventLoop(job);
  }

  #onEventLoop(job: Job): void {
    Promise.resolve(gzipCodec.compress(job.data)).then(job.resolve, job.reject);
  }
}
