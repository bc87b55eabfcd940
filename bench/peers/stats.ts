/**
 * Medians, percentiles and number formats for bench/peers.ts.
 *
 * @module
 */

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @param values The numbers.
 * @returns The median, or NaN for none.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The `p`-th percentile by the nearest-rank method (p99 of 300 values is the 297th).
 *
 * @param values The numbers.
 * @param p The percentile, 0 to 100.
 * @returns The percentile, or NaN for none.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * A count in thousands, as "402k".
 *
 * @param n The count.
 * @returns The text.
 */
export function thousands(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n / 1000)}k` : "-";
}

/**
 * A number with `digits` decimals, or "-" when it is not finite.
 *
 * @param n The number.
 * @param digits Decimals.
 * @returns The text.
 */
export function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

/**
 * A Markdown table.
 *
 * @param head The column titles.
 * @param rows The cells.
 * @returns The table's lines joined by newlines.
 */
export function markdownTable(head: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}
