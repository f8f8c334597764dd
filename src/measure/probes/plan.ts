/**
 * Planning a packet-loss run: which method will run, with what spacing, why the ones before it cannot, and
 * how long the whole run may take. Pure, so the hub can explain a monitor's method before it ever runs.
 */
import type { ProbeHost, ProbeRequest } from "../../protocol/measurements";
import { KILL_MARGIN_SECONDS, MIN_SPACING_SECONDS } from "./loss-probe";
import { MTR_GRACE_SECONDS } from "./mtr-probe";
import { PROBE_METHODS, PROBES, type ProbeMethod } from "./registry";

/** Longest wait for a name to resolve before probing. */
export const DNS_TIMEOUT_SECONDS = 10;

export interface ProbePlan {
  /** The methods that fit the budget, in the order they are tried, with their spacing. */
  steps: { method: ProbeMethod; spacingSeconds: number }[];
  /** The methods that do not fit, with the reason in plain words. */
  skipped: { method: ProbeMethod; reason: string }[];
  /** Upper bound on the whole run (name lookup, every method tried, kill margins), seconds. */
  timeoutSeconds: number;
}

export function planProbe(request: Pick<ProbeRequest, "count" | "budgetSeconds" | "icmp">, host: ProbeHost): ProbePlan {
  const plan: ProbePlan = { steps: [], skipped: [], timeoutSeconds: 0 };
  let longest = 0;
  for (const method of PROBE_METHODS) {
    const spacing = PROBES[method].spacing(request, host);
    if ("unfit" in spacing) {
      plan.skipped.push({ method, reason: spacing.unfit });
      continue;
    }
    plan.steps.push({ method, spacingSeconds: spacing.seconds });
    longest = Math.max(longest, PROBES[method].durationSeconds(request.count, spacing.seconds));
  }
  plan.timeoutSeconds = Math.ceil(DNS_TIMEOUT_SECONDS + longest + KILL_MARGIN_SECONDS);
  return plan;
}

/** The most probes that fit in a run of `budgetSeconds` at the fastest spacing. */
export function maxProbeCount(budgetSeconds: number): number {
  return Math.max(1, Math.floor((budgetSeconds - MTR_GRACE_SECONDS) / MIN_SPACING_SECONDS));
}
