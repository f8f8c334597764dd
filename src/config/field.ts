/** The shape of one configuration key, the builders the sections declare keys with, and checks several share. */
import { parseDuration } from "../core/duration";
import { parseCidr } from "../core/net";

interface FieldBase<T> {
  readonly kind: "field";
  readonly type: "string" | "int" | "number" | "bool" | "list" | "choice";
  readonly default: T;
  /** Name after the `NETRONOME__` prefix, e.g. `DB_TYPE`. */
  readonly env?: string;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Checks a value beyond its type; returns a problem description or null. */
  readonly check?: (value: T) => string | null;
  /** Omitted from `generate-config` output (kept for compatibility only). */
  readonly hidden?: boolean;
  /** Also read from this variable without the prefix (the Go version documented some that way); the prefixed one wins. */
  readonly bareEnv?: string;
  /** A list whose environment variable may separate items with spaces as well as commas. */
  readonly spaceSeparated?: boolean;
}
export type Field<T> = FieldBase<T>;

export const str = (
  def: string,
  env: string | undefined,
  doc: string,
  extra: Partial<Field<string>> = {},
): Field<string> => ({
  kind: "field",
  type: "string",
  default: def,
  env,
  doc,
  ...extra,
});
export const int = (def: number, env: string | undefined, doc: string, min: number, max: number): Field<number> => ({
  kind: "field",
  type: "int",
  default: def,
  env,
  doc,
  min,
  max,
});
export const num = (def: number, env: string | undefined, doc: string, min: number, max: number): Field<number> => ({
  kind: "field",
  type: "number",
  default: def,
  env,
  doc,
  min,
  max,
});
export const bool = (
  def: boolean,
  env: string | undefined,
  doc: string,
  extra: Partial<Field<boolean>> = {},
): Field<boolean> => ({
  kind: "field",
  type: "bool",
  default: def,
  env,
  doc,
  ...extra,
});
export const list = (
  def: string[],
  env: string | undefined,
  doc: string,
  extra: Partial<Field<string[]>> = {},
): Field<string[]> => ({
  kind: "field",
  type: "list",
  default: def,
  env,
  doc,
  ...extra,
});
export function choice<const C extends readonly string[]>(
  choices: C,
  def: C[number],
  env: string | undefined,
  doc: string,
): Field<C[number]> {
  return { kind: "field", type: "choice", default: def, env, doc, choices };
}

export const durationCheck = (v: string) =>
  parseDuration(v) === null ? 'must be a duration such as "30s", "5m", "1h" or "7d"' : null;
/** A duration between `min` and `max` (both written as durations). */
export const durationBetween = (min: string, max: string) => (v: string) => {
  const ms = parseDuration(v);
  if (ms === null) return durationCheck(v);
  return ms < parseDuration(min)! || ms > parseDuration(max)! ? `must be between ${min} and ${max}` : null;
};
/** A duration key's value in milliseconds (keys are checked at load, so it parses). */
export function durationMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new Error(`not a duration: ${value}`);
  return ms;
}
export const cidrListCheck = (ranges: readonly string[]) => {
  const bad = ranges.filter((r) => parseCidr(r) === null);
  return bad.length ? `has malformed CIDR ranges: ${bad.join(", ")}` : null;
};
export const urlCheck = (v: string) => {
  if (v === "") return null;
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:" ? null : "must be an http(s) URL";
  } catch {
    return "must be an http(s) URL";
  }
};
