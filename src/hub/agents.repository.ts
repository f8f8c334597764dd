/**
 * Agents, their connection state, and the last of everything they answered: system information, interfaces,
 * hardware, peaks and vnstat exports. A poll's figures go in with its history rows in one transaction
 * (agent-history.repository.ts holds the history itself). Both dialects.
 */
import { and, asc, eq, getTableName, notInArray, sql } from "drizzle-orm";
import type { AppDb, DbHandle } from "../db";
import { atomic, prepareOnWriter, type TxQuery, withValues } from "../history/atomic";
import { gaugeRollups } from "../history/gauges";
import { RESOLUTIONS } from "../history/rollups";
import type { HardwareStats, HistoricalExport, PeakStats, SystemInfo } from "../protocol/agent";
import type { SeriesSample } from "./agent-metrics";
import type { AgentConnectionState } from "./agents.events";

export type AgentRow = DbHandle["t"]["agents"]["$inferSelect"];
export type NewAgent = DbHandle["t"]["agents"]["$inferInsert"];
export type SystemInfoRow = DbHandle["t"]["agentSystemInfo"]["$inferSelect"];
export type InterfaceRow = DbHandle["t"]["agentInterfaces"]["$inferSelect"];
export type PeaksRow = DbHandle["t"]["agentPeaks"]["$inferSelect"];
export type VnstatRow = DbHandle["t"]["agentVnstat"]["$inferSelect"];

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

const parseTime = (text: string): Date | null => {
  if (!text) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
};

export function createAgentsRepository(h: DbHandle) {
  const { db, t } = h;
  const a = t.agents;
  const info = t.agentSystemInfo;
  const ifaces = t.agentInterfaces;
  const r = t.agentRollups;
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  const stored = (column: string) => sql.raw(`${getTableName(r)}.${column}`);

  function systemStatements(tx: AppDb, p: PollRecord): TxQuery[] {
    const out: TxQuery[] = [];
    const s = p.system;
    const hw = p.hardware;
    if (!s && !hw) return out;
    const systemColumns = s
      ? {
          hostname: s.hostname,
          kernel: s.kernel,
          uptimeSeconds: s.uptime,
          vnstatVersion: s.vnstat_version,
          agentVersion: s.agentVersion,
          protocolVersion: s.protocolVersion,
          bandwidthSource: s.bandwidthSource,
          systemAt: p.at,
        }
      : {};
    const hardwareColumns = hw
      ? {
          cpuModel: hw.cpu.model,
          cpuCores: hw.cpu.cores,
          cpuThreads: hw.cpu.threads,
          totalMemory: Math.round(hw.memory.total),
          hardware: hw as unknown as Record<string, unknown>,
          hardwareAt: p.at,
        }
      : {};
    out.push(
      tx
        .insert(info)
        .values({
          agentId: p.agentId,
          hostname: "",
          kernel: "",
          uptimeSeconds: 0,
          vnstatVersion: "",
          ...systemColumns,
          ...hardwareColumns,
        })
        .onConflictDoUpdate({ target: info.agentId, set: { ...systemColumns, ...hardwareColumns } }),
    );
    if (s) {
      const list = Object.values(s.interfaces);
      const names = list.map((i) => i.name);
      out.push(
        tx
          .delete(ifaces)
          .where(
            names.length
              ? and(eq(ifaces.agentId, p.agentId), notInArray(ifaces.name, names))
              : eq(ifaces.agentId, p.agentId),
          ),
      );
      if (list.length)
        out.push(
          tx
            .insert(ifaces)
            .values(
              list.map((i) => ({
                agentId: p.agentId,
                name: i.name,
                alias: i.alias,
                ipAddress: i.ip_address,
                addresses: i.addresses ?? (i.ip_address ? [i.ip_address] : []),
                linkSpeed: i.link_speed,
                isUp: i.is_up,
                bytesTotal: Math.round(i.bytes_total),
              })),
            )
            .onConflictDoUpdate({
              target: [ifaces.agentId, ifaces.name],
              set: {
                alias: excluded("alias"),
                ipAddress: excluded("ip_address"),
                addresses: excluded("addresses"),
                linkSpeed: excluded("link_speed"),
                isUp: excluded("is_up"),
                bytesTotal: excluded("bytes_total"),
              },
            }),
        );
    }
    return out;
  }

  // A poll's history rows go through statements prepared once per number of series (an agent's count rarely
  // changes): a poll binds its values and builds no SQL (history/atomic.ts).
  const SAMPLE_FIELDS = ["agentId", "metric", "label", "createdAt", "value"] as const;
  const ROLLUP_FIELDS = [
    "agentId",
    "metric",
    "label",
    "resolution",
    "bucketStart",
    "count",
    "sum",
    "min",
    "max",
  ] as const;
  const slot = (name: string) => sql.placeholder(name);
  const rowSlots = <K extends string>(fields: readonly K[], row: number) =>
    Object.fromEntries(fields.map((field) => [field, slot(`${field}${row}`)])) as unknown as Record<K, never>;
  const prepared = new Map<number, { samples: unknown; rollups: unknown }>();
  function historyStatementsFor(series: number) {
    let statements = prepared.get(series);
    if (!statements) {
      const rows = <K extends string>(fields: readonly K[], count: number) =>
        Array.from({ length: count }, (_, i) => rowSlots(fields, i));
      statements = {
        samples: prepareOnWriter(
          h.writer.insert(t.agentSamples).values(rows(SAMPLE_FIELDS, series)),
          `agent_samples_${series}`,
        ),
        // Buckets merge in SQL: counts and sums add, extremes take the extreme (CASE is the portable min/max of two).
        rollups: prepareOnWriter(
          h.writer
            .insert(r)
            .values(rows(ROLLUP_FIELDS, series * RESOLUTIONS.length))
            .onConflictDoUpdate({
              target: [r.agentId, r.metric, r.label, r.resolution, r.bucketStart],
              set: {
                count: sql`${stored("count")} + ${excluded("count")}`,
                sum: sql`${stored("sum")} + ${excluded("sum")}`,
                min: sql`CASE WHEN ${excluded("min")} < ${stored("min")} THEN ${excluded("min")} ELSE ${stored("min")} END`,
                max: sql`CASE WHEN ${excluded("max")} > ${stored("max")} THEN ${excluded("max")} ELSE ${stored("max")} END`,
              },
            }),
          `agent_rollups_${series}`,
        ),
      };
      prepared.set(series, statements);
    }
    return statements;
  }

  function historyStatements(p: PollRecord): TxQuery[] {
    if (p.samples.length === 0) return [];
    const at = p.at.getTime();
    const statements = historyStatementsFor(p.samples.length);
    const sampleValues: Record<string, unknown> = {};
    const rollupValues: Record<string, unknown> = {};
    let rollup = 0;
    p.samples.forEach((s, i) => {
      Object.assign(sampleValues, {
        [`agentId${i}`]: p.agentId,
        [`metric${i}`]: s.metric,
        [`label${i}`]: s.label,
        [`createdAt${i}`]: p.at,
        [`value${i}`]: s.figures.sum / s.figures.count,
      });
      for (const g of gaugeRollups(at, s.figures)) {
        const row: Record<(typeof ROLLUP_FIELDS)[number], unknown> = {
          agentId: p.agentId,
          metric: s.metric,
          label: s.label,
          ...g,
        };
        for (const field of ROLLUP_FIELDS) rollupValues[`${field}${rollup}`] = row[field];
        rollup++;
      }
    });
    return [withValues(statements.samples, sampleValues), withValues(statements.rollups, rollupValues)];
  }

  function peaksStatement(tx: AppDb, p: PollRecord): TxQuery[] {
    if (!p.peaks) return [];
    const values = {
      peakRx: p.peaks.peak_rx,
      peakTx: p.peaks.peak_tx,
      peakRxAt: parseTime(p.peaks.peak_rx_timestamp),
      peakTxAt: parseTime(p.peaks.peak_tx_timestamp),
      updatedAt: p.at,
    };
    return [
      tx
        .insert(t.agentPeaks)
        .values({ agentId: p.agentId, ...values })
        .onConflictDoUpdate({ target: t.agentPeaks.agentId, set: values }),
    ];
  }

  return {
    async list(): Promise<AgentRow[]> {
      return db.select().from(a).orderBy(asc(a.name), asc(a.id));
    },

    async find(id: number): Promise<AgentRow | undefined> {
      const [row] = await db.select().from(a).where(eq(a.id, id)).limit(1);
      return row;
    },

    async insert(row: NewAgent): Promise<AgentRow> {
      const [saved] = await db.insert(a).values(row).returning();
      return saved!;
    },

    async update(id: number, patch: Partial<NewAgent>): Promise<AgentRow | undefined> {
      const [saved] = await db
        .update(a)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(a.id, id))
        .returning();
      return saved;
    },

    async remove(id: number): Promise<boolean> {
      const deleted = await db.delete(a).where(eq(a.id, id)).returning({ id: a.id });
      return deleted.length > 0;
    },

    /** A state change as the connection saw it (not an edit: updated_at stays). */
    async saveState(
      id: number,
      s: { state: AgentConnectionState; reason: string | null; since: Date; lastSeen: Date | null },
    ): Promise<void> {
      await db
        .update(a)
        .set({ state: s.state, stateReason: s.reason, stateSince: s.since, lastSeenAt: s.lastSeen })
        .where(eq(a.id, id));
    },

    /** Stores one poll: history rows, and the documents given (system, interfaces, hardware, peaks), in one transaction. */
    async recordPoll(p: PollRecord): Promise<void> {
      await atomic(
        h,
        function* (tx) {
          yield [
            ...historyStatements(p),
            ...systemStatements(tx, p),
            ...peaksStatement(tx, p),
            ...(p.lastSeen ? [tx.update(a).set({ lastSeenAt: p.lastSeen }).where(eq(a.id, p.agentId))] : []),
          ];
        },
        { relaxedDurability: true },
      );
    },

    async systemInfo(id: number): Promise<SystemInfoRow | undefined> {
      const [row] = await db.select().from(info).where(eq(info.agentId, id)).limit(1);
      return row;
    },

    async interfaces(id: number): Promise<InterfaceRow[]> {
      return db.select().from(ifaces).where(eq(ifaces.agentId, id)).orderBy(asc(ifaces.name));
    },

    async peaks(id: number): Promise<PeaksRow | undefined> {
      const [row] = await db.select().from(t.agentPeaks).where(eq(t.agentPeaks.agentId, id)).limit(1);
      return row;
    },

    /** Keeps each interface's latest export, replacing the one before (one row per agent and interface). */
    async saveVnstat(id: number, doc: HistoricalExport, at: Date): Promise<void> {
      if (doc.interfaces.length === 0) return;
      const v = t.agentVnstat;
      await db
        .insert(v)
        .values(
          doc.interfaces.map((iface) => ({
            agentId: id,
            interfaceName: iface.name,
            vnstatVersion: doc.vnstatversion,
            jsonVersion: doc.jsonversion,
            data: iface as unknown as Record<string, unknown>,
            serverTime: doc.server_time,
            timezoneOffset: doc.timezone_offset,
            createdAt: at,
          })),
        )
        .onConflictDoUpdate({
          target: [v.agentId, v.interfaceName],
          set: {
            vnstatVersion: excluded("vnstat_version"),
            jsonVersion: excluded("json_version"),
            data: excluded("data"),
            serverTime: excluded("server_time"),
            timezoneOffset: excluded("timezone_offset"),
            createdAt: excluded("created_at"),
          },
        });
    },

    async vnstat(id: number, interfaceName?: string): Promise<VnstatRow[]> {
      const v = t.agentVnstat;
      return db
        .select()
        .from(v)
        .where(interfaceName ? and(eq(v.agentId, id), eq(v.interfaceName, interfaceName)) : eq(v.agentId, id))
        .orderBy(asc(v.interfaceName));
    },
  };
}

export type AgentsRepository = ReturnType<typeof createAgentsRepository>;
