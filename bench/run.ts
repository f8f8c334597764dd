/**
 * `bun run bench [name…]`: runs every bench/<name>.bench.ts (or only those named), prints each one's table, and
 * rewrites that file's section of bench/RESULTS.md with the date, the machine and the command.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { markdownTable, replaceSection, sectionMarker, terminalTable } from "./lib/markdown";
import { benchDir, resultsPath } from "./lib/paths";
import { killAllChildren } from "./lib/process";
import { describeMachine, loadAverage, machineFacts } from "./lib/procfs";
import type { Benchmark, BenchReport } from "./lib/report";

const BENCH_SUFFIX = ".bench.ts";

function availableBenches(): string[] {
  return [...new Bun.Glob(`*${BENCH_SUFFIX}`).scanSync(benchDir)]
    .map((file) => file.slice(0, -BENCH_SUFFIX.length))
    .sort();
}

/** How this run was started, as someone would retype it. */
function commandLine(args: readonly string[]): string {
  const runner = process.env.npm_lifecycle_event === "bench" ? "bun run bench" : "bun bench/run.ts";
  return [runner, ...args].join(" ");
}

function isBenchmark(value: unknown): value is Benchmark {
  const candidate = value as Partial<Benchmark> | undefined;
  return typeof candidate?.title === "string" && typeof candidate.run === "function";
}

interface RunContext {
  readonly file: string;
  readonly command: string;
  readonly startedAt: Date;
  readonly loadBefore: number;
  readonly loadAfter: number;
}

function renderSection(bench: Benchmark, report: BenchReport, run: RunContext): string {
  const when = `${run.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const load = `1-minute load average ${run.loadBefore.toFixed(2)} before the run and ${run.loadAfter.toFixed(2)} after`;
  return [
    `## ${bench.title}`,
    sectionMarker(run.file),
    "",
    `Measured ${when} with \`${run.command}\` on ${describeMachine(machineFacts())}; ${load}.`,
    "",
    markdownTable(report.measurements),
    "",
    ...report.notes.map((note) => `- ${note}`),
  ].join("\n");
}

function recordSection(file: string, section: string): void {
  const current = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8") : "";
  writeFileSync(resultsPath, replaceSection(current, sectionMarker(file), section));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const available = availableBenches();
  const unknown = args.filter((name) => !available.includes(name));
  if (unknown.length) {
    console.error(`unknown benchmark: ${unknown.join(", ")} (available: ${available.join(", ")})`);
    return 2;
  }
  const selected = args.length ? args : available;
  const command = commandLine(args);
  let failed = 0;
  for (const name of selected) {
    const file = `bench/${name}${BENCH_SUFFIX}`;
    console.log(`\n${file}`);
    try {
      const module: { default?: unknown } = await import(`${benchDir}/${name}${BENCH_SUFFIX}`);
      if (!isBenchmark(module.default)) throw new Error(`${file} must export default a Benchmark (title and run())`);
      const bench = module.default;
      const startedAt = new Date();
      const loadBefore = loadAverage();
      const report = await bench.run();
      const loadAfter = loadAverage();
      console.log(terminalTable(report.measurements));
      recordSection(file, renderSection(bench, report, { file, command, startedAt, loadBefore, loadAfter }));
    } catch (error) {
      failed++;
      console.error(`${file} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  console.log(`\n${selected.length - failed} of ${selected.length} benchmarks recorded in bench/RESULTS.md`);
  return failed ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
const code = await main();
killAllChildren();
process.exit(code);
