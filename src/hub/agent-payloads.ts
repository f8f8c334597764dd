/**
 * What an agent answers, read into the protocol's types before anything is stored, published or passed on. The
 * hub never echoes a response as it came: only the contract's fields, type-checked, with strings cut to a sane
 * length and collections capped, so a URL that points at something else (or a hostile agent) can neither smuggle
 * other data through the hub nor make it store megabytes.
 */
import {
  AGENT_SERVICE,
  type AgentInfo,
  type AgentRoot,
  type DiskStats,
  type HardwareStats,
  type HistoricalExport,
  type InterfaceInfo,
  type LiveDirection,
  type LiveSample,
  type PeakStats,
  type SystemInfo,
  type TemperatureCategory,
  type TemperatureReading,
  type VnstatEntry,
  type VnstatInterface,
} from "../protocol/agent";

export class PayloadInvalid extends Error {}

const MAX_TEXT = 256;
const MAX_PATH = 512;
export const MAX_DISKS = 64;
export const MAX_SENSORS = 128;
const MAX_INTERFACES = 128;
const MAX_ADDRESSES = 32;
const MAX_VNSTAT_ENTRIES = 1000;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function obj(v: unknown, what: string): Obj {
  if (!isObj(v)) throw new PayloadInvalid(`${what} is not a JSON object`);
  return v;
}

const text = (v: unknown, max = MAX_TEXT): string => (typeof v === "string" ? v.slice(0, max) : "");
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const optionalNum = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean => v === true;
const list = (v: unknown, max: number): unknown[] => (Array.isArray(v) ? v.slice(0, max) : []);
const percent = (v: unknown): number => Math.min(100, Math.max(0, num(v)));

export function readRoot(body: unknown): AgentRoot {
  const o = obj(body, "GET /");
  if (!isObj(o.endpoints)) throw new PayloadInvalid("GET / has no endpoints map: this is not a Netronome agent");
  const e = o.endpoints;
  const endpoint = (key: string) => (typeof e[key] === "string" ? text(e[key]) : undefined);
  const source = o.bandwidth_source === "vnstat" || o.bandwidth_source === "procfs" ? o.bandwidth_source : undefined;
  return {
    service: AGENT_SERVICE,
    host: text(o.host),
    port: num(o.port),
    endpoints: {
      live: endpoint("live") ?? "",
      historical: endpoint("historical") ?? "",
      peaks: endpoint("peaks") ?? "",
      ...(endpoint("tailscale") ? { tailscale: endpoint("tailscale") } : {}),
      ...(endpoint("system") ? { system: endpoint("system") } : {}),
      ...(endpoint("hardware") ? { hardware: endpoint("hardware") } : {}),
    },
    authentication: o.authentication === "required" ? "required" : "none",
    auth_methods: list(o.auth_methods, 8).map((m) => text(m, 32)),
    ...(source ? { bandwidth_source: source } : {}),
    ...(optionalNum(o.protocol_version) !== undefined ? { protocol_version: num(o.protocol_version) } : {}),
  };
}

/** True when GET / names itself a Netronome agent (the original and this one both do). */
export function looksLikeAgent(body: unknown): boolean {
  return isObj(body) && body.service === AGENT_SERVICE;
}

export function readInfo(body: unknown): AgentInfo {
  const o = obj(body, "/netronome/info");
  return {
    type: "netronome-agent",
    version: text(o.version, 64),
    hostname: text(o.hostname),
    listening_host: text(o.listening_host),
    listening_port: num(o.listening_port),
    using_tailscale: bool(o.using_tailscale),
    ...(optionalNum(o.protocol_version) !== undefined ? { protocol_version: num(o.protocol_version) } : {}),
  };
}

function readDirection(v: unknown): LiveDirection {
  const o = obj(v, "a live sample's rx/tx");
  return {
    ratestring: text(o.ratestring, 64),
    bytespersecond: Math.max(0, num(o.bytespersecond)),
    packetspersecond: Math.max(0, num(o.packetspersecond)),
    bytes: num(o.bytes),
    packets: num(o.packets),
    totalbytes: num(o.totalbytes),
    totalpackets: num(o.totalpackets),
  };
}

export function readLiveSample(data: string): LiveSample {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new PayloadInvalid("a live sample is not JSON");
  }
  const o = obj(parsed, "a live sample");
  return { index: num(o.index), seconds: num(o.seconds), rx: readDirection(o.rx), tx: readDirection(o.tx) };
}

function readInterface(name: string, v: unknown): InterfaceInfo {
  const o = isObj(v) ? v : {};
  const addresses = list(o.addresses, MAX_ADDRESSES)
    .map((a) => text(a, 64))
    .filter(Boolean);
  return {
    name: text(o.name) || name.slice(0, MAX_TEXT),
    alias: text(o.alias),
    ip_address: text(o.ip_address, 64),
    link_speed: typeof o.link_speed === "number" && Number.isFinite(o.link_speed) ? Math.round(o.link_speed) : -1,
    is_up: bool(o.is_up),
    bytes_total: Math.max(0, num(o.bytes_total)),
    ...(Array.isArray(o.addresses) ? { addresses } : {}),
  };
}

export function readSystemInfo(body: unknown): SystemInfo {
  const o = obj(body, "/system/info");
  const interfaces: Record<string, InterfaceInfo> = {};
  const raw = isObj(o.interfaces) ? o.interfaces : {};
  for (const [name, value] of Object.entries(raw).slice(0, MAX_INTERFACES)) {
    const iface = readInterface(name, value);
    interfaces[iface.name] = iface;
  }
  return {
    hostname: text(o.hostname),
    kernel: text(o.kernel),
    uptime: Math.max(0, Math.round(num(o.uptime))),
    interfaces,
    vnstat_version: text(o.vnstat_version, 64),
    updated_at: text(o.updated_at, 64),
    ...(typeof o.agent_version === "string" ? { agent_version: text(o.agent_version, 64) } : {}),
  };
}

function readDisk(v: unknown): DiskStats {
  const o = isObj(v) ? v : {};
  return {
    path: text(o.path, MAX_PATH),
    device: text(o.device, MAX_PATH),
    fstype: text(o.fstype, 64),
    total: Math.max(0, num(o.total)),
    used: Math.max(0, num(o.used)),
    free: Math.max(0, num(o.free)),
    used_percent: percent(o.used_percent),
    model: text(o.model),
    serial: text(o.serial, 128),
  };
}

const CATEGORIES: readonly TemperatureCategory[] = ["cpu", "storage", "power", "system"];

function readTemperature(v: unknown): TemperatureReading {
  const o = isObj(v) ? v : {};
  const category = CATEGORIES.find((c) => c === o.category);
  return {
    sensor_key: text(o.sensor_key),
    temperature: num(o.temperature),
    label: text(o.label),
    critical: num(o.critical),
    ...(category ? { category } : {}),
  };
}

export function readHardware(body: unknown): HardwareStats {
  const o = obj(body, "/system/hardware");
  const cpu = isObj(o.cpu) ? o.cpu : {};
  const mem = isObj(o.memory) ? o.memory : {};
  const load = list(cpu.load_avg, 3).map(num);
  return {
    cpu: {
      usage_percent: percent(cpu.usage_percent),
      cores: Math.max(0, Math.round(num(cpu.cores))),
      threads: Math.max(0, Math.round(num(cpu.threads))),
      model: text(cpu.model),
      frequency: Math.max(0, num(cpu.frequency)),
      load_avg: [load[0] ?? 0, load[1] ?? 0, load[2] ?? 0],
    },
    memory: {
      total: Math.max(0, num(mem.total)),
      used: Math.max(0, num(mem.used)),
      free: Math.max(0, num(mem.free)),
      available: Math.max(0, num(mem.available)),
      used_percent: percent(mem.used_percent),
      cached: Math.max(0, num(mem.cached)),
      buffers: Math.max(0, num(mem.buffers)),
      zfs_arc: Math.max(0, num(mem.zfs_arc)),
      swap_total: Math.max(0, num(mem.swap_total)),
      swap_used: Math.max(0, num(mem.swap_used)),
      swap_percent: percent(mem.swap_percent),
    },
    disks: list(o.disks, MAX_DISKS)
      .map(readDisk)
      .filter((d) => d.path !== ""),
    temperature: list(o.temperature, MAX_SENSORS)
      .map(readTemperature)
      .filter((s) => s.sensor_key !== ""),
    updated_at: text(o.updated_at, 64),
  };
}

export function readPeaks(body: unknown): PeakStats {
  const o = obj(body, "/stats/peaks");
  return {
    peak_rx: Math.max(0, num(o.peak_rx)),
    peak_tx: Math.max(0, num(o.peak_tx)),
    peak_rx_string: text(o.peak_rx_string, 64),
    peak_tx_string: text(o.peak_tx_string, 64),
    peak_rx_timestamp: text(o.peak_rx_timestamp, 64),
    peak_tx_timestamp: text(o.peak_tx_timestamp, 64),
    updated_at: text(o.updated_at, 64),
  };
}

function readEntry(v: unknown): VnstatEntry | null {
  if (!isObj(v) || !isObj(v.date)) return null;
  const d = v.date;
  const time = isObj(v.time) ? { hour: num(v.time.hour), minute: num(v.time.minute) } : undefined;
  return {
    ...(optionalNum(v.id) !== undefined ? { id: num(v.id) } : {}),
    date: {
      year: num(d.year),
      ...(optionalNum(d.month) !== undefined ? { month: num(d.month) } : {}),
      ...(optionalNum(d.day) !== undefined ? { day: num(d.day) } : {}),
    },
    ...(time ? { time } : {}),
    ...(optionalNum(v.timestamp) !== undefined ? { timestamp: num(v.timestamp) } : {}),
    rx: Math.max(0, num(v.rx)),
    tx: Math.max(0, num(v.tx)),
  };
}

const PERIODS = ["fiveminute", "hour", "day", "month", "year", "top"] as const;

function readVnstatInterface(v: unknown): VnstatInterface | null {
  if (!isObj(v) || typeof v.name !== "string" || v.name === "") return null;
  const traffic = isObj(v.traffic) ? v.traffic : {};
  const total = isObj(traffic.total) ? traffic.total : {};
  const out: VnstatInterface["traffic"] = { total: { rx: Math.max(0, num(total.rx)), tx: Math.max(0, num(total.tx)) } };
  for (const period of PERIODS) {
    if (!Array.isArray(traffic[period])) continue;
    out[period] = list(traffic[period], MAX_VNSTAT_ENTRIES)
      .map(readEntry)
      .filter((e): e is VnstatEntry => e !== null);
  }
  return { name: text(v.name), alias: text(v.alias), traffic: out };
}

export function readHistorical(body: unknown): HistoricalExport {
  const o = obj(body, "/export/historical");
  return {
    vnstatversion: text(o.vnstatversion, 64),
    jsonversion: text(o.jsonversion, 16),
    interfaces: list(o.interfaces, MAX_INTERFACES)
      .map(readVnstatInterface)
      .filter((i): i is VnstatInterface => i !== null),
    server_time: text(o.server_time, 64),
    server_time_unix: num(o.server_time_unix),
    timezone_offset: Math.round(num(o.timezone_offset)),
  };
}
