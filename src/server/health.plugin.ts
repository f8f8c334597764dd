/** GET /health: status, version and database reachability. Public, for load balancers and uptime checks. */
import { Elysia } from "elysia";
import type { AppContext } from "./context";

export function healthPlugin(ctx: AppContext) {
  return new Elysia({ name: "health", seed: ctx.instanceId }).get("/health", async ({ set }) => {
    const started = performance.now();
    let database: { type: string; reachable: boolean; latencyMs?: number; error?: string };
    try {
      await ctx.db.ping();
      database = { type: ctx.db.dialect, reachable: true, latencyMs: Number((performance.now() - started).toFixed(2)) };
    } catch (e) {
      ctx.log.warn("health check: database unreachable", { error: (e as Error).message });
      database = { type: ctx.db.dialect, reachable: false, error: "database unreachable" };
    }
    set.headers["cache-control"] = "no-store";
    set.status = database.reachable ? 200 : 503;
    return {
      status: database.reachable ? "ok" : "degraded",
      version: ctx.build.version,
      uptimeSeconds: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000),
      database,
    };
  });
}
