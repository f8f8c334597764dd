/**
 * Finds, parses and validates config.toml, then applies NETRONOME__* overrides.
 * The result is frozen: nothing else reads the file or the environment.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import TOML from "@iarna/toml";
import type { Field } from "./field";
import { type Config, configSchema, defaultConfig, fields, getPath, isField, type SchemaNode, setPath } from "./schema";

export class ConfigError extends Error {}

export interface LoadedConfig {
  readonly config: Config;
  /** The file that was read, or null when only defaults and the environment apply. */
  readonly file: string | null;
  /** Folder of the config file (or the working directory): librespeed-servers.json and relative paths live here. */
  readonly dir: string;
  readonly warnings: readonly string[];
}

/** Older spellings that still work. */
const ALIASES: Record<string, string[]> = {
  "speedtest.packetloss.restore_monitors_on_startup": ["packetloss", "restore_monitors_on_startup"],
};

export const ENV_PREFIX = "NETRONOME__";

export function defaultConfigPath(): string {
  return join(homedir(), ".config", "netronome", "config.toml");
}

export function findConfigFile(explicit: string | undefined): string | null {
  if (explicit) {
    const path = resolve(explicit);
    if (!existsSync(path))
      throw new ConfigError(`config file ${path} not found (create it with: netronome generate-config --path ${path})`);
    return path;
  }
  for (const candidate of [defaultConfigPath(), resolve("config.toml")]) if (existsSync(candidate)) return candidate;
  return null;
}

const sectionLabel = (path: string[]) => `[${path.slice(0, -1).join(".")}] ${path[path.length - 1]}`;

function describe(f: Field<unknown>): string {
  switch (f.type) {
    case "int":
      return `an integer between ${f.min} and ${f.max}`;
    case "number":
      return `a number between ${f.min} and ${f.max}`;
    case "bool":
      return "true or false";
    case "list":
      return "a list of strings";
    case "choice":
      return `one of ${f.choices!.map((c) => `"${c}"`).join(", ")}`;
    default:
      return "a string";
  }
}

/** Checks a value from TOML (typed) or from the environment (a string). Returns the value or a problem. */
function coerce(f: Field<unknown>, value: unknown, fromEnv: boolean): { value: unknown } | { problem: string } {
  const bad = { problem: `must be ${describe(f)} (got ${JSON.stringify(value)})` };
  let v = value;
  switch (f.type) {
    case "int":
    case "number": {
      if (fromEnv && typeof v === "string" && v.trim() !== "") v = Number(v);
      if (typeof v !== "number" || Number.isNaN(v)) return bad;
      if (f.type === "int" && !Number.isInteger(v)) return bad;
      if (v < f.min! || v > f.max!) return bad;
      break;
    }
    case "bool": {
      if (fromEnv && typeof v === "string") {
        const s = v.trim().toLowerCase();
        if (["true", "1", "yes", "on"].includes(s)) v = true;
        else if (["false", "0", "no", "off", ""].includes(s)) v = false;
      }
      if (typeof v !== "boolean") return bad;
      break;
    }
    case "list": {
      if (fromEnv && typeof v === "string")
        v = v
          .split(f.spaceSeparated ? /[\s,]+/ : ",")
          .map((s) => s.trim())
          .filter(Boolean);
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) return bad;
      break;
    }
    case "choice": {
      if (typeof v !== "string" || !f.choices!.includes(v)) return bad;
      break;
    }
    default:
      if (typeof v !== "string") return bad;
  }
  const problem = (f.check as ((x: unknown) => string | null) | undefined)?.(v);
  return problem ? { problem } : { value: v };
}

function parseToml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    return TOML.parse(text) as Record<string, unknown>;
  } catch (e) {
    const err = e as Error & { line?: number; col?: number };
    const where = err.line !== undefined ? ` at line ${err.line + 1}, column ${(err.col ?? 0) + 1}` : "";
    const reason = err.message.split("\n")[0];
    throw new ConfigError(`config file ${file}: TOML syntax error${where}: ${reason}`);
  }
}

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Copies known keys from the parsed file, collecting unknown keys as warnings and bad values as errors. */
function applyFile(
  file: string,
  parsed: Record<string, unknown>,
  out: Record<string, unknown>,
  warnings: string[],
  errors: string[],
) {
  const visit = (node: Record<string, unknown>, schema: SchemaNode | undefined, path: string[]) => {
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, key];
      const alias = ALIASES[here.join(".")];
      const target = alias ? (getPath(configSchema, alias) as Field<unknown>) : schema?.[key];
      const targetPath = alias ?? here;
      const prefix = `${here.join(".")}.`;
      if (!target && isTable(value) && Object.keys(ALIASES).some((a) => a.startsWith(prefix))) {
        visit(value, undefined, here);
        continue;
      }
      if (!target) {
        warnings.push(`config file ${file}: unknown key ${here.length > 1 ? sectionLabel(here) : key} (ignored)`);
        continue;
      }
      if (isField(target)) {
        const r = coerce(target, value, false);
        if ("problem" in r) errors.push(`config file ${file}: ${sectionLabel(targetPath)} ${r.problem}`);
        else setPath(out, targetPath, r.value);
      } else if (isTable(value)) {
        visit(value, target, here);
      } else {
        errors.push(`config file ${file}: [${here.join(".")}] must be a table (section), got ${JSON.stringify(value)}`);
      }
    }
  };
  visit(parsed, configSchema as SchemaNode, []);
}

function applyEnv(env: Record<string, string | undefined>, out: Record<string, unknown>, errors: string[]) {
  for (const [path, f] of fields()) {
    if (!f.env) continue;
    const name = [ENV_PREFIX + f.env, f.bareEnv].find((n) => n !== undefined && env[n] !== undefined);
    if (name === undefined) continue;
    const r = coerce(f, env[name], true);
    if ("problem" in r) errors.push(`environment variable ${name}: ${r.problem}`);
    else setPath(out, path, r.value);
  }
}

/** Keys that only make sense together: problems that stop the start, and warnings. */
function crossCheck(out: Record<string, unknown>, errors: string[], warnings: string[]) {
  const oidc = out.oidc as Config["oidc"];
  const auth = out.auth as Config["auth"];
  if (oidc.issuer && !oidc.client_id) errors.push("[oidc] client_id is required when [oidc] issuer is set");
  if (!oidc.issuer && oidc.client_id) errors.push("[oidc] issuer is required when [oidc] client_id is set");
  if (!auth.password_login && !oidc.issuer && auth.whitelist.length === 0)
    errors.push(
      "[auth] password_login = false leaves no way to sign in: configure [oidc] (or an [auth] whitelist), or allow password sign-in",
    );
  if (URL.parse(oidc.issuer)?.protocol === "http:")
    warnings.push(
      `[oidc] issuer ${oidc.issuer} uses plain http: the provider's answers are not protected in transit (use this only for a provider on this machine or a trusted network)`,
    );
}

export function normaliseBaseUrl(base: string): string {
  const trimmed = base.trim().replace(/\/+$/, "");
  if (trimmed === "") return "";
  return trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

export function systemTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function loadConfig(
  opts: { path?: string; env?: Record<string, string | undefined>; cwd?: string } = {},
): LoadedConfig {
  const file = findConfigFile(opts.path);
  const out = defaultConfig() as unknown as Record<string, unknown>;
  const warnings: string[] = [];
  const errors: string[] = [];
  if (file) applyFile(file, parseToml(file), out, warnings, errors);
  applyEnv(opts.env ?? process.env, out, errors);
  crossCheck(out, errors, warnings);
  if (errors.length) throw new ConfigError(errors.join("\n"));
  return finalise(out, file, file ? dirname(file) : resolve(opts.cwd ?? process.cwd()), warnings);
}

/** Builds a validated config from defaults plus overrides (same shape as the TOML file), for tests and tools. */
export function configFrom(overrides: Record<string, Record<string, unknown>>, dir = process.cwd()): LoadedConfig {
  const out = defaultConfig() as unknown as Record<string, unknown>;
  const errors: string[] = [];
  const warnings: string[] = [];
  applyFile("(overrides)", overrides, out, errors, errors);
  crossCheck(out, errors, warnings);
  if (errors.length) throw new ConfigError(errors.join("\n"));
  return finalise(out, null, dir, warnings);
}

function finalise(out: Record<string, unknown>, file: string | null, dir: string, warnings: string[]): LoadedConfig {
  const db = out.database as Record<string, unknown>;
  const dbPath = db.path as string;
  if (dbPath !== ":memory:" && !isAbsolute(dbPath)) db.path = join(dir, dbPath);
  const server = out.server as Record<string, unknown>;
  server.base_url = normaliseBaseUrl(server.base_url as string);
  if (!server.timezone) server.timezone = systemTimezone();
  return { config: deepFreeze(out) as unknown as Config, file, dir, warnings };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
