/**
 * The statements that store a poll: its history rows (agent-history.repository.ts) and, when the caller keeps them,
 * the agent's documents (system row, interfaces, hardware, peaks) and when it was last heard from. Every statement
 * is prepared once on the writer connection (per shape: which documents, how many interfaces), so a poll binds its
 * values and builds no SQL. None reads a row, so a poll is one atomicBatch. Both dialects.
 */
import { type AnyColumn, and, eq, notInArray, sql } from "drizzle-orm";
import type { DbHandle } from "../db";
import { prepareOnWriter, type TxQuery, withValues } from "../history/atomic";
import { slotFor, slotsOf } from "../history/values-list";
import type { HardwareStats, InterfaceInfo, PeakStats, SystemInfo } from "../protocol/agent";
import { createPollHistoryWriter } from "./agent-history.repository";
import type { SeriesSample } from "./agent-metrics";

/**
 * What a poll stores: always its history rows; the agent's documents (system, hardware, peaks) and when it was last
 * heard from only when the caller wants them kept (they change the stored "last known" copy).
 */
export interface PollRecord {
  agentId: number;
  at: Date;
  lastSeen?: Date;
  system?: SystemInfo & { agentVersion: string | null; protocolVersion: number | null; bandwidthSource: string | null };
  hardware?: HardwareStats;
  peaks?: PeakStats;
  /** The history's series: hardware figures and the live rates gathered since the last poll. */
  samples: SeriesSample[];
}

const SYSTEM_FIELDS = [
  "hostname",
  "kernel",
  "uptimeSeconds",
  "vnstatVersion",
  "agentVersion",
  "protocolVersion",
  "bandwidthSource",
  "systemAt",
] as const;
const HARDWARE_FIELDS = ["cpuModel", "cpuCores", "cpuThreads", "totalMemory", "hardware", "hardwareAt"] as const;
const INTERFACE_FIELDS = ["name", "alias", "ipAddress", "addresses", "linkSpeed", "isUp", "bytesTotal"] as const;
const PEAK_FIELDS = ["peakRx", "peakTx", "peakRxAt", "peakTxAt", "updatedAt"] as const;

const parseTime = (text: string): Date | null => {
  if (!text) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
};

const slot = (name: string) => sql.placeholder(name);
/** Placeholders for `fields` of `table`, named `<field><suffix>` (slotFor: a null stays NULL). */
const slots = <K extends string>(table: object, fields: readonly K[], suffix = "") =>
  Object.fromEntries(
    fields.map((field) => [field, slotFor(`${field}${suffix}`, (table as Record<K, AnyColumn>)[field])]),
  ) as Record<K, never>;
/** `column = excluded.column` for each field: an upsert takes the row it was given. */
const fromExcluded = <K extends string>(table: Record<K, { name: string }>, fields: readonly K[]) =>
  Object.fromEntries(fields.map((field) => [field, sql.raw(`excluded.${table[field].name}`)])) as Record<K, never>;

/** An interface as the agent reported it, in the columns the hub keeps (and pages show) for it. */
export function interfaceFields(i: InterfaceInfo) {
  return {
    name: i.name,
    alias: i.alias,
    ipAddress: i.ip_address,
    addresses: i.addresses ?? (i.ip_address ? [i.ip_address] : []),
    linkSpeed: i.link_speed,
    isUp: i.is_up,
    bytesTotal: Math.round(i.bytes_total),
  };
}

export function createPollWriter(h: DbHandle) {
  const { t, writer } = h;
  const info = t.agentSystemInfo;
  const ifaces = t.agentInterfaces;
  const peaks = t.agentPeaks;
  const history = createPollHistoryWriter(h);

  const prepared = new Map<string, unknown>();
  const once = (name: string, build: () => unknown) => {
    let statement = prepared.get(name);
    if (!statement) {
      statement = prepareOnWriter(build(), name);
      prepared.set(name, statement);
    }
    return statement;
  };

  /** The system row takes the documents given; a row created from hardware alone has empty system facts. */
  const systemRow = (withSystem: boolean, withHardware: boolean) =>
    once(`agent_system_${withSystem}_${withHardware}`, () => {
      const fields = [...(withSystem ? SYSTEM_FIELDS : []), ...(withHardware ? HARDWARE_FIELDS : [])];
      return writer
        .insert(info)
        .values({
          hostname: "",
          kernel: "",
          uptimeSeconds: 0,
          vnstatVersion: "",
          agentId: slot("agentId"),
          ...(slots(info, fields) as object),
        })
        .onConflictDoUpdate({ target: info.agentId, set: fromExcluded(info, fields) });
    });
  /** Interfaces the agent no longer reports go; those it reports are written (`count` of them). */
  const staleInterfaces = (count: number) =>
    once(`agent_interfaces_gone_${count}`, () => {
      const names = Array.from({ length: count }, (_, i) => slot(`name${i}`));
      const ofAgent = eq(ifaces.agentId, slot("agentId"));
      return writer.delete(ifaces).where(count ? and(ofAgent, notInArray(ifaces.name, names)) : ofAgent);
    });
  const interfaceRows = (count: number) =>
    once(`agent_interfaces_${count}`, () =>
      writer
        .insert(ifaces)
        .values(
          Array.from({ length: count }, (_, i) => ({
            ...slots(ifaces, INTERFACE_FIELDS, String(i)),
            agentId: slot("agentId"),
          })),
        )
        .onConflictDoUpdate({
          target: [ifaces.agentId, ifaces.name],
          set: fromExcluded(ifaces, INTERFACE_FIELDS.slice(1)),
        }),
    );
  const peaksRow = () =>
    once("agent_peaks", () =>
      writer
        .insert(peaks)
        .values({ agentId: slot("agentId"), ...slots(peaks, PEAK_FIELDS) })
        .onConflictDoUpdate({ target: peaks.agentId, set: fromExcluded(peaks, PEAK_FIELDS) }),
    );
  const lastSeen = () =>
    once("agent_last_seen", () =>
      writer
        .update(t.agents)
        .set(slots(t.agents, ["lastSeenAt"]))
        .where(eq(t.agents.id, slot("agentId"))),
    );

  function documents(p: PollRecord): TxQuery[] {
    const out: TxQuery[] = [];
    const { agentId, at, system: s, hardware: hw } = p;
    if (s || hw) {
      const values: Record<string, unknown> = { agentId };
      if (s)
        Object.assign(values, {
          hostname: s.hostname,
          kernel: s.kernel,
          uptimeSeconds: s.uptime,
          vnstatVersion: s.vnstat_version,
          agentVersion: s.agentVersion,
          protocolVersion: s.protocolVersion,
          bandwidthSource: s.bandwidthSource,
          systemAt: at,
        });
      if (hw)
        Object.assign(values, {
          cpuModel: hw.cpu.model,
          cpuCores: hw.cpu.cores,
          cpuThreads: hw.cpu.threads,
          totalMemory: Math.round(hw.memory.total),
          hardware: hw,
          hardwareAt: at,
        });
      out.push(withValues(systemRow(Boolean(s), Boolean(hw)), values));
    }
    if (s) {
      const list = Object.values(s.interfaces);
      const values = slotsOf(list.map(interfaceFields), { agentId });
      out.push(withValues(staleInterfaces(list.length), values));
      if (list.length) out.push(withValues(interfaceRows(list.length), values));
    }
    if (p.peaks)
      out.push(
        withValues(peaksRow(), {
          agentId,
          peakRx: p.peaks.peak_rx,
          peakTx: p.peaks.peak_tx,
          peakRxAt: parseTime(p.peaks.peak_rx_timestamp),
          peakTxAt: parseTime(p.peaks.peak_tx_timestamp),
          updatedAt: at,
        }),
      );
    if (p.lastSeen) out.push(withValues(lastSeen(), { agentId, lastSeenAt: p.lastSeen }));
    return out;
  }

  /** The statements storing a poll, in the order they run. */
  return (p: PollRecord): TxQuery[] => [...history(p.agentId, p.at, p.samples), ...documents(p)];
}
