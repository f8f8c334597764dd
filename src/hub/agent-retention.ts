/** How long agent history is kept ([retention] agent_*), as rules for the one hourly pruning job (history/retention.ts). */
import type { Config } from "../config/schema";
import { DELETE_BATCH, inBatches, type RetentionRule } from "../history/retention";
import type { AgentHistoryRepository } from "./agent-history.repository";

export function agentRetentionRules(cfg: Config["retention"], repo: AgentHistoryRepository): RetentionRule[] {
  return [
    {
      what: "agent raw samples",
      days: cfg.agent_raw_days,
      prune: (before, signal) => inBatches(() => repo.pruneSamples(before, DELETE_BATCH), signal),
    },
    { what: "1-minute agent rollups", days: cfg.agent_minute_days, prune: (before) => repo.pruneRollups(60, before) },
    { what: "hourly agent rollups", days: cfg.agent_hour_days, prune: (before) => repo.pruneRollups(3600, before) },
  ];
}
