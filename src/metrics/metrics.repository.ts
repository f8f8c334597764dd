/** The read-only queries behind /metrics: the latest figures per speed-test server and per monitor. */
import { inArray, isNull, max } from "drizzle-orm";
import type { DbHandle } from "../db";

export function createMetricsRepository({ db, t }: DbHandle) {
  const s = t.speedTests;
  const r = t.packetLossResults;
  const m = t.packetLossMonitors;
  // Per machine too: the same server measured from an agent at another site is another series.
  const latestPerServer = (successfulOnly: boolean) =>
    db
      .select({ id: max(s.id) })
      .from(s)
      .where(successfulOnly ? isNull(s.error) : undefined)
      .groupBy(s.testType, s.serverId, s.agentId);

  return {
    /** The newest successful result of each server (by provider and server id) from each machine. */
    latestSuccessfulPerServer() {
      return db
        .select({
          testType: s.testType,
          serverId: s.serverId,
          serverName: s.serverName,
          agentId: s.agentId,
          agentName: s.agentName,
          downloadMbps: s.downloadMbps,
          uploadMbps: s.uploadMbps,
          latencyMs: s.latencyMs,
          jitterMs: s.jitterMs,
          createdAt: s.createdAt,
        })
        .from(s)
        .where(inArray(s.id, latestPerServer(true)));
    },

    /** The newest run of each server from each machine, successful or not. */
    latestRunPerServer() {
      return db
        .select({
          testType: s.testType,
          serverId: s.serverId,
          serverName: s.serverName,
          agentId: s.agentId,
          agentName: s.agentName,
          error: s.error,
          createdAt: s.createdAt,
        })
        .from(s)
        .where(inArray(s.id, latestPerServer(false)));
    },

    monitors() {
      return db
        .select({ id: m.id, name: m.name, host: m.host, enabled: m.enabled, state: m.lastState, lastRun: m.lastRun })
        .from(m);
    },

    /** The newest result still stored for each monitor. */
    latestMonitorResults() {
      return db
        .select({
          monitorId: r.monitorId,
          packetLoss: r.packetLoss,
          packetsSent: r.packetsSent,
          packetsRecv: r.packetsRecv,
          minRtt: r.minRtt,
          avgRtt: r.avgRtt,
          maxRtt: r.maxRtt,
          unreachable: r.unreachable,
          createdAt: r.createdAt,
        })
        .from(r)
        .where(
          inArray(
            r.id,
            db
              .select({ id: max(r.id) })
              .from(r)
              .groupBy(r.monitorId),
          ),
        );
    },
  };
}

export type MetricsRepository = ReturnType<typeof createMetricsRepository>;
