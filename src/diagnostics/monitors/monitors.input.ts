/** What a monitor's create and edit accept, checked once and turned into stored values. */
import type { Config } from "../../config/schema";
import { BadInput } from "../../core/errors";
import { parseTarget } from "../../core/host";
import { describeInterval, type Interval, MONITOR_INTERVALS, parseInterval } from "../../scheduler/interval";
import { maxPacketCount } from "./budget";
import type { MonitorRow } from "./monitors.repository";

export interface MonitorInput {
  host?: string;
  name?: string;
  interval?: string;
  packetCount?: number;
  threshold?: number;
  enabled?: boolean;
  /** Create (or edit) and run once right away; implies enabled. */
  startImmediately?: boolean;
  /** The agent to run from; null: this server (an edit without it keeps the stored choice). */
  agentId?: number | null;
}

export const DEFAULT_THRESHOLD = 5;
const MAX_NAME_LENGTH = 100;

/** "3600" seconds from the config as the interval grammar's shortest form ("1h"). */
export function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export interface ValidMonitorInput {
  host: string;
  name: string;
  interval: Interval;
  packetCount: number;
  threshold: number;
}

/** The input merged over `existing` (an edit) or the configured defaults, validated; throws BadInput naming the field. */
export function validateMonitorInput(
  input: MonitorInput,
  existing: MonitorRow | undefined,
  o: { settings: Config["packetloss"]; timezone: string },
): ValidMonitorInput {
  const hostText = input.host ?? existing?.host;
  if (hostText === undefined) throw new BadInput("host: required", "host");
  const target = parseTarget(hostText, "host");
  if (target.port !== undefined)
    throw new BadInput("host: a monitor probes a host, not a port; leave the port out", "host");
  const interval = parseInterval(
    input.interval ?? existing?.interval ?? durationText(o.settings.default_interval),
    MONITOR_INTERVALS,
  );
  const packetCount = input.packetCount ?? existing?.packetCount ?? o.settings.default_packet_count;
  if (!Number.isInteger(packetCount) || packetCount < 1 || packetCount > 1000)
    throw new BadInput("packetCount: must be a whole number from 1 to 1000", "packetCount");
  const fits = maxPacketCount(interval);
  if (packetCount > fits)
    throw new BadInput(
      `packetCount: at most ${fits} probes fit in a run ${describeInterval(interval, o.timezone)}; use fewer probes or a longer interval`,
      "packetCount",
    );
  const threshold = input.threshold ?? existing?.threshold ?? DEFAULT_THRESHOLD;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100)
    throw new BadInput("threshold: must be a loss percentage from 0 to 100", "threshold");
  const name = (input.name ?? existing?.name ?? "").trim() || target.host;
  if (name.length > MAX_NAME_LENGTH) throw new BadInput(`name: at most ${MAX_NAME_LENGTH} characters`, "name");
  return { host: target.host, name, interval, packetCount, threshold };
}
