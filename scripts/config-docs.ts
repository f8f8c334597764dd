// Renders the configuration table for the README from src/config/schema.ts.
// `bun scripts/config-docs.ts --write` updates README.md between the config-table markers.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fields } from "../src/config/schema";

const START = "<!-- config-table:start -->";
const END = "<!-- config-table:end -->";

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `\`${v.join(",")}\`` : "(empty)";
  if (v === "") return "(empty)";
  return `\`${String(v)}\``;
}

export function configTable(): string {
  const rows = ["| Key | Environment variable | Default | Meaning |", "| --- | --- | --- | --- |"];
  for (const [path, f] of fields()) {
    if (f.hidden) continue;
    const key = `\`[${path.slice(0, -1).join(".")}] ${path[path.length - 1]}\``;
    const env = f.env ? `\`NETRONOME__${f.env}\`${f.bareEnv ? ` or \`${f.bareEnv}\`` : ""}` : "";
    rows.push(`| ${key} | ${env} | ${show(f.default)} | ${f.doc} |`);
  }
  return rows.join("\n");
}

export function readmeWithTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error("README.md has no config-table markers");
  return `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`;
}

if (import.meta.main) {
  const file = join(import.meta.dir, "..", "README.md");
  const updated = readmeWithTable(readFileSync(file, "utf8"));
  if (process.argv.includes("--write")) writeFileSync(file, updated);
  else console.log(configTable());
}
