/**
 * One packet-loss measurement: the destination is resolved once, then each planned method runs in turn until
 * one measures. The outcome records which method ran and, when it is not the first, why.
 */
import { lookup } from "node:dns/promises";
import type { ProbeHost, ProbeOutcome, ProbeProgress, ProbeRequest } from "../../protocol/measurements";
import { ProbeFailed } from "./loss-probe";
import { DNS_TIMEOUT_SECONDS, planProbe } from "./plan";
import { PROBES, type ProbeMethod } from "./registry";

const PROGRESS_EVERY_MS = 250;

async function resolve(request: ProbeRequest, method: ProbeMethod): Promise<{ ip: string; family: 4 | 6 }> {
  if (request.family !== 0) return { ip: request.host, family: request.family };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new ProbeFailed(`could not resolve ${request.host}: no answer within ${DNS_TIMEOUT_SECONDS} s`, method)),
      DNS_TIMEOUT_SECONDS * 1000,
    );
  });
  try {
    const found = await Promise.race([lookup(request.host), timeout]);
    return { ip: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (e) {
    if (e instanceof ProbeFailed) throw e;
    throw new ProbeFailed(`unknown host ${request.host}`, method);
  } finally {
    clearTimeout(timer);
  }
}

function throttled(onProgress?: (progress: ProbeProgress) => void): (progress: () => ProbeProgress) => void {
  let last = 0;
  return (progress) => {
    const now = performance.now();
    if (!onProgress || now - last < PROGRESS_EVERY_MS) return;
    last = now;
    onProgress(progress());
  };
}

/** Measures loss and RTT to the request's host. Throws ProbeFailed when nothing could be measured; aborting kills the tool. */
export async function runProbe(
  request: ProbeRequest,
  control: { signal: AbortSignal; onProgress?: (progress: ProbeProgress) => void },
  host: ProbeHost,
): Promise<ProbeOutcome> {
  const plan = planProbe(request, host);
  const reasons = plan.skipped.map((s) => s.reason);
  const dest = await resolve(request, plan.steps[0]!.method);
  control.signal.throwIfAborted();
  const report = throttled(control.onProgress);
  for (const step of plan.steps) {
    const outcome = await PROBES[step.method].run({
      dest,
      request,
      spacingSeconds: step.spacingSeconds,
      signal: control.signal,
      report,
    });
    if (!("fallback" in outcome))
      return reasons.length === 0 ? outcome : { ...outcome, fallbackReason: reasons.join("; ") };
    reasons.push(outcome.fallback);
  }
  // The last method (ping) never hands over; reaching here means the registry ends with one that does.
  throw new ProbeFailed(reasons.join("; "), plan.steps.at(-1)!.method);
}
