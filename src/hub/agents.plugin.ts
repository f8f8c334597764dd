/**
 * The agent API under /api/monitor/agents: the original's paths and fields (CRUD, status, start/stop, and the
 * agent's own documents with the fallback to what was stored), plus /history for charts.
 */
import { Elysia } from "elysia";
import type { SessionPlugin } from "../auth/session.plugin";
import { BadInput } from "../core/errors";
import type { AppContext } from "../server/context";
import { METRIC_IDS, type Metric } from "./agent-metrics";
import { agentJson, statusJson } from "./agents.json";
import { agentBody, agentParams, agentPatch, historyQuery, nativeQuery } from "./agents.schema";
import type { AgentsService } from "./agents.service";

function metricList(text: string | undefined): Metric[] {
  if (!text) return METRIC_IDS;
  const names = [...new Set(text.split(","))];
  const unknown = names.filter((n) => !(METRIC_IDS as string[]).includes(n));
  if (unknown.length)
    throw new BadInput(`metrics: unknown ${unknown.join(", ")}; use ${METRIC_IDS.join(", ")}`, "metrics");
  return names as Metric[];
}

export function agentsApi(ctx: AppContext, agents: AgentsService, session: SessionPlugin) {
  const base = "/api/monitor/agents";
  return new Elysia({ name: "agents.api", seed: ctx.instanceId }).use(session).guard({ api: true }, (app) =>
    app
      .get(base, async () => (await agents.list()).map(agentJson))
      .post(base, async ({ body, status }) => status(201, agentJson(await agents.create(body))), { body: agentBody })
      .get(`${base}/:id`, async ({ params }) => agentJson(await agents.get(params.id)), { params: agentParams })
      .put(`${base}/:id`, async ({ params, body }) => agentJson(await agents.update(params.id, body)), {
        params: agentParams,
        body: agentPatch,
      })
      .delete(
        `${base}/:id`,
        async ({ params, status }) => {
          await agents.remove(params.id);
          return status(204, "");
        },
        { params: agentParams },
      )
      .get(`${base}/:id/status`, async ({ params }) => statusJson(await agents.get(params.id)), {
        params: agentParams,
      })
      .post(
        `${base}/:id/start`,
        async ({ params }) => ({
          message: "Agent started successfully",
          agent: agentJson(await agents.start(params.id)),
        }),
        { params: agentParams },
      )
      .post(
        `${base}/:id/stop`,
        async ({ params }) => ({
          message: "Agent stopped successfully",
          agent: agentJson(await agents.stop(params.id)),
        }),
        { params: agentParams },
      )
      .get(
        `${base}/:id/system`,
        async ({ params }) => {
          await agents.found(params.id);
          return agents.reads.system(params.id);
        },
        { params: agentParams },
      )
      .get(
        `${base}/:id/hardware`,
        async ({ params }) => {
          await agents.found(params.id);
          return agents.reads.hardware(params.id);
        },
        { params: agentParams },
      )
      .get(
        `${base}/:id/peaks`,
        async ({ params }) => {
          await agents.found(params.id);
          return agents.reads.peaks(params.id);
        },
        { params: agentParams },
      )
      .get(
        `${base}/:id/native`,
        async ({ params, query }) => {
          await agents.found(params.id);
          return agents.reads.native(params.id, query.interface || undefined);
        },
        { params: agentParams, query: nativeQuery },
      )
      .get(
        `${base}/:id/history`,
        async ({ params, query }) => {
          const { plan, chart } = await agents.chart(params.id, query.timeRange ?? "1d", metricList(query.metrics));
          return {
            timeRange: plan.range,
            resolution: plan.source,
            stepSeconds: plan.stepSeconds,
            from: new Date(plan.from).toISOString(),
            to: new Date(plan.to).toISOString(),
            ...chart,
          };
        },
        { params: agentParams, query: historyQuery },
      ),
  );
}
