/**
 * Numbers as the command line prints them: counts with thousands separators,
 * megabytes (10^6 bytes, as throughput is usually given), seconds and rates.
 *
 * @module
 */

/**
 * A count with thousands separators.
 *
 * @example
 * ```ts
 * import { count } from "./format.ts";
 *
 * console.log(count(1234567)); // 1,234,567
 * ```
 *
 * @param n The count.
 * @returns It, formatted.
 */
export function count(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Bytes as megabytes (10^6), one decimal.
 *
 * @example
 * ```ts
 * import { megabytes } from "./format.ts";
 *
 * console.log(megabytes(123_456_789)); // 123.5 MB
 * ```
 *
 * @param bytes The bytes.
 * @returns Them, formatted.
 */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Bytes as mebibytes (2^20), as memory is usually given.
 *
 * @example
 * ```ts
 * import { mebibytes } from "./format.ts";
 *
 * console.log(mebibytes(300 * 1024 * 1024)); // 300 MiB
 * ```
 *
 * @param bytes The bytes.
 * @returns Them, formatted.
 */
export function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MiB`;
}

/**
 * Milliseconds as seconds, two decimals.
 *
 * @example
 * ```ts
 * import { seconds } from "./format.ts";
 *
 * console.log(seconds(1234)); // 1.23 s
 * ```
 *
 * @param ms The milliseconds.
 * @returns Them, formatted.
 */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A per-second rate of `amount` over `ms`, 0 when no time passed.
 *
 * @example
 * ```ts
 * import { perSecond } from "./format.ts";
 *
 * console.log(perSecond(500, 250)); // 2000
 * ```
 *
 * @param amount What was counted.
 * @param ms Over how long.
 * @returns The rate.
 */
export function perSecond(amount: number, ms: number): number {
  return ms > 0 ? (amount * 1000) / ms : 0;
}
