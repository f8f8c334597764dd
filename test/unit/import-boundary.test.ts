/**
 * The measurement layer and the agent stay out of the hub. Rules, checked on the import graph (not by grepping
 * one file):
 * - src/measure and src/protocol import only src/measure, src/protocol, src/core, and src/config for types;
 *   of packages, only Node's and Bun's built-ins;
 * - src/agent and src/cli/agent.ts import only those, src/config, src/agent and the CLI's argument parser; no
 *   database or GeoIP package;
 * - everything these files pull in at run time, followed to the end, stays within the same folders, so no
 *   core or config file drags a feature into the agent.
 * Run-time imports come from Bun.Transpiler's scanImports (what the bundler follows); type-only imports from
 * TypeScript's preProcessFile.
 */
import { describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dir, "../..");

interface Rule {
  /** Folders (or files) under src/ the rule applies to. */
  scope: string[];
  /** src/ folders the files may import from at run time. */
  runtime: string[];
  /** src/ folders the files may import types from (in addition to `runtime`). */
  typesOnly: string[];
  /** Packages allowed besides Node's and Bun's built-ins ("*": any not in `deniedPackages`). */
  packages: "builtins" | "*";
}

const MEASURE_RULE: Rule = {
  scope: ["measure", "protocol"],
  runtime: ["measure", "protocol", "core"],
  typesOnly: ["config"],
  packages: "builtins",
};
const AGENT_RULE: Rule = {
  scope: ["agent", "cli/agent.ts"],
  // cli/args.ts: the command line parser, which the agent command reads its flags with.
  runtime: ["measure", "protocol", "core", "config", "agent", "cli/args.ts"],
  typesOnly: [],
  packages: "*",
};
/** What the agent must never load: the hub's database drivers and GeoIP. */
const DENIED_PACKAGES = ["drizzle-orm", "drizzle-kit", "postgres", "maxmind", "playwright-core"];
/** Where the run-time closure of every rule's files may lead. */
const CLOSURE = ["measure", "protocol", "core", "config", "agent", "cli/agent.ts", "cli/args.ts"];

const transpiler = new Bun.Transpiler({ loader: "ts" });

function isBuiltin(specifier: string): boolean {
  return (
    specifier === "bun" ||
    specifier.startsWith("bun:") ||
    specifier.startsWith("node:") ||
    builtinModules.includes(specifier)
  );
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

function resolveFile(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

function imports(file: string): { runtime: string[]; all: string[] } {
  const code = readFileSync(file, "utf8");
  return {
    runtime: transpiler.scanImports(code).map((i) => i.path),
    all: ts.preProcessFile(code, true, true).importedFiles.map((f) => f.fileName),
  };
}

function sourceFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(path, f));
}

/** `src/`-relative location of a file, e.g. "measure/probes/ping.ts"; null outside src/. */
function srcPath(root: string, file: string): string | null {
  const rel = relative(join(root, "src"), file);
  return rel.startsWith("..") ? null : rel;
}

const within = (path: string, folders: string[]) => folders.some((f) => path === f || path.startsWith(`${f}/`));

/** Every violation of the rules in the tree at `root`, as "importer → import: why". */
function boundaryViolations(root: string): string[] {
  const problems: string[] = [];
  const closureStart: string[] = [];
  for (const rule of [MEASURE_RULE, AGENT_RULE]) {
    for (const file of rule.scope.flatMap((s) => sourceFiles(join(root, "src", s)))) {
      closureStart.push(file);
      const { runtime, all } = imports(file);
      const from = srcPath(root, file)!;
      for (const specifier of new Set(all)) {
        if (!specifier.startsWith(".")) {
          if (isBuiltin(specifier)) continue;
          if (rule.packages === "*" && !DENIED_PACKAGES.includes(packageName(specifier))) continue;
          problems.push(`${from} → ${specifier}: package not allowed here`);
          continue;
        }
        const target = srcPath(root, resolveFile(file, specifier));
        if (target === null) {
          problems.push(`${from} → ${specifier}: outside src/`);
          continue;
        }
        const isRuntime = runtime.includes(specifier);
        if (within(target, rule.runtime)) continue;
        if (within(target, rule.typesOnly) && !isRuntime) continue;
        problems.push(
          `${from} → ${target}: ${within(target, rule.typesOnly) ? "only types may be imported from here" : "not allowed"}`,
        );
      }
    }
  }
  // The run-time closure: follow every run-time import, through core and config too.
  const seen = new Set<string>();
  const queue = [...closureStart];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of imports(file).runtime) {
      if (!specifier.startsWith(".")) {
        if (DENIED_PACKAGES.includes(packageName(specifier)))
          problems.push(`${srcPath(root, file)} → ${specifier}: reachable from the measurement layer or agent`);
        continue;
      }
      const resolved = resolveFile(file, specifier);
      const target = srcPath(root, resolved);
      // Data files outside src/ (package.json for the version) carry no code.
      if (target === null) continue;
      if (!within(target, CLOSURE)) {
        problems.push(`${srcPath(root, file)} → ${target}: reachable from the measurement layer or agent`);
        continue;
      }
      queue.push(resolved);
    }
  }
  return [...new Set(problems)];
}

describe("import boundary", () => {
  test("src/measure, src/protocol and the agent import nothing of the hub", () => {
    expect(sourceFiles(join(ROOT, "src/measure")).length).toBeGreaterThan(10);
    expect(boundaryViolations(ROOT)).toEqual([]);
  });

  test("the check finds each kind of violation in a tree made to break the rules", () => {
    const root = mkdtempSync(join(tmpdir(), "netronome-boundary-"));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    try {
      write("src/db/index.ts", "export const db = 1;\n");
      write("src/config/schema.ts", "export const defaults = 1;\nexport type Config = { a: number };\n");
      write("src/core/log.ts", 'import { db } from "../db";\nexport const log = db;\n');
      write(
        "src/measure/a.ts",
        'import type { Config } from "../config/schema";\nimport { defaults } from "../config/schema";\n' +
          'import type { Row } from "../speedtest/rows";\nimport { t } from "elysia";\nimport { log } from "../core/log";\n' +
          "export const a = [defaults, t, log] as unknown as Config & Row;\n",
      );
      write("src/speedtest/rows.ts", "export type Row = { id: number };\n");
      write(
        "src/agent/main.ts",
        'import postgres from "postgres";\nimport { a } from "../measure/a";\nexport default [postgres, a];\n',
      );
      expect(boundaryViolations(root).sort()).toEqual(
        [
          "agent/main.ts → postgres: package not allowed here",
          "core/log.ts → db/index.ts: reachable from the measurement layer or agent",
          "measure/a.ts → config/schema.ts: only types may be imported from here",
          "measure/a.ts → elysia: package not allowed here",
          "measure/a.ts → speedtest/rows.ts: not allowed",
          "agent/main.ts → postgres: reachable from the measurement layer or agent",
        ].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
