import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseFlags } from "../../src/cli/args.ts";
import { UsageError } from "../../src/cli/command.ts";

const spec = {
  "--topic": { kind: "string", alias: "-t" },
  "--partition": { kind: "integer", alias: "-p", min: 0 },
  "--quiet": { kind: "boolean", alias: "-q" },
  "-X": { kind: "list" },
} as const;

describe("parseFlags()", () => {
  test("parseFlags() takes --name value, --name=value, aliases with or without a space, lists", () => {
    assert.deepEqual(
      parseFlags(["--topic", "a", "-p0", "-q", "-X", "acks=1", "-Xlinger.ms=5"], spec),
      { "--topic": "a", "--partition": 0, "--quiet": true, "-X": ["acks=1", "linger.ms=5"] },
    );
    assert.deepEqual(parseFlags(["--topic=a=b", "-t"].slice(0, 1), spec), { "--topic": "a=b" });
    assert.deepEqual(parseFlags(["-t", "-weird-but-a-value"], spec), {
      "--topic": "-weird-but-a-value",
    });
    assert.deepEqual(parseFlags([], spec), {});
  });

  test("parseFlags() refuses unknown flags, missing values, bad integers, repeats and positionals", () => {
    const cases: [string[], RegExp][] = [
      [["--nope"], /unknown option --nope/],
      [["-z"], /unknown option -z/],
      [["--topic"], /--topic needs a value/],
      [["--partition", "x"], /--partition needs an integer of at least 0: current value is x/],
      [["--partition", "-1"], /at least 0: current value is -1/],
      [["--partition", "1.5"], /current value is 1.5/],
      [["--topic", "a", "--topic", "b"], /--topic is given twice/],
      [["--quiet=yes"], /--quiet takes no value/],
      [["file.txt"], /unexpected argument "file.txt"/],
    ];
    for (const [args, message] of cases) {
      assert.throws(() => parseFlags(args, spec), (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.match(e.message, message);
        return true;
      }, args.join(" "));
    }
  });
});
