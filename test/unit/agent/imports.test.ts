/**
 * The agent process must never load the hub: walks the imports that `netronome agent` evaluates (main.ts, the CLI
 * dispatcher's static imports, then the agent command's whole graph) and checks where they lead.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "../../..");
const transpiler = new Bun.Transpiler({ loader: "ts" });

function resolveLocal(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")])
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // Try the next form.
    }
  throw new Error(`cannot resolve ${spec} from ${from}`);
}

/** Files and packages reachable from `entry`; dynamic imports are followed only when `followDynamic`. */
function importGraph(entry: string, followDynamic: boolean) {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    if (!file.endsWith(".ts")) return;
    for (const { path, kind } of transpiler.scanImports(readFileSync(file, "utf8"))) {
      if (kind === "dynamic-import" && !followDynamic) continue;
      if (path.startsWith(".")) visit(resolveLocal(file, path));
      else packages.add(path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : path.split("/")[0]!);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

describe("the agent's imports", () => {
  const launcher = importGraph(join(ROOT, "src/main.ts"), false);
  const agent = importGraph(join(ROOT, "src/cli/agent.ts"), true);

  test("the launcher (main.ts and the dispatcher) imports no command's code statically", () => {
    expect(launcher.files).toEqual(["src/cli/args.ts", "src/cli/index.ts", "src/main.ts"]);
  });

  test("the agent command reaches only agent/, measure/, protocol/, core/ and config/", () => {
    const outside = agent.files.filter(
      (f) =>
        !/^src\/(agent|measure|protocol|core|config)\//.test(f) &&
        !["src/cli/agent.ts", "src/cli/args.ts", "package.json"].includes(f),
    );
    expect(outside).toEqual([]);
    expect(agent.files).toContain("src/agent/agent.ts");
    expect(agent.files).toContain("src/measure/collectors/index.ts");
  });

  test("no web framework, database driver, views or GeoIP in the agent", () => {
    for (const p of agent.packages)
      expect([
        "@iarna/toml",
        "bun",
        "bun:ffi",
        "node:crypto",
        "node:fs",
        "node:fs/promises",
        "node:os",
        "node:path",
        "node:net",
        // The measurement endpoints: probes resolve names once before probing.
        "node:dns",
        "node:dns/promises",
      ]).toContain(p);
    expect(agent.packages).not.toContain("elysia");
    expect(
      agent.files.some((f) => f.startsWith("views/") || f.startsWith("src/db/") || f.startsWith("src/server/")),
    ).toBe(false);
  });
});
