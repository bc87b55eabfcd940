/**
 * The worker behind {@link GzipWorkers}: gzips each records section it is sent with
 * `node:zlib` and sends back the result and the section's buffer (both transferred),
 * so the producer reuses that buffer for a later job instead of leaving one per batch
 * to this worker's garbage collector.
 *
 * @module
 */

import { gzipSync } from "node:zlib";

/** A job: a records section to gzip. */
export interface GzipJob {
  /** Which job, echoed in the reply. */
  id: number;
  /** The records section, at the start of a buffer that is transferred. */
  data: Uint8Array;
}

/** The reply: the gzipped section, or why it could not be made, and the job's buffer. */
export interface GzipReply {
  /** The job's id. */
  id: number;
  /** The gzipped bytes (their buffer transferred), unless it failed. */
  data?: Uint8Array;
  /** Why it failed. */
  error?: string;
  /** The job's buffer, given back. */
  input: ArrayBuffer;
}

/** What this module sees of the worker's global scope. */
interface WorkerScope {
  onmessage: ((event: MessageEvent<GzipJob>) => void) | null;
  postMessage(message: GzipReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (event: MessageEvent<GzipJob>): void => {
  const { id, data } = event.data;
  const input = data.buffer as ArrayBuffer;
  try {
    const out = gzipSync(data) as Uint8Array;
    // Only a whole buffer can be transferred; a view of a larger one is copied out.
    const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength
      ? out
      : out.slice();
    scope.postMessage({ id, data: own, input }, [own.buffer as ArrayBuffer, input]);
  } catch (error) {
    scope.postMessage({ id, error: String(error), input }, [input]);
  }
};
