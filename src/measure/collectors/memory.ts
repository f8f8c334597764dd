/**
 * Memory and swap from /proc/meminfo; the ZFS ARC size from /proc/spl/kstat/zfs/arcstats when ZFS is loaded. Used
 * memory is total − available: page cache and reclaimable slab are not "used". The ARC is reported apart, since the
 * kernel does not count it as available although ZFS gives it back under pressure.
 */
import type { HardwareStats } from "../../protocol/agent";
import { type Collector, type CollectorContext, type CollectorDefinition, reportUnsupported } from "./collector";
import { parseKeyValues, readText } from "./procfs";

export type MemoryStats = HardwareStats["memory"];

export interface MemoryCollector extends Collector {
  read(): MemoryStats;
}

const percent = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : 0);

/** Parses /proc/meminfo (values in kB) into bytes. */
export function parseMeminfo(text: string, zfsArc = 0): MemoryStats {
  const kv = parseKeyValues(text);
  const bytes = (key: string) => {
    const match = kv.get(key)?.match(/^(\d+)/);
    return match ? Number(match[1]) * 1024 : 0;
  };
  const total = bytes("MemTotal");
  const free = bytes("MemFree");
  // Kernels before 3.14 have no MemAvailable: free + buffers + cache is the usual estimate.
  const available = kv.has("MemAvailable")
    ? bytes("MemAvailable")
    : free + bytes("Buffers") + bytes("Cached") + bytes("SReclaimable");
  const used = Math.max(0, total - available);
  const swapTotal = bytes("SwapTotal");
  const swapUsed = Math.max(0, swapTotal - bytes("SwapFree"));
  return {
    total,
    used,
    free,
    available,
    used_percent: percent(used, total),
    cached: bytes("Cached") + bytes("SReclaimable"),
    buffers: bytes("Buffers"),
    zfs_arc: zfsArc,
    swap_total: swapTotal,
    swap_used: swapUsed,
    swap_percent: percent(swapUsed, swapTotal),
  };
}

/** The ARC's current size in bytes (the `size` row of arcstats: name, type, value). */
export function parseArcSize(text: string | null): number {
  const match = text?.match(/^size\s+\d+\s+(\d+)\s*$/m);
  return match ? Number(match[1]) : 0;
}

function create(ctx: CollectorContext): MemoryCollector {
  const meminfo = `${ctx.paths.proc}/meminfo`;
  const arcstats = `${ctx.paths.proc}/spl/kstat/zfs/arcstats`;
  const unsupported =
    readText(meminfo) === null ? reportUnsupported(ctx, "Memory", `${meminfo} is not readable`) : null;
  return {
    unsupported,
    read: () => parseMeminfo(readText(meminfo) ?? "", parseArcSize(readText(arcstats))),
  };
}

export const memory = { label: "Memory", systemMetric: true, create } satisfies CollectorDefinition<MemoryCollector>;
