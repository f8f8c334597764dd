/**
 * Measurement requests off the wire (an agent's measurement endpoints): each field's type and range checked, hosts
 * checked before they can reach an argv, unknown fields dropped. A bad request throws BadInput naming its field,
 * so nothing starts. The hub builds these requests from input it has validated already; this is the agent's edge.
 */
import { BadInput } from "../core/errors";
import { hostProblem, parseTarget } from "../core/host";
import type {
  LibreSpeedServerEntry,
  ProbeRequest,
  SpeedTestRequest,
  TracerouteRequest,
} from "../protocol/measurements";
import { isProviderId } from "./providers/registry";

type Fields = Record<string, unknown>;

function object(body: unknown): Fields {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new BadInput("the request body must be a JSON object");
  return body as Fields;
}

function bool(f: Fields, key: string, fallback?: boolean): boolean {
  const value = f[key] === undefined ? fallback : f[key];
  if (typeof value !== "boolean") throw new BadInput(`${key}: must be true or false`, key);
  return value;
}

function number(f: Fields, key: string, min: number, max: number, whole = false): number {
  const value = f[key];
  const ok = typeof value === "number" && Number.isFinite(value) && (!whole || Number.isInteger(value));
  if (!ok || value < min || value > max)
    throw new BadInput(`${key}: must be ${whole ? "a whole number" : "a number"} from ${min} to ${max}`, key);
  return value;
}

function text(f: Fields, key: string, maxLength: number): string | undefined {
  const value = f[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new BadInput(`${key}: must be a string`, key);
  if (value.length > maxLength) throw new BadInput(`${key}: at most ${maxLength} characters`, key);
  return value;
}

/** A bare host (no port) as a probe or trace needs it, with the family its form implies. */
function probeTarget(f: Fields): { host: string; family: 0 | 4 | 6 } {
  const raw = text(f, "host", 253);
  if (raw === undefined) throw new BadInput("host: required", "host");
  const problem = hostProblem(raw);
  if (problem) throw new BadInput(`host: ${problem}`, "host");
  const { host, family } = parseTarget(raw, "host");
  if (f.family !== undefined && f.family !== family)
    throw new BadInput(`family: ${host} is ${family === 0 ? "a name" : `an IPv${family} address`}`, "family");
  return { host, family };
}

const MAX_URL_LENGTH = 2048;
const ENTRY_FIELDS = ["server", "dlURL", "ulURL", "pingURL", "getIpURL"] as const;

/** A LibreSpeed server handed over by the hub (another agent, or the hub itself): a list entry with http(s) URLs. */
function libreSpeedEntry(value: unknown): LibreSpeedServerEntry {
  const f = object(value);
  const entry: Partial<LibreSpeedServerEntry> = {};
  const name = text(f, "name", 200);
  if (!name) throw new BadInput("libreSpeedServer.name: required", "libreSpeedServer");
  entry.name = name;
  for (const key of ENTRY_FIELDS) {
    const part = text(f, key, MAX_URL_LENGTH);
    if (!part) throw new BadInput(`libreSpeedServer.${key}: required`, "libreSpeedServer");
    entry[key] = part;
  }
  const base = URL.parse(entry.server!);
  if (!base || (base.protocol !== "http:" && base.protocol !== "https:"))
    throw new BadInput("libreSpeedServer.server: must be an http(s) URL", "libreSpeedServer");
  return entry as LibreSpeedServerEntry;
}

export function parseSpeedTestRequest(body: unknown): SpeedTestRequest {
  const f = object(body);
  const provider = text(f, "provider", 40);
  if (provider === undefined || !isProviderId(provider))
    throw new BadInput(`provider: no provider "${provider ?? ""}" here`, "provider");
  const request: SpeedTestRequest = {
    provider,
    enableDownload: bool(f, "enableDownload", true),
    enableUpload: bool(f, "enableUpload", true),
  };
  const serverId = text(f, "serverId", 200);
  if (serverId) request.serverId = serverId;
  const host = text(f, "host", 300);
  if (host) {
    parseTarget(host, "host");
    request.host = host;
  }
  if (f.udp !== undefined) request.udp = bool(f, "udp");
  if (f.libreSpeedServer !== undefined) request.libreSpeedServer = libreSpeedEntry(f.libreSpeedServer);
  return request;
}

/** A run longer than a week is no monitor's (a daily one has 19.2 hours). */
const MAX_BUDGET_SECONDS = 7 * 86_400;

export function parseProbeRequest(body: unknown): ProbeRequest {
  const f = object(body);
  return {
    ...probeTarget(f),
    count: number(f, "count", 1, 1000, true),
    budgetSeconds: number(f, "budgetSeconds", 1, MAX_BUDGET_SECONDS),
    icmp: bool(f, "icmp", false),
    dns: bool(f, "dns", false),
  };
}

export function parseTracerouteRequest(body: unknown): TracerouteRequest {
  const f = object(body);
  return {
    ...probeTarget(f),
    maxHops: number(f, "maxHops", 1, 255, true),
    waitSeconds: number(f, "waitSeconds", 0.1, 60),
    queries: number(f, "queries", 1, 10, true),
    numeric: bool(f, "numeric", false),
    maxSilentHops: number(f, "maxSilentHops", 1, 255, true),
    timeoutSeconds: number(f, "timeoutSeconds", 5, 600),
  };
}
