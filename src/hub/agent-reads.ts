/**
 * The API's reads of an agent's documents (/system, /hardware, /peaks, /native): asked of the agent while it is
 * online, within a deadline; otherwise, or when that fails, answered from what the hub stored last and marked
 * `from_cache: true` (the original's fallback). Only the contract's fields are passed on (agent-payloads.ts).
 */
import { AppError } from "../core/errors";
import type { HardwareStats, HistoricalExport, PeakStats, SystemInfo, VnstatInterface } from "../protocol/agent";
import { AgentRequestFailed, getAgentJson } from "./agent-client";
import { readHardware, readHistorical, readPeaks, readSystemInfo } from "./agent-payloads";
import type { AgentSupervisor } from "./agent-supervisor";
import type { AgentsRepository } from "./agents.repository";

/** On-demand reads must not hold a page for the full poll deadline. */
const READ_TIMEOUT_MS = 5_000;

/** 503: the agent cannot be asked and nothing was stored (the original's answer). */
export class NoCachedData extends AppError {
  constructor() {
    super(503, "unavailable", "Agent is offline and no cached data available");
  }
}

export type Cached<T> = T & { from_cache?: true; cache_timestamp?: string; cache_reason?: string };

export function createAgentReads(repo: AgentsRepository, supervisor: AgentSupervisor) {
  /** The live answer, or undefined (with why) when the cache has to answer. */
  async function ask<T>(
    id: number,
    path: string,
    parse: (body: unknown) => T,
    query?: Record<string, string>,
  ): Promise<{ value?: T; why: string }> {
    const entry = supervisor.live(id);
    if (!entry) {
      await supervisor.flush(id);
      return { why: supervisor.view(id) ? "the agent is not connected" : "monitoring of this agent is off" };
    }
    try {
      return { value: parse(await getAgentJson(entry.target, path, { timeoutMs: READ_TIMEOUT_MS, query })), why: "" };
    } catch (e) {
      await supervisor.flush(id);
      return { why: e instanceof AgentRequestFailed ? e.message : (e as Error).message };
    }
  }

  const cached = (at: Date | null | undefined, why: string) => ({
    from_cache: true as const,
    ...(at ? { cache_timestamp: at.toISOString() } : {}),
    cache_reason: why,
  });

  return {
    /** /system/info plus the agent's version. */
    async system(id: number): Promise<Cached<Omit<SystemInfo, "agent_version"> & { agent_version: string | null }>> {
      const live = await ask(id, "/system/info", readSystemInfo);
      if (live.value)
        return {
          ...live.value,
          agent_version: live.value.agent_version ?? supervisor.view(id)?.info?.version ?? null,
        };
      const [info, interfaces] = await Promise.all([repo.systemInfo(id), repo.interfaces(id)]);
      if (!info?.systemAt) throw new NoCachedData();
      return {
        hostname: info.hostname,
        kernel: info.kernel,
        uptime: info.uptimeSeconds,
        interfaces: Object.fromEntries(
          interfaces.map((i) => [
            i.name,
            {
              name: i.name,
              alias: i.alias,
              ip_address: i.ipAddress,
              link_speed: i.linkSpeed,
              is_up: i.isUp,
              bytes_total: i.bytesTotal,
              addresses: i.addresses,
            },
          ]),
        ),
        vnstat_version: info.vnstatVersion,
        updated_at: info.systemAt.toISOString(),
        agent_version: info.agentVersion,
        ...(info.cpuModel !== null ? { cpu_model: info.cpuModel } : {}),
        ...(info.cpuCores !== null ? { cpu_cores: info.cpuCores } : {}),
        ...(info.cpuThreads !== null ? { cpu_threads: info.cpuThreads } : {}),
        ...(info.totalMemory !== null ? { total_memory: info.totalMemory } : {}),
        ...cached(info.systemAt, live.why),
      };
    },

    async hardware(id: number): Promise<Cached<HardwareStats & { uptime?: number }>> {
      const live = await ask(id, "/system/hardware", readHardware);
      if (live.value) return live.value;
      const info = await repo.systemInfo(id);
      if (!info?.hardware) throw new NoCachedData();
      return {
        ...readHardware(info.hardware),
        uptime: info.uptimeSeconds,
        ...cached(info.hardwareAt, live.why),
      };
    },

    async peaks(id: number): Promise<Cached<PeakStats>> {
      const live = await ask(id, "/stats/peaks", readPeaks);
      if (live.value) return live.value;
      const row = await repo.peaks(id);
      if (!row) throw new NoCachedData();
      return {
        peak_rx: row.peakRx,
        peak_tx: row.peakTx,
        peak_rx_string: "",
        peak_tx_string: "",
        peak_rx_timestamp: row.peakRxAt?.toISOString() ?? "",
        peak_tx_timestamp: row.peakTxAt?.toISOString() ?? "",
        updated_at: row.updatedAt.toISOString(),
        ...cached(row.updatedAt, live.why),
      };
    },

    /** /export/historical for one interface or all; a live answer is stored as the newest snapshot. */
    async native(id: number, interfaceName?: string): Promise<Cached<HistoricalExport>> {
      const live = await ask(
        id,
        "/export/historical",
        readHistorical,
        interfaceName ? { interface: interfaceName } : {},
      );
      if (live.value) {
        await repo.saveVnstat(id, live.value, new Date());
        return live.value;
      }
      const rows = await repo.vnstat(id, interfaceName);
      if (rows.length === 0) throw new NoCachedData();
      const newest = rows.reduce((a, b) => (a.createdAt > b.createdAt ? a : b));
      return {
        vnstatversion: newest.vnstatVersion,
        jsonversion: newest.jsonVersion,
        interfaces: rows.map((r) => r.data as unknown as VnstatInterface),
        server_time: newest.serverTime,
        server_time_unix: Math.floor(Date.parse(newest.serverTime) / 1000) || 0,
        timezone_offset: newest.timezoneOffset,
        ...cached(newest.createdAt, live.why),
      };
    },
  };
}

export type AgentReads = ReturnType<typeof createAgentReads>;
