/**
 * The packet-loss probe methods, in the order a run tries them: mtr first (hop-by-hop), ping when mtr cannot
 * fit the run or cannot run here. The stored method, the result's labels and whether it has hop data derive
 * from here, so a method is added with its file and one line below.
 */
import type { LossProbe } from "./loss-probe";
import { mtrProbe } from "./mtr-probe";
import { pingProbe } from "./ping-probe";

export const PROBES = {
  mtr: mtrProbe,
  ping: pingProbe,
} satisfies Record<string, LossProbe>;

export type ProbeMethod = keyof typeof PROBES;

/** Every method, in the order a run tries them. */
export const PROBE_METHODS = Object.keys(PROBES) as [ProbeMethod, ...ProbeMethod[]];

export function isProbeMethod(value: string): value is ProbeMethod {
  return Object.hasOwn(PROBES, value);
}
