/**
 * The one thing SASL needs of a connection: sending a request and reading its response.
 *
 * @module
 */

import type { Api } from "../protocol/api.ts";

/**
 * What SASL needs of a connection: to send a request and read its response. A
 * {@linkcode Connection} is one; so is the requester {@linkcode Connection.exclusive}
 * hands its task.
 *
 * @example A requester that counts what it sends
 * ```ts
 * import type { Requester } from "./requester.ts";
 *
 * function counting(inner: Requester): Requester & { sent: number } {
 *   const wrapper = {
 *     sent: 0,
 *     request: <Req, Res>(api: Parameters<Requester["request"]>[0], version: number, body: Req) => {
 *       wrapper.sent++;
 *       return inner.request(api, version, body) as Promise<Res>;
 *     },
 *   };
 *   return wrapper as Requester & { sent: number };
 * }
 * ```
 */
export interface Requester {
  /**
   * Sends a request and resolves with its decoded response.
   *
   * @typeParam Req The request body.
   * @typeParam Res The decoded response.
   * @param api The API descriptor.
   * @param version The API version.
   * @param body The request body.
   * @returns The decoded response.
   */
  request<Req, Res>(api: Api<Req, Res>, version: number, body: Req): Promise<Res>;
}
