// Prints the one-line "N passed, N failed" summary from bun's JUnit report, and exits with the test run's code.
import { existsSync, readFileSync } from "node:fs";

const [file = ".junit.xml", code = "1"] = process.argv.slice(2);
const rc = Number(code);
if (!existsSync(file)) {
  console.log(`0 passed, ${rc === 0 ? 0 : 1} failed`);
  process.exit(rc || 1);
}
const xml = readFileSync(file, "utf8");
const root = xml.match(/<testsuites\b[^>]*>/)?.[0] ?? "";
const attr = (name: string) => Number(root.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
const tests = attr("tests");
const failed = attr("failures") + attr("errors");
const skipped = attr("skipped");
// A run that crashed outside any test still counts as a failure.
const failures = failed === 0 && rc !== 0 ? 1 : failed;
console.log(`${tests - failed - skipped} passed, ${failures} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(rc);
