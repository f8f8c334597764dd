/**
 * The agent's answers, built from the collectors: the capabilities map, identity, system information, hardware,
 * peaks and vnStat's history. Nothing here sees a Request; agent.server.ts maps these to HTTP.
 */
import { BadInput } from "../core/errors";
import { interfaceNameProblem } from "../core/net";
import type { Collectors } from "../measure/collectors";
import type { BandwidthCollector } from "../measure/collectors/bandwidth";
import { vnstatExport } from "../measure/collectors/vnstat";
import {
  AGENT_PROTOCOL_VERSION,
  AGENT_SERVICE,
  AGENT_TYPE,
  type AgentInfo,
  type AgentRoot,
  API_KEY_HEADER,
  API_KEY_QUERY,
  type HardwareStats,
  type HistoricalExport,
  LIBRESPEED_INFO_PATH,
  LIVE_STREAM,
  MEASURE_PATHS,
  type MeasurementCapacity,
  type PeakStats,
  type SystemInfo,
} from "../protocol/agent";
import type { AgentOptions } from "./options";
import type { PeakTracker } from "./peaks";

export type SystemCollectors = Collectors<"cpu" | "memory" | "disks" | "temperatures" | "system">;

export interface AgentServiceDeps {
  options: AgentOptions;
  /** Where the server really listens. */
  listening: { host: string; port: number };
  version: string;
  hostname(): string;
  bandwidth: BandwidthCollector;
  /** Null with `disable_system_metrics`. */
  system: SystemCollectors | null;
  peaks: PeakTracker;
  /** Null when the agent runs no measurements. */
  measurement: MeasurementCapacity | null;
  /** The LibreSpeed endpoint is on. */
  libreSpeed: boolean;
}

export const ENDPOINTS = {
  live: `/events?stream=${LIVE_STREAM}`,
  historical: "/export/historical",
  peaks: "/stats/peaks",
  system: "/system/info",
  hardware: "/system/hardware",
} as const;

/** vnStat merges interfaces given as `eth0+eth1`; more than this many is not a real request. */
const MAX_MERGED_INTERFACES = 8;

/** Checks `?interface=` before it can reach vnStat's argv. */
export function validateHistoryInterface(value: string): string {
  const parts = value.split("+");
  if (parts.length > MAX_MERGED_INTERFACES)
    throw new BadInput(`interface: at most ${MAX_MERGED_INTERFACES} interfaces joined with +`, "interface");
  for (const part of parts) {
    const problem = interfaceNameProblem(part);
    if (problem) throw new BadInput(`interface: ${problem}`, "interface");
  }
  return value;
}

/** RFC 3339 in the agent's local time with its offset, as vnStat's dates are local ("2026-12-03T11:00:00+01:00"). */
export function localTimestamp(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

export function createAgentService(deps: AgentServiceDeps) {
  const { options, listening, bandwidth, system, peaks } = deps;
  const cpuMeter = system?.cpu.meter();

  return {
    root(): AgentRoot {
      const { system: _s, hardware: _h, ...always } = ENDPOINTS;
      return {
        service: AGENT_SERVICE,
        host: listening.host,
        port: listening.port,
        endpoints: {
          ...(system ? ENDPOINTS : always),
          ...(deps.measurement ? MEASURE_PATHS : {}),
          ...(deps.libreSpeed ? { librespeed: LIBRESPEED_INFO_PATH } : {}),
        },
        authentication: options.apiKey ? "required" : "none",
        auth_methods: options.apiKey ? [`${API_KEY_HEADER} header`, `${API_KEY_QUERY} query parameter`] : [],
        bandwidth_source: bandwidth.source(),
        protocol_version: AGENT_PROTOCOL_VERSION,
        ...(deps.measurement ? { measurement: deps.measurement } : {}),
      };
    },

    info(): AgentInfo {
      return {
        type: AGENT_TYPE,
        version: deps.version,
        hostname: deps.hostname(),
        listening_host: listening.host,
        listening_port: listening.port,
        using_tailscale: false,
        protocol_version: AGENT_PROTOCOL_VERSION,
      };
    },

    hasSystemMetrics: system !== null,

    async systemInfo(): Promise<SystemInfo> {
      const snapshot = await system!.system.read();
      return { ...snapshot, updated_at: new Date().toISOString(), agent_version: deps.version };
    },

    async hardware(): Promise<HardwareStats> {
      const s = system!;
      const [usage, disks] = await Promise.all([cpuMeter!.usage(), s.disks.read()]);
      return {
        cpu: { usage_percent: usage, ...s.cpu.info(), load_avg: s.cpu.loadAverage() },
        memory: s.memory.read(),
        disks,
        temperature: s.temperatures.read(),
        updated_at: new Date().toISOString(),
      };
    },

    peaks(): PeakStats {
      return peaks.stats();
    },

    /** vnStat's whole database for `iface` (validated), else the configured interface, else every interface. */
    async historical(iface: string | null): Promise<HistoricalExport> {
      const selected = iface ? validateHistoryInterface(iface) : options.interface || undefined;
      const data = await vnstatExport("a", selected);
      const now = new Date();
      return {
        ...data,
        server_time: localTimestamp(now),
        server_time_unix: Math.floor(now.getTime() / 1000),
        timezone_offset: -now.getTimezoneOffset() * 60,
      };
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
