/**
 * The collector registry: adding a collector is one file plus one line here. The agent creates collectors from this
 * table (all of them, or only those that are not system metrics when `disable_system_metrics` is set).
 */
import { bandwidth } from "./bandwidth";
import type { Collector, CollectorContext, CollectorDefinition } from "./collector";
import { cpu } from "./cpu";
import { disks } from "./disks";
import { memory } from "./memory";
import { system } from "./system";
import { temperatures } from "./temperatures";

export const collectors = { bandwidth, cpu, memory, disks, temperatures, system } satisfies Record<
  string,
  CollectorDefinition<Collector>
>;

export type CollectorId = keyof typeof collectors;
export type CollectorOf<K extends CollectorId> = ReturnType<(typeof collectors)[K]["create"]>;
export type Collectors<K extends CollectorId> = { [P in K]: CollectorOf<P> };

export const SYSTEM_COLLECTORS = (Object.keys(collectors) as CollectorId[]).filter((id) => collectors[id].systemMetric);

/** Creates the named collectors; each one that the host cannot support says so once, here. */
export function createCollectors<K extends CollectorId>(ctx: CollectorContext, ids: readonly K[]): Collectors<K> {
  return Object.fromEntries(ids.map((id) => [id, collectors[id].create(ctx)])) as Collectors<K>;
}
