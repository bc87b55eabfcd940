/**
 * A plain Kafka client connection for the command line's reads (the demo's read
 * back): one request at a time over a transport, framed and versioned with the
 * protocol layer's codecs, each API at the highest version both sides speak (capped
 * where the caller asks). It is not the producer's connection: it has no
 * pipelining, retries or reconnects, which a read that checks a run does not need.
 *
 * @module
 */

import {
  type ConnectFunction,
  defaultConnect,
  KafkaConnectionError,
  KafkaTimeoutError,
  type Transport,
} from "../../mod.ts";
import {
  type Api,
  type ApiVersionRange,
  apiVersionsApi,
  apiVersionsFallbackVersion,
  ErrorCode,
  errorInfo,
  negotiateVersion,
  Reader,
  readResponseHeader,
  responseHeaderIsFlexible,
  Writer,
  writeRequestHeader,
} from "../protocol.ts";
import { FrameAssembler } from "./frame_assembler.ts";

const CLIENT_ID = "webstream-kafka-cli";

/** Options of {@linkcode BrokerClient.connect}. */
export interface BrokerClientOptions {
  /**
   * Opens the socket.
   *
   * @default {defaultConnect}
   */
  connect?: ConnectFunction;
  /**
   * How long a request may wait for its response (ms).
   *
   * @default {30000}
   */
  requestTimeoutMs?: number;
}

/** One connection to one broker, one request at a time. */
export class BrokerClient {
  readonly #transport: Transport;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #address: string;
  readonly #timeoutMs: number;
  readonly #frames: Uint8Array[] = [];
  readonly #assembler = new FrameAssembler();
  #ranges: readonly ApiVersionRange[] = [];
  #correlationId = 0;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(transport: Transport, address: string, timeoutMs: number) {
    this.#transport = transport;
    this.#reader = transport.readable.getReader();
    this.#address = address;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects and asks which API versions the broker speaks.
   *
   * @example Asking a test broker for its metadata
   * ```ts
   * import { startTestBroker } from "@webstream/kafka/testing";
   * import { metadataApi } from "@webstream/kafka/protocol";
   * import { BrokerClient } from "./broker_client.ts";
   *
   * await using broker = await startTestBroker({ topics: { events: 3 } });
   * const client = await BrokerClient.connect(broker.bootstrap[0]!);
   * const metadata = await client.request(metadataApi, { topics: [{ name: "events" }] });
   * client.close();
   * console.log(metadata.topics[0]?.partitions.length); // 3
   * ```
   *
   * @param address The broker, `host:port`.
   * @param options How to connect.
   * @returns The client.
   * @throws {KafkaConnectionError} When the broker cannot be reached or answers badly.
   */
  static async connect(address: string, options: BrokerClientOptions = {}): Promise<BrokerClient> {
    const at = address.lastIndexOf(":");
    const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
    const port = Number(address.slice(at + 1));
    let transport: Transport;
    try {
      transport = await (options.connect ?? defaultConnect)({ host, port });
    } catch (error) {
      throw new KafkaConnectionError(
        `Cannot connect to broker at ${address}: ${(error as Error).message}`,
        { address, cause: error },
      );
    }
    const client = new BrokerClient(transport, address, options.requestTimeoutMs ?? 30_000);
    try {
      let versions = await client.#send(apiVersionsApi, 3, { clientSoftwareVersion: "0.1.0" });
      if (versions.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const fallback = apiVersionsFallbackVersion(versions, 3);
        versions = await client.#send(apiVersionsApi, fallback, { clientSoftwareVersion: "0.1.0" });
      }
      if (versions.errorCode !== 0) {
        throw new KafkaConnectionError(
          `Cannot use broker at ${address} as ApiVersions failed with ${
            errorInfo(versions.errorCode).name
          }`,
          { address },
        );
      }
      client.#ranges = versions.apiKeys;
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  /** The broker's address. */
  get address(): string {
    return this.#address;
  }

  /**
   * Sends a request at the highest version both sides speak, up to `maxVersion`, and
   * resolves with the response.
   *
   * @typeParam Req The request body.
   * @typeParam Res The response body.
   * @param api The API.
   * @param request The request body.
   * @param maxVersion The newest version to use.
   * @returns The response body.
   * @throws {KafkaConnectionError} When the broker does not speak the API, or the
   * connection fails.
   * @throws {KafkaTimeoutError} When no response comes within the request timeout.
   */
  request<Req, Res>(api: Api<Req, Res>, request: Req, maxVersion = api.maxVersion): Promise<Res> {
    const capped = { ...api, maxVersion: Math.min(maxVersion, api.maxVersion) };
    const version = negotiateVersion(capped, this.#ranges);
    if (version === null) {
      return Promise.reject(
        new KafkaConnectionError(
          `Cannot send ${api.name} to broker at ${this.#address} as it speaks no version this client does (v${api.minVersion}-v${capped.maxVersion})`,
          { address: this.#address },
        ),
      );
    }
    const next = this.#queue.then(() => this.#send(api, version, request));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Closes the connection. */
  close(): void {
    this.#reader.cancel().catch(() => {});
    this.#transport.close();
  }

  async #send<Req, Res>(api: Api<Req, Res>, version: number, request: Req): Promise<Res> {
    const correlationId = ++this.#correlationId;
    const flexible = version >= api.flexibleFrom;
    const w = new Writer();
    const sizeAt = w.reserve(4);
    writeRequestHeader(w, api.key, version, correlationId, CLIENT_ID, flexible);
    api.encode(w, version, request);
    w.patchInt32(sizeAt, w.length - 4);
    await this.#transport.write(w.bytes());
    const frame = await this.#withTimeout(this.#nextFrame(), api.name);
    const r = new Reader(frame);
    const echoed = readResponseHeader(r, responseHeaderIsFlexible(api.key, flexible));
    if (echoed !== correlationId) {
      this.close();
      throw new KafkaConnectionError(
        `Cannot read ${api.name} response from ${this.#address} as its correlation id is ${echoed}, not ${correlationId}`,
        { address: this.#address },
      );
    }
    return api.decode(r, version);
  }

  async #nextFrame(): Promise<Uint8Array> {
    while (this.#frames.length === 0) {
      const { done, value } = await this.#reader.read();
      if (done) {
        throw new KafkaConnectionError(
          `Cannot read from broker at ${this.#address} as it closed the connection`,
          {
            address: this.#address,
          },
        );
      }
      this.#assembler.push(value, (frame) => this.#frames.push(frame));
    }
    return this.#frames.shift()!;
  }

  #withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close();
        reject(
          new KafkaTimeoutError(
            `Cannot get a ${what} response from ${this.#address} within ${this.#timeoutMs} ms`,
            { address: this.#address },
          ),
        );
      }, this.#timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
