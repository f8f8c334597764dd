/** The Monitors page's create/edit form: its fields turned into the service's input, and back for a redisplay. */
import type { MonitorFormValues } from "../../../views/diagnostics/monitor-form";
import { BadInput } from "../../core/errors";
import { agentIdOf } from "../../hub/run-from";
import type { MonitorInput } from "./monitors.input";
import type { monitorForm as monitorFormSchema } from "./monitors.schema";

type FormBody = typeof monitorFormSchema.static;

function formNumber(text: string | undefined, field: string, what: string): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new BadInput(`${field}: ${what}`, field);
  return value;
}

/** Turns the panel's form into the service's input. */
export function formToInput(f: FormBody): MonitorInput {
  const exact = f.intervalMode === "exact";
  return {
    host: f.host,
    name: f.name,
    interval: exact ? `exact:${f.exactTimes ?? ""}` : f.interval,
    packetCount: formNumber(f.packetCount, "packetCount", "must be a whole number from 1 to 1000"),
    threshold: formNumber(f.threshold, "threshold", "must be a loss percentage from 0 to 100"),
    startImmediately: f.startImmediately === "on",
    agentId: agentIdOf(f.runFrom),
  };
}

export function formValues(f: FormBody): MonitorFormValues {
  return {
    host: f.host,
    name: f.name ?? "",
    interval: f.intervalMode === "exact" ? `exact:${f.exactTimes ?? ""}` : (f.interval ?? "1m"),
    packetCount: f.packetCount ?? "",
    threshold: f.threshold ?? "",
    startImmediately: f.startImmediately === "on",
    runFrom: /^\d+$/.test(f.runFrom ?? "") ? Number(f.runFrom) : null,
  };
}
