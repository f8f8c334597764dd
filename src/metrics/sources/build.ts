/** Which Netronome this is, and since when it runs. */
import type { AppContext } from "../../server/context";
import { gauge, type MetricSource } from "./source";

export function buildMetrics(ctx: AppContext): MetricSource {
  const { version, commit, bun, platform } = ctx.build;
  return () => [
    gauge("netronome_build_info", "Netronome's version, commit, Bun version and platform (always 1)", [
      { labels: { version, commit, bun, platform }, value: 1 },
    ]),
    gauge("netronome_start_time_seconds", "When this server started, in seconds since the Unix epoch", [
      { value: ctx.startedAt.getTime() / 1000 },
    ]),
  ];
}
