import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readmeWithTable } from "../../scripts/config-docs";

test("the README's configuration table matches the config schema (run `bun scripts/config-docs.ts --write`)", () => {
  const readme = readFileSync(join(import.meta.dir, "../../README.md"), "utf8");
  expect(readmeWithTable(readme)).toBe(readme);
});
