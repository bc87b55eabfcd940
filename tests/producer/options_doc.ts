/**
 * The README's options table, rendered from `OPTION_SPECS`. `options_test.ts` checks
 * the README against it; `deno task options-doc` runs this file to rewrite the table
 * in place (then `deno fmt` pads its columns).
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import {
  choiceList,
  OPTION_SPECS,
  type OptionSpec,
  type ProducerOptionName,
} from "../../src/producer/option_specs.ts";

/** The README this table belongs in. */
export const README_URL: URL = new URL("../../README.md", import.meta.url);

/** The heading the options table follows. */
const HEADING = "### Options";

/** The table's columns. */
export const OPTIONS_TABLE_HEADER: readonly string[] = [
  "option",
  "Java config",
  "type",
  "default",
  "range",
  "meaning",
];

const code = (value: unknown): string => `\`${JSON.stringify(value)}\``;

/**
 * What an option's values are, as the type column shows it.
 *
 * @param spec The option's spec.
 * @returns The type in words.
 */
export function optionType(spec: OptionSpec): string {
  switch (spec.kind) {
    case "addresses":
      return "string or string[]";
    case "topic":
    case "string":
      return "string";
    case "integer":
      return "integer";
    case "duration":
      return "integer (ms)";
    case "choice": {
      const types = new Set(
        (spec.values ?? []).map((v) => typeof v === "number" ? "integer" : typeof v),
      );
      if (spec.orFunction === true) types.add("function");
      return [...types].join(" or ");
    }
    case "boolean":
      return "boolean";
    case "function":
      return "function";
    case "tls":
      return "boolean or object";
    case "sasl":
    case "logger":
      return "object";
  }
}

/**
 * The values an option takes, as the range column shows them.
 *
 * @param spec The option's spec.
 * @returns The range in words.
 */
export function optionRange(spec: OptionSpec): string {
  if (spec.range !== undefined) return spec.range;
  const min = spec.min ?? 0;
  switch (spec.kind) {
    case "integer":
      return spec.max === undefined ? `at least ${min}` : `${min} to ${spec.max}`;
    case "duration":
      return `at least ${min}, or \`Infinity\``;
    case "choice":
      return choiceList(spec, code);
    case "string":
      return min > 0 ? "non-empty" : "any";
    case "boolean":
      return "`true` or `false`";
    case "function":
      return "a function";
    default:
      throw new Error(`The spec of a ${spec.kind} option must say its range`);
  }
}

/**
 * The table's rows, one per option in `OPTION_SPECS` order, as cells (Markdown,
 * without escaping).
 *
 * @returns The rows.
 */
export function optionRows(): string[][] {
  return (Object.entries(OPTION_SPECS) as [ProducerOptionName, OptionSpec][]).map((
    [name, spec],
  ) => [
    `\`${name}\``,
    spec.java.map((j) => `\`${j}\``).join(", "),
    optionType(spec),
    spec.required === true ? "(required)" : spec.default === undefined ? "" : code(spec.default),
    optionRange(spec),
    spec.doc,
  ]);
}

/**
 * The table as Markdown lines (unpadded; `deno fmt` pads them).
 *
 * @returns The lines, header and separator first.
 */
export function renderOptionsTable(): string[] {
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  return [
    line(OPTIONS_TABLE_HEADER),
    line(OPTIONS_TABLE_HEADER.map(() => "---")),
    ...optionRows().map(line),
  ];
}

/**
 * Finds the options table in a README: the first table after its `### Options` heading.
 *
 * @param readme The README's text.
 * @returns The table's first and past-last line index, and its rows as cells
 * (unescaped, trimmed), header and separator included.
 */
export function findOptionsTable(readme: string): { start: number; end: number; rows: string[][] } {
  const lines = readme.split("\n");
  const heading = lines.indexOf(HEADING);
  if (heading < 0) throw new Error(`README has no "${HEADING}" heading`);
  let start = heading + 1;
  while (start < lines.length && !lines[start]!.startsWith("|")) start++;
  let end = start;
  while (end < lines.length && lines[end]!.startsWith("|")) end++;
  if (end === start) throw new Error(`README has no table after "${HEADING}"`);
  const rows = lines.slice(start, end).map((row) =>
    row.trim().replace(/^\|/, "").replace(/(?<!\\)\|$/, "").split(/(?<!\\)\|/).map((cell) =>
      cell.trim().replaceAll("\\|", "|")
    )
  );
  return { start, end, rows };
}

if (import.meta.main) {
  const readme = readFileSync(README_URL, "utf8");
  const { start, end } = findOptionsTable(readme);
  const lines = readme.split("\n");
  lines.splice(start, end - start, ...renderOptionsTable());
  writeFileSync(README_URL, lines.join("\n"));
  console.log(
    `Wrote the options table (${Object.keys(OPTION_SPECS).length} options) into README.md`,
  );
}
