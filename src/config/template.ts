/** Renders a complete, commented config.toml from the schema (used by `generate-config`). */
import { existsSync, readFileSync } from "node:fs";
import type { Field } from "./field";
import { configSchema, isField, type SchemaNode } from "./schema";

function tomlValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  return String(v);
}

export function renderConfigToml(overrides: Record<string, unknown> = {}): string {
  const lines = [
    "# Netronome configuration",
    "# Every key can also be set with a NETRONOME__* environment variable (see the README).",
  ];
  const section = (node: SchemaNode, path: string[]) => {
    const own = Object.entries(node).filter((e): e is [string, Field<unknown>] => isField(e[1]) && !e[1].hidden);
    if (own.length) {
      lines.push("", `[${path.join(".")}]`);
      for (const [key, f] of own) {
        const dotted = [...path, key].join(".");
        const value = dotted in overrides ? overrides[dotted] : f.default;
        lines.push(
          `# ${f.doc.replaceAll("`", "")}${f.env ? ` (NETRONOME__${f.env})` : ""}`,
          `${key} = ${tomlValue(value)}`,
        );
      }
    }
    for (const [key, child] of Object.entries(node)) if (!isField(child)) section(child, [...path, key]);
  };
  section(configSchema as SchemaNode, []);
  return `${lines.join("\n")}\n`;
}

/** True inside Docker, Podman, LXC or Kubernetes, where listening on 127.0.0.1 would make the UI unreachable. */
export function runningInContainer(): boolean {
  if (process.env.container || existsSync("/.dockerenv") || existsSync("/run/.containerenv")) return true;
  try {
    return /docker|kubepods|containerd|lxc|podman/.test(readFileSync("/proc/1/cgroup", "utf8"));
  } catch {
    return false;
  }
}
