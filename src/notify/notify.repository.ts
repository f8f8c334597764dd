/** Notification channels, rules, alert state and delivery history. One query per operation, both dialects. */
import { and, asc, desc, eq, inArray, isNull, lt } from "drizzle-orm";
import type { DbHandle } from "../db";
import type { AlertState } from "./rules";

export type ChannelRow = DbHandle["t"]["notificationChannels"]["$inferSelect"];
export type NewChannel = DbHandle["t"]["notificationChannels"]["$inferInsert"];
export type RuleRow = DbHandle["t"]["notificationRules"]["$inferSelect"];
export type NewRule = DbHandle["t"]["notificationRules"]["$inferInsert"];
export type HistoryRow = DbHandle["t"]["notificationHistory"]["$inferSelect"];
export type NewHistory = DbHandle["t"]["notificationHistory"]["$inferInsert"];

export function createNotifyRepository({ db, t }: DbHandle) {
  const c = t.notificationChannels;
  const r = t.notificationRules;
  const s = t.notificationAlertState;
  const h = t.notificationHistory;
  return {
    listChannels(): Promise<ChannelRow[]> {
      return db.select().from(c).orderBy(asc(c.name), asc(c.id));
    },
    async findChannel(id: number): Promise<ChannelRow | undefined> {
      const [row] = await db.select().from(c).where(eq(c.id, id)).limit(1);
      return row;
    },
    async insertChannel(row: NewChannel): Promise<ChannelRow> {
      const [saved] = await db.insert(c).values(row).returning();
      return saved!;
    },
    async updateChannel(id: number, patch: Partial<NewChannel>): Promise<ChannelRow | undefined> {
      const [saved] = await db
        .update(c)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(c.id, id))
        .returning();
      return saved;
    },
    /** Deletes the channel, its rules (cascade) and their alert state. */
    async deleteChannel(id: number): Promise<boolean> {
      const ruleIds = (await db.select({ id: r.id }).from(r).where(eq(r.channelId, id))).map((x) => x.id);
      const deleted = await db.delete(c).where(eq(c.id, id)).returning({ id: c.id });
      if (ruleIds.length) await db.delete(s).where(inArray(s.ruleKey, ruleIds.map(ruleKey)));
      return deleted.length > 0;
    },

    listRules(channelId?: number): Promise<RuleRow[]> {
      return db
        .select()
        .from(r)
        .where(channelId === undefined ? undefined : eq(r.channelId, channelId))
        .orderBy(asc(r.channelId), asc(r.eventId));
    },
    async findRule(id: number): Promise<RuleRow | undefined> {
      const [row] = await db.select().from(r).where(eq(r.id, id)).limit(1);
      return row;
    },
    async findRuleFor(channelId: number, eventId: number): Promise<RuleRow | undefined> {
      const [row] = await db
        .select()
        .from(r)
        .where(and(eq(r.channelId, channelId), eq(r.eventId, eventId)))
        .limit(1);
      return row;
    },
    async insertRule(row: NewRule): Promise<RuleRow> {
      const [saved] = await db.insert(r).values(row).returning();
      return saved!;
    },
    async updateRule(id: number, patch: Partial<NewRule>): Promise<RuleRow | undefined> {
      const [saved] = await db
        .update(r)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(r.id, id))
        .returning();
      return saved;
    },
    async deleteRule(id: number): Promise<boolean> {
      const deleted = await db.delete(r).where(eq(r.id, id)).returning({ id: r.id });
      await db.delete(s).where(eq(s.ruleKey, ruleKey(id)));
      return deleted.length > 0;
    },

    async loadStates(keys: string[]): Promise<Map<string, AlertState>> {
      const out = new Map<string, AlertState>();
      if (keys.length === 0) return out;
      const rows = await db.select().from(s).where(inArray(s.ruleKey, keys));
      for (const row of rows)
        out.set(stateKey(row.ruleKey, row.subject), {
          recent: row.recent,
          firing: row.firing,
          lastSentAt: row.lastSentAt,
        });
      return out;
    },
    async saveState(key: string, subject: string, state: AlertState): Promise<void> {
      const values = {
        recent: state.recent,
        firing: state.firing,
        lastSentAt: state.lastSentAt,
        updatedAt: new Date(),
      };
      await db
        .insert(s)
        .values({ ruleKey: key, subject, ...values })
        .onConflictDoUpdate({ target: [s.ruleKey, s.subject], set: values });
    },
    /** Forgets state of the built-in rules (their configuration changed) or of rules that no longer exist. */
    async deleteStatesExcept(keep: string[]): Promise<void> {
      const rows = await db.selectDistinct({ ruleKey: s.ruleKey }).from(s);
      const stale = rows.map((x) => x.ruleKey).filter((k) => !keep.includes(k));
      if (stale.length) await db.delete(s).where(inArray(s.ruleKey, stale));
    },

    async insertHistory(row: NewHistory): Promise<void> {
      await db.insert(h).values(row);
    },
    /** Newest first. */
    listHistory(limit: number, filter: { channelId?: number; failedOnly?: boolean } = {}): Promise<HistoryRow[]> {
      return db
        .select()
        .from(h)
        .where(
          and(
            filter.channelId === undefined
              ? undefined
              : filter.channelId === 0
                ? isNull(h.channelId)
                : eq(h.channelId, filter.channelId),
            filter.failedOnly ? eq(h.success, false) : undefined,
          ),
        )
        .orderBy(desc(h.createdAt), desc(h.id))
        .limit(limit);
    },
    async pruneHistory(before: Date, batch: number): Promise<number> {
      const ids = db.select({ id: h.id }).from(h).where(lt(h.createdAt, before)).limit(batch);
      const deleted = await db.delete(h).where(inArray(h.id, ids)).returning({ id: h.id });
      return deleted.length;
    },
  };
}

/** Alert state keys: saved rules by ID, the [notifications] rules by event. */
export const ruleKey = (id: number) => `rule:${id}`;
export const configRuleKey = (eventId: number) => `config:${eventId}`;
export const stateKey = (key: string, subject: string) => `${key}\n${subject}`;

export type NotifyRepository = ReturnType<typeof createNotifyRepository>;
