/** Every metric source, in the order /metrics lists them: adding an area is one file and one line here. */
import type { Bus } from "../../core/bus";
import type { AgentsService } from "../../hub/agents.service";
import type { AppContext } from "../../server/context";
import type { AppEvent } from "../../server/events";
import type { MetricsRepository } from "../metrics.repository";
import { agentMetrics } from "./agents";
import { buildMetrics } from "./build";
import { monitorMetrics } from "./monitors";
import type { MetricSource } from "./source";
import { speedtestMetrics } from "./speedtest";

export interface MetricDeps {
  ctx: AppContext;
  repo: MetricsRepository;
  bus: Bus<AppEvent>;
  agents: AgentsService;
}

export const METRIC_SOURCES = {
  build: ({ ctx }) => buildMetrics(ctx),
  speedtest: ({ repo }) => speedtestMetrics(repo),
  monitors: ({ repo }) => monitorMetrics(repo),
  agents: ({ agents, bus }) => agentMetrics(agents, bus),
} satisfies Record<string, (deps: MetricDeps) => MetricSource>;
