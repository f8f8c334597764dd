/**
 * Agents, their connection state, and the last of everything they answered: system information, interfaces,
 * hardware, peaks and vnstat exports. A poll's documents go in with its history rows in one transaction
 * (agent-poll.repository.ts holds those statements, agent-history.repository.ts the history). Both dialects.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { DbHandle } from "../db";
import { atomicBatch } from "../history/atomic";
import type { HistoricalExport } from "../protocol/agent";
import { createPollWriter, type PollRecord } from "./agent-poll.repository";
import type { AgentConnectionState } from "./agents.events";

export type { PollRecord } from "./agent-poll.repository";

export type AgentRow = DbHandle["t"]["agents"]["$inferSelect"];
export type NewAgent = DbHandle["t"]["agents"]["$inferInsert"];
export type SystemInfoRow = DbHandle["t"]["agentSystemInfo"]["$inferSelect"];
export type InterfaceRow = DbHandle["t"]["agentInterfaces"]["$inferSelect"];
export type PeaksRow = DbHandle["t"]["agentPeaks"]["$inferSelect"];
export type VnstatRow = DbHandle["t"]["agentVnstat"]["$inferSelect"];

export function createAgentsRepository(h: DbHandle) {
  const { db, t } = h;
  const a = t.agents;
  const info = t.agentSystemInfo;
  const ifaces = t.agentInterfaces;
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  const pollStatements = createPollWriter(h);

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

    /**
     * Stores one poll: history rows, and the documents given (system, interfaces, hardware, peaks), in one
     * transaction. Idempotent: stored twice, a poll fails on its raw rows' key, and documents are overwritten.
     */
    async recordPoll(p: PollRecord): Promise<void> {
      await atomicBatch(h, () => pollStatements(p), { relaxedDurability: true, idempotent: true });
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
