/**
 * `GET /metrics` for Prometheus: readable with any identity (a read-only API token is the intended one), in the text
 * exposition format. Each scrape reads the latest figures; nothing is kept between scrapes but the agents' last poll.
 */
import { Elysia } from "elysia";
import type { SessionPlugin } from "../auth/session.plugin";
import type { Bus } from "../core/bus";
import type { AgentsService } from "../hub/agents.service";
import type { AppContext } from "../server/context";
import type { AppEvent } from "../server/events";
import { CONTENT_TYPE, exposition } from "./exposition";
import { createMetricsRepository } from "./metrics.repository";
import { METRIC_SOURCES } from "./sources";

export function metricsPlugin(
  ctx: AppContext,
  deps: { bus: Bus<AppEvent>; agents: AgentsService; session: SessionPlugin },
) {
  const repo = createMetricsRepository(ctx.db);
  const sources = Object.values(METRIC_SOURCES).map((make) => make({ ctx, repo, bus: deps.bus, agents: deps.agents }));
  return new Elysia({ name: "metrics", seed: ctx.instanceId }).use(deps.session).get(
    "/metrics",
    async () => {
      const families = (await Promise.all(sources.map((source) => source()))).flat();
      return new Response(exposition(families), { headers: { "content-type": CONTENT_TYPE } });
    },
    { api: true },
  );
}
