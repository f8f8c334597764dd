/** Tables for the terminal and for Markdown, and the one-section-per-bench-file layout of bench/RESULTS.md. */
import type { Measurement } from "./report";

const HEADERS = ["Measurement", "Result", "Target", "Verdict"] as const;

function cells(m: Measurement): string[] {
  return [m.name, m.value, m.target ?? "–", m.verdict ?? "–"];
}

export function terminalTable(measurements: readonly Measurement[]): string {
  const rows = [[...HEADERS], ...measurements.map(cells)];
  const widths = HEADERS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ");
  return [line(rows[0]!), widths.map((w) => "─".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

export function markdownTable(measurements: readonly Measurement[]): string {
  const escapePipes = (cell: string) => cell.replaceAll("|", "\\|");
  const line = (row: readonly string[]) => `| ${row.map(escapePipes).join(" | ")} |`;
  return [line(HEADERS), line(HEADERS.map(() => "---")), ...measurements.map((m) => line(cells(m)))].join("\n");
}

export const RESULTS_PREAMBLE = `# Benchmark results

Written by \`bun run bench\` (bench/run.ts). Each \`## \` section belongs to one \`bench/*.bench.ts\` file, named in
the comment under its heading, and is rewritten whenever that file runs; the rest of this file is kept. The figures
come from the machine, date and command stated in each section. These machines are shared and noisy, so speed is
judged as a ratio to a baseline measured in the same run wherever one exists. A new bench file default-exports a
\`Benchmark\` (bench/lib/report.ts); \`bun run bench <name>\` runs only bench/<name>.bench.ts.
`;

/** The comment that ties a section to its bench file, so a renamed heading still replaces its old section. */
export function sectionMarker(benchFile: string): string {
  return `<!-- source: ${benchFile} -->`;
}

/**
 * Replaces the `## ` section carrying `marker` with `section` (or appends it), leaving every other section and the
 * text before the first section untouched.
 */
export function replaceSection(document: string, marker: string, section: string): string {
  const parts = (document.trim() ? document : RESULTS_PREAMBLE).split(/^(?=## )/m);
  const body = `${section.trim()}\n`;
  const index = parts.findIndex((part) => part.startsWith("## ") && part.includes(marker));
  if (index === -1) parts.push(body);
  else parts[index] = body;
  return parts.map((part) => `${part.trim()}\n`).join("\n");
}
