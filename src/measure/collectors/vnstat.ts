/**
 * vnStat, the tool: its live JSON lines, its database export (`--json`), normalised to JSON version 2 whichever
 * vnStat wrote it, and its version. vnStat writes its errors to stdout, so they are read from there.
 */
import { CommandNotFound, run } from "../../core/runner";
import type { LiveSample, VnstatEntry, VnstatInterface } from "../../protocol/agent";

export type VnstatProblem = "not_installed" | "no_database" | "unknown_interface" | "failed" | "busy";

export class VnstatError extends Error {
  constructor(
    readonly problem: VnstatProblem,
    message: string,
  ) {
    super(message);
  }
}

/** vnStat's database export in JSON version 2. */
export interface VnstatExport {
  vnstatversion: string;
  jsonversion: "2";
  interfaces: VnstatInterface[];
}

const QUERY_TIMEOUT_MS = 15_000;

/** A `vnstat --live --json` sample line, or null for the header, the final summary and anything else. */
export function parseLiveLine(line: string): LiveSample | null {
  if (!line.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const v = value as Partial<LiveSample>;
  if (
    typeof v.index !== "number" ||
    typeof v.rx?.bytespersecond !== "number" ||
    typeof v.tx?.bytespersecond !== "number"
  )
    return null;
  return v as LiveSample;
}

/** The first line of `vnstat --version` ("vnStat 2.10 by Teemu Toivola …"), or "" without vnStat. */
export async function vnstatVersion(): Promise<string> {
  try {
    const r = await run(["vnstat", "--version"], { timeoutMs: QUERY_TIMEOUT_MS });
    return r.exitCode === 0 ? (r.stdout.split("\n")[0]?.trim() ?? "") : "";
  } catch (e) {
    if (e instanceof CommandNotFound) return "";
    throw e;
  }
}

function classify(output: string): VnstatError {
  const message = output.trim().split("\n")[0] || "vnstat failed without a message";
  if (/No interface matching/i.test(message)) return new VnstatError("unknown_interface", message);
  if (/Failed to open database|database/i.test(message)) return new VnstatError("no_database", message);
  return new VnstatError("failed", message);
}

/**
 * vnStat exports that run at once. Each holds vnStat's whole output in memory, and a request is cheap to send: identical
 * requests share one run, others wait their turn (at most MAX_WAITING_EXPORTS of them; beyond, "busy").
 */
export const VNSTAT_EXPORTS_AT_ONCE = 2;
const MAX_WAITING_EXPORTS = 32;
const exportsRunning = new Map<string, Promise<VnstatExport>>();
const exportsWaiting: (() => void)[] = [];
let exportSlots = VNSTAT_EXPORTS_AT_ONCE;

/** `vnstat --json <mode> [-i iface]`, normalised to JSON version 2; concurrent identical calls share one run. */
export function vnstatExport(mode: "a" | "m", iface?: string): Promise<VnstatExport> {
  const key = `${mode} ${iface ?? ""}`;
  const shared = exportsRunning.get(key);
  if (shared) return shared;
  if (exportSlots === 0 && exportsWaiting.length >= MAX_WAITING_EXPORTS)
    return Promise.reject(new VnstatError("busy", "too many history requests at once; try again shortly"));
  const exporting = (async () => {
    if (exportSlots > 0) exportSlots--;
    else await new Promise<void>((resolve) => exportsWaiting.push(resolve));
    try {
      return await runExport(mode, iface);
    } finally {
      // The slot passes straight to the next in line, so nothing can slip in between.
      const next = exportsWaiting.shift();
      if (next) next();
      else exportSlots++;
    }
  })().finally(() => exportsRunning.delete(key));
  exportsRunning.set(key, exporting);
  return exporting;
}

async function runExport(mode: "a" | "m", iface?: string): Promise<VnstatExport> {
  const argv = ["vnstat", "--json", mode, ...(iface ? ["-i", iface] : [])];
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(argv, { timeoutMs: QUERY_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof CommandNotFound) throw new VnstatError("not_installed", "vnstat is not installed");
    throw e;
  }
  if (result.timedOut) throw new VnstatError("failed", `vnstat did not answer within ${QUERY_TIMEOUT_MS / 1000} s`);
  if (result.exitCode !== 0) throw classify(result.stdout || result.stderr);
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw classify(result.stdout);
  }
  return normaliseVnstatJson(parsed);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Unix seconds of a local date and hour, as vnStat 2 stamps its buckets (the agent's time zone). */
function localTimestamp(date: Json, hour = 0): number {
  return Math.floor(
    new Date(num(date.year), Math.max(0, num(date.month || 1) - 1), num(date.day || 1), hour).getTime() / 1000,
  );
}

function v1Entry(entry: Json, withHour: boolean): VnstatEntry {
  const date = isObject(entry.date) ? entry.date : {};
  const hour = withHour ? num(entry.id) : 0;
  const out: VnstatEntry = {
    id: num(entry.id),
    date: {
      year: num(date.year),
      ...(date.month !== undefined && { month: num(date.month) }),
      ...(date.day !== undefined && { day: num(date.day) }),
    },
    timestamp: localTimestamp(date, hour),
    // vnStat 1.x counted in KiB.
    rx: num(entry.rx) * 1024,
    tx: num(entry.tx) * 1024,
  };
  if (withHour) out.time = { hour, minute: 0 };
  return out;
}

const byTime = (a: VnstatEntry, b: VnstatEntry) => (a.timestamp ?? 0) - (b.timestamp ?? 0);

/** vnStat 1.x (JSON version 1: id/nick, plural lists, KiB, hour of day in `id`) as JSON version 2. */
function interfaceFromV1(iface: Json): VnstatInterface {
  const traffic = isObject(iface.traffic) ? iface.traffic : {};
  const total = isObject(traffic.total) ? traffic.total : {};
  return {
    name: String(iface.id ?? iface.name ?? ""),
    alias: String(iface.nick ?? iface.alias ?? ""),
    traffic: {
      total: { rx: num(total.rx) * 1024, tx: num(total.tx) * 1024 },
      hour: list(traffic.hours)
        .map((e) => v1Entry(e, true))
        .sort(byTime),
      day: list(traffic.days)
        .map((e) => v1Entry(e, false))
        .sort(byTime),
      month: list(traffic.months)
        .map((e) => v1Entry(e, false))
        .sort(byTime),
      top: list(traffic.tops).map((e) => v1Entry(e, false)),
    },
  };
}

/** Any vnStat `--json` export as JSON version 2; version 2 passes through unchanged. */
export function normaliseVnstatJson(data: unknown): VnstatExport {
  if (!isObject(data) || !Array.isArray(data.interfaces))
    throw new VnstatError("failed", "vnstat's JSON has no interfaces list");
  const version = String(data.jsonversion ?? "");
  const interfaces = list(data.interfaces);
  return {
    vnstatversion: String(data.vnstatversion ?? ""),
    jsonversion: "2",
    interfaces: version === "1" ? interfaces.map(interfaceFromV1) : (interfaces as unknown as VnstatInterface[]),
  };
}
