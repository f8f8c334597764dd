/**
 * One packet-loss measurement: mtr first (hop-by-hop, live from `--raw`), and
 * plain ping when mtr is missing, lacks privileges, or cannot send its probes
 * within the monitor's interval. The outcome records which method ran. Overall
 * loss and RTT are the destination's own (mtrEndToEnd), never an
 * intermediate hop's; RTTs keep their sub-millisecond precision, and each
 * reply's RTT is kept for the rollup histogram.
 */
import { lookup } from "node:dns/promises";
import type { Target } from "../../core/host";
import { CommandNotFound, run } from "../../core/runner";
import type { Interval } from "../../scheduler/interval";
import { countryFlag, formatAsn, type GeoIp } from "../geoip";
import { describeMtrFailure, type MtrHop, MtrRawStream, mtrArgv, mtrEndToEnd } from "../probes/mtr";
import { PingError, runPing } from "../probes/ping";

export type ProbeMethod = "mtr" | "ping";

/** A hop in a stored result, with the original's field names (`recv`, `as`). */
export interface MonitorHop {
  number: number;
  host: string | null;
  ip: string | null;
  loss: number;
  sent: number;
  recv: number;
  last: number | null;
  avg: number | null;
  best: number | null;
  worst: number | null;
  stddev: number | null;
  countryCode?: string;
  flag?: string;
  as?: string;
}

export interface ProbeOutcome {
  method: ProbeMethod;
  /** The address probed (a name is resolved first, so mtr and ping agree on the destination). */
  ip: string;
  packetLoss: number;
  packetsSent: number;
  packetsRecv: number;
  minRtt: number | null;
  avgRtt: number | null;
  maxRtt: number | null;
  stdDevRtt: number | null;
  /** Every reply's RTT from the destination, in ms. */
  rttSamplesMs: number[];
  /** mtr's hops; null for ping. */
  hops: MonitorHop[] | null;
  /** Why ping ran instead of mtr. */
  fallbackReason?: string;
}

export interface ProbeProgress {
  method: ProbeMethod;
  /** Probes sent to, and replies from, the destination so far. */
  sent: number;
  received: number;
  /** 0–100. */
  percent: number;
  hopCount: number | null;
}

/** The measurement itself failed (unknown host, tool error); the message is plain English. */
export class ProbeFailed extends Error {
  constructor(
    message: string,
    readonly method: ProbeMethod,
  ) {
    super(message);
  }
}

/** mtr's wait for late replies after its last probe (its default of 5 s would eat short intervals). */
const MTR_GRACE_SECONDS = 2;
/** ping's wait for a reply (-W) once it has sent its last probe. */
const PING_WAIT_SECONDS = 2;
/** The fastest probing we ask for: mtr refuses less, and faster bursts would measure the probing itself. */
const MIN_SPACING_SECONDS = 0.1;
/** The usual one probe a second, used whenever the interval leaves time for it. */
const MAX_SPACING_SECONDS = 1;
/** A run may take this share of the monitor's interval, so the next slot finds it finished. */
const RUN_SHARE = 0.8;
/** Extra time before a stuck tool is killed. */
const KILL_MARGIN_SECONDS = 15;
const DNS_TIMEOUT_MS = 10_000;
const PROGRESS_EVERY_MS = 250;

/** The usual time between a monitor's runs: the duration, or the shortest gap between its daily times. */
export function runSpacingSeconds(interval: Interval): number {
  switch (interval.kind) {
    case "duration":
      return interval.seconds;
    case "exact": {
      const minutes = interval.times.map((t) => t.hour * 60 + t.minute);
      // Wrapping past midnight: the last time's gap runs to the first time tomorrow.
      return Math.min(...minutes.map((m, i) => (minutes[i + 1] ?? minutes[0]! + 24 * 60) - m)) * 60;
    }
    case "cron":
      return 60;
  }
}

/** Seconds a run of a monitor with this interval may take. */
export function runBudgetSeconds(interval: Interval): number {
  return runSpacingSeconds(interval) * RUN_SHARE;
}

/** The most probes that fit in one run at the fastest spacing. */
export function maxPacketCount(interval: Interval): number {
  return Math.max(1, Math.floor((runBudgetSeconds(interval) - MTR_GRACE_SECONDS) / MIN_SPACING_SECONDS));
}

export interface ProbePlan {
  /** Seconds between mtr rounds, or null when mtr cannot fit its probes in the budget. */
  mtrSpacing: number | null;
  pingSpacing: number;
  /** Upper bound on the run, for the scheduler's timeout. */
  timeoutSeconds: number;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/**
 * Spreads `count` probes over the budget, one a second when there is time.
 * mtr goes faster only as root with ICMP probes: mtr refuses sub-second
 * intervals to other users, and UDP probes draw ICMP errors that hosts
 * rate-limit to about one a second, which would read as loss.
 */
export function planProbe(count: number, budgetSeconds: number, o: { icmp: boolean; root: boolean }): ProbePlan {
  const ideal = (wait: number) => (budgetSeconds - wait) / count;
  const mtrSpacing =
    o.icmp && o.root ? clamp(ideal(MTR_GRACE_SECONDS), MIN_SPACING_SECONDS, MAX_SPACING_SECONDS) : MAX_SPACING_SECONDS;
  const mtrFits = count * mtrSpacing + MTR_GRACE_SECONDS <= budgetSeconds;
  const pingSpacing = clamp(ideal(PING_WAIT_SECONDS), MIN_SPACING_SECONDS, MAX_SPACING_SECONDS);
  const longest = Math.max(count * mtrSpacing + MTR_GRACE_SECONDS, count * pingSpacing + PING_WAIT_SECONDS);
  return {
    mtrSpacing: mtrFits ? mtrSpacing : null,
    pingSpacing,
    timeoutSeconds: Math.ceil(DNS_TIMEOUT_MS / 1000 + longest + KILL_MARGIN_SECONDS),
  };
}

export interface ProbeOptions {
  count: number;
  plan: ProbePlan;
  /** ICMP probes for mtr; without, UDP (`-u`). */
  icmp: boolean;
  /** Reverse DNS for hop names ([packetloss] mtr_enable_dns). */
  dns: boolean;
  geoip: GeoIp;
  signal: AbortSignal;
  onProgress?: (progress: ProbeProgress) => void;
}

/** mtr-packet without raw-socket rights, or a sub-second interval refused to a non-root user. */
const MTR_PRIVILEGE_FAILURE =
  /Failure to open IPv[46] sockets|Failure to start mtr-packet|needs to be run as root|non-root users cannot request/;

async function resolve(
  target: Pick<Target, "host" | "family">,
  method: ProbeMethod,
): Promise<{ ip: string; family: 4 | 6 }> {
  if (target.family !== 0) return { ip: target.host, family: target.family };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProbeFailed(`could not resolve ${target.host}: no answer within ${DNS_TIMEOUT_MS / 1000} s`, method),
        ),
      DNS_TIMEOUT_MS,
    );
  });
  try {
    const found = await Promise.race([lookup(target.host), timeout]);
    return { ip: found.address, family: found.family === 6 ? 6 : 4 };
  } catch (e) {
    if (e instanceof ProbeFailed) throw e;
    throw new ProbeFailed(`unknown host ${target.host}`, method);
  } finally {
    clearTimeout(timer);
  }
}

function throttled(onProgress: ProbeOptions["onProgress"]): (progress: () => ProbeProgress) => void {
  let last = 0;
  return (progress) => {
    const now = performance.now();
    if (!onProgress || now - last < PROGRESS_EVERY_MS) return;
    last = now;
    onProgress(progress());
  };
}

/** Rounds to 0.1 µs: mtr reports whole µs and ping 1 µs, so this only drops floating-point noise from averaging. */
function roundMs(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1e4) / 1e4;
}

function enrich(hop: MtrHop, geoip: GeoIp): MonitorHop {
  const out: MonitorHop = {
    number: hop.number,
    host: hop.host,
    ip: hop.ip,
    loss: hop.loss,
    sent: hop.sent,
    recv: hop.received,
    last: roundMs(hop.last),
    avg: roundMs(hop.avg),
    best: roundMs(hop.best),
    worst: roundMs(hop.worst),
    stddev: roundMs(hop.stddev),
  };
  if (!hop.ip) return out;
  const info = geoip.lookup(hop.ip);
  if (info.countryCode) {
    out.countryCode = info.countryCode;
    out.flag = countryFlag(info.countryCode);
  }
  if (info.asn !== undefined) out.as = formatAsn(info.asn, info.asOrg);
  return out;
}

/** Resolves to the outcome, or to a reason ping should be used instead. */
async function probeWithMtr(
  dest: { ip: string; family: 4 | 6 },
  spacing: number,
  o: ProbeOptions,
): Promise<ProbeOutcome | { fallback: string }> {
  const argv = mtrArgv({
    host: dest.ip,
    family: dest.family,
    count: o.count,
    intervalSeconds: spacing,
    privileged: o.icmp,
    dns: o.dns,
    format: "raw",
  });
  argv.splice(argv.indexOf("--"), 0, "-G", String(MTR_GRACE_SECONDS));
  const stream = new MtrRawStream(dest.ip);
  // Every reply's RTT per 0-based hop index; the destination's become the run's samples.
  const repliesByHop = new Map<number, number[]>();
  const report = throttled(o.onProgress);
  const progress = (): ProbeProgress => {
    const hops = stream.snapshot();
    const last = hops.at(-1);
    const atDestination = last?.ip === dest.ip ? last : undefined;
    const rounds = hops[0]?.sent ?? 0;
    return {
      method: "mtr",
      sent: atDestination?.sent ?? rounds,
      received: atDestination?.received ?? 0,
      percent: Math.min(100, (rounds / o.count) * 100),
      hopCount: hops.length || null,
    };
  };
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(argv, {
      signal: o.signal,
      timeoutMs: (o.count * spacing + MTR_GRACE_SECONDS + KILL_MARGIN_SECONDS) * 1000,
      onLine: (line, streamName) => {
        if (streamName !== "stdout" || !stream.push(line)) return;
        const [kind, hop, micros] = line.trim().split(/\s+/);
        if (kind === "p") {
          const replies = repliesByHop.get(Number(hop)) ?? [];
          replies.push(Number(micros) / 1000);
          repliesByHop.set(Number(hop), replies);
        }
        report(progress);
      },
    });
  } catch (e) {
    if (e instanceof CommandNotFound) return { fallback: "mtr is not installed" };
    throw e;
  }
  if (result.timedOut) throw new ProbeFailed("mtr did not finish in time", "mtr");
  if (result.exitCode !== 0 || result.stdout.trim() === "") {
    if (MTR_PRIVILEGE_FAILURE.test(result.stderr)) return { fallback: describeMtrFailure(result.stderr, dest.ip) };
    throw new ProbeFailed(describeMtrFailure(result.stderr, dest.ip), "mtr");
  }
  const hops = stream.finish();
  const end = mtrEndToEnd(hops, dest.ip, o.count);
  const destinationHop = end.reached ? hops.at(-1) : undefined;
  return {
    method: "mtr",
    ip: dest.ip,
    packetLoss: end.loss,
    packetsSent: end.sent,
    packetsRecv: end.received,
    minRtt: roundMs(end.best),
    avgRtt: roundMs(end.avg),
    maxRtt: roundMs(end.worst),
    stdDevRtt: roundMs(end.stddev),
    rttSamplesMs: destinationHop ? (repliesByHop.get(destinationHop.number - 1) ?? []) : [],
    hops: hops.map((h) => enrich(h, o.geoip)),
  };
}

async function probeWithPing(dest: { ip: string; family: 4 | 6 }, o: ProbeOptions): Promise<ProbeOutcome> {
  const samples: number[] = [];
  let lastSeq = 0;
  const report = throttled(o.onProgress);
  const progress = (): ProbeProgress => ({
    method: "ping",
    sent: lastSeq,
    received: samples.length,
    percent: Math.min(100, (lastSeq / o.count) * 100),
    hopCount: null,
  });
  try {
    const summary = await runPing(
      { host: dest.ip, family: dest.family },
      { count: o.count, intervalMs: o.plan.pingSpacing * 1000, timeoutSeconds: PING_WAIT_SECONDS },
      {
        signal: o.signal,
        onReply: (reply) => {
          if (reply.duplicate) return;
          samples.push(reply.rttMs);
          lastSeq = Math.max(lastSeq, reply.seq);
          report(progress);
        },
      },
    );
    const sent = summary.transmitted;
    return {
      method: "ping",
      ip: dest.ip,
      // From the counts rather than ping's rounded percentage.
      packetLoss: sent > 0 ? ((sent - summary.received) / sent) * 100 : 100,
      packetsSent: sent,
      packetsRecv: summary.received,
      minRtt: summary.minMs,
      avgRtt: summary.avgMs,
      maxRtt: summary.maxMs,
      stdDevRtt: summary.mdevMs,
      rttSamplesMs: samples,
      hops: null,
    };
  } catch (e) {
    if (e instanceof PingError) throw new ProbeFailed(e.message, "ping");
    throw e;
  }
}

/** Measures loss and RTT to `target`. Throws ProbeFailed when nothing could be measured; aborting kills the tool. */
export async function runProbe(target: Pick<Target, "host" | "family">, o: ProbeOptions): Promise<ProbeOutcome> {
  const dest = await resolve(target, o.plan.mtrSpacing === null ? "ping" : "mtr");
  o.signal.throwIfAborted();
  let fallbackReason = "mtr cannot send this many probes within the monitor's interval";
  if (o.plan.mtrSpacing !== null) {
    const outcome = await probeWithMtr(dest, o.plan.mtrSpacing, o);
    if (!("fallback" in outcome)) return outcome;
    fallbackReason = outcome.fallback;
  }
  return { ...(await probeWithPing(dest, o)), fallbackReason };
}
