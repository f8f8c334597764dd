/** The API's JSON for monitors and results: the original's field names, numbers as numbers, times as UTC ISO strings. */

import type { MonitorHop } from "./hops";
import type { ResultRow, ResultSummary } from "./monitors.repository";
import type { MonitorView } from "./monitors.service";

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function monitorJson(m: MonitorView) {
  return {
    id: m.id,
    host: m.host,
    name: m.name,
    interval: m.interval,
    packetCount: m.packetCount,
    enabled: m.enabled,
    threshold: m.threshold,
    lastRun: iso(m.lastRun),
    nextRun: iso(m.nextRun),
    lastState: m.lastState,
    lastStateChange: iso(m.lastStateChange),
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
    description: m.description,
    /** Active (scheduled), stopped, queued for a slot, or testing right now. */
    status: m.status,
    /** Extension: the agent the monitor runs from; null: this server. */
    agentId: m.agentId,
  };
}

/** A result as lists carry it: no hop data. */
export function resultJson(r: ResultSummary) {
  return {
    id: r.id,
    monitorId: r.monitorId,
    packetLoss: r.packetLoss,
    minRtt: r.minRtt,
    maxRtt: r.maxRtt,
    avgRtt: r.avgRtt,
    stdDevRtt: r.stdDevRtt,
    packetsSent: r.packetsSent,
    packetsRecv: r.packetsRecv,
    usedMtr: r.method === "mtr",
    method: r.method,
    privilegedMode: r.privilegedMode,
    hopCount: r.hopCount,
    error: r.error,
    /** Extension: why this run has no hop data (ping ran instead of mtr). */
    fallbackReason: r.fallbackReason,
    /** Extension: where the run was measured (null: this server). */
    agentId: r.agentId,
    /** Extension: the agent was unreachable, so nothing was measured (packetLoss is null, not 100). */
    agentUnreachable: r.unreachable,
    createdAt: r.createdAt.toISOString(),
  };
}

/** One result with the original's `mtrData` (an object here, not a JSON string); null for ping results. */
export function resultDetailJson(r: ResultRow, host: string) {
  const { hops, ...summary } = r;
  const list = (hops as MonitorHop[] | null) ?? null;
  const destination = list?.at(-1);
  return {
    ...resultJson(summary),
    mtrData: list
      ? {
          destination: host,
          ip: destination && destination.recv > 0 ? destination.ip : null,
          hopCount: list.length,
          tests: Math.max(0, ...list.map((h) => h.sent)),
          hops: list,
        }
      : null,
  };
}
