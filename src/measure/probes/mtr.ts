/**
 * mtr 0.95: argv building, the `--json` report parser, and a `--raw` stream
 * accumulator for live per-hop statistics. Unlike the original: numbers stay
 * numbers (ms, never truncated), `received` is exact, IPv6 works, the host can
 * never be read as an option, and the end-to-end figures come from the hop the
 * destination answered at, not blindly from the last hub.
 */
import { isIP } from "node:net";
import { BadInput } from "../../core/errors";
import { validateHost } from "../../core/host";
import type { RunResult } from "../../core/runner";
import type { ProbeHop } from "../../protocol/measurements";

export interface MtrArgs {
  host: string;
  /** 4 or 6 forces the address family (`-4`/`-6`); 0 lets mtr choose. */
  family: 0 | 4 | 6;
  /** `-c`: probes per hop. */
  count: number;
  /** `-i`: seconds between rounds; mtr refuses less than 1 s for non-root users. */
  intervalSeconds: number;
  /**
   * ICMP probes need raw sockets (root, or Debian's `cap_net_raw` on
   * mtr-packet). Without them we use UDP probes (`-u`), which work unprivileged
   * but may show more loss where routers deprioritise UDP.
   */
  privileged: boolean;
  /** Reverse DNS: on gives `name (ip)` hosts (`-b`), off gives bare addresses (`-n`). */
  dns: boolean;
  /** `json`: one report at the end. `raw`: one event per line as it happens, for live progress. */
  format: "json" | "raw";
}

/** How the destination itself did: its hop's figures, which answer "is the target reachable, and how well". */
export interface MtrEndToEnd
  extends Pick<ProbeHop, "loss" | "sent" | "received" | "last" | "avg" | "best" | "worst" | "stddev"> {
  /** False when no hop was identified as the destination: loss is then 100 % and the RTTs null. */
  reached: boolean;
}

export interface MtrReport {
  /** The target as given to mtr. */
  destination: string;
  /** The destination's address when known (given as a literal, passed in, or seen in its hop). */
  ip: string | null;
  /** Probes per hop requested (`-c`). */
  tests: number;
  hops: ProbeHop[];
  endToEnd: MtrEndToEnd;
}

/** An mtr run that produced no report (unknown host, no permission, bad option); the message is plain English. */
export class MtrError extends Error {}

export function mtrArgv(args: MtrArgs): string[] {
  const host = validateHost(args.host);
  const literalFamily = isIP(host);
  if (args.family !== 0 && literalFamily !== 0 && literalFamily !== args.family)
    throw new BadInput(`host: ${host} is not an IPv${args.family} address`, "host");
  if (!Number.isInteger(args.count) || args.count < 1 || args.count > 1000)
    throw new BadInput("count: must be a whole number from 1 to 1000", "count");
  if (!Number.isFinite(args.intervalSeconds) || args.intervalSeconds < 0.1 || args.intervalSeconds > 3600)
    throw new BadInput("intervalSeconds: must be from 0.1 to 3600", "intervalSeconds");
  const argv = ["mtr"];
  if (args.family !== 0) argv.push(`-${args.family}`);
  if (!args.privileged) argv.push("-u");
  argv.push(args.dns ? "-b" : "-n");
  argv.push("-c", String(args.count), "-i", String(args.intervalSeconds));
  argv.push(args.format === "json" ? "--json" : "--raw");
  argv.push("--", host);
  return argv;
}

/** Splits mtr's hub host: `???` (never answered), `name (ip)` (with `-b`), or a bare address or name. */
function splitHost(text: string): { host: string | null; ip: string | null } {
  if (text === "???") return { host: null, ip: null };
  const m = text.match(/^(.+) \(([^)]+)\)$/);
  if (m) return { host: m[1]!, ip: m[2]! };
  return { host: text, ip: isIP(text) ? text : null };
}

function numberField(hub: Record<string, unknown>, key: string): number | null {
  const value = hub[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function hopFromHub(hub: Record<string, unknown>): ProbeHop {
  const sent = numberField(hub, "Snt") ?? 0;
  const loss = numberField(hub, "Loss%") ?? 100;
  // "Rcv" is only present with `-o …R…`; otherwise derive it. Loss% is rounded, so round back to a whole probe.
  const received = numberField(hub, "Rcv") ?? Math.round((sent * (100 - loss)) / 100);
  // mtr prints 0.0 for the RTTs of a hop that never answered; that is "no data", not 0 ms.
  const rtt = (key: string) => (received > 0 ? numberField(hub, key) : null);
  return {
    number: numberField(hub, "count") ?? 0,
    ...splitHost(typeof hub.host === "string" ? hub.host : "???"),
    loss,
    sent,
    received,
    last: rtt("Last"),
    avg: rtt("Avg"),
    best: rtt("Best"),
    worst: rtt("Wrst"),
    stddev: rtt("StDev"),
  };
}

/**
 * Picks the destination's hop. With the destination address known, it is the
 * hop that address answered at. Without it, mtr's own display rule decides:
 * mtr lists hops up to the destination, or, when the destination never
 * answered, one silent `???` hop past the last responder, so a last hop that
 * answered is the destination. The original always used the last hub, which
 * also took a max-hops router for the destination when the address was known.
 */
function destinationHop(hops: readonly ProbeHop[], destinationIp: string | null): ProbeHop | null {
  if (destinationIp) return hops.find((h) => h.ip === destinationIp) ?? null;
  const last = hops.at(-1);
  return last && last.received > 0 ? last : null;
}

/** End-to-end figures from per-hop ones; `probesPerHop` is what an unreached destination was sent. */
export function mtrEndToEnd(
  hops: readonly ProbeHop[],
  destinationIp: string | null,
  probesPerHop: number,
): MtrEndToEnd {
  const hop = destinationHop(hops, destinationIp);
  if (!hop || hop.received === 0) {
    return {
      reached: false,
      loss: 100,
      sent: hop?.sent ?? probesPerHop,
      received: 0,
      last: null,
      avg: null,
      best: null,
      worst: null,
      stddev: null,
    };
  }
  const { loss, sent, received, last, avg, best, worst, stddev } = hop;
  return { reached: true, loss, sent, received, last, avg, best, worst, stddev };
}

/**
 * Parses `mtr --json` output. `destinationIp` identifies the destination's hop
 * when the target was given as a name and reverse DNS hid the addresses; a
 * literal target address is used on its own.
 */
export function parseMtrJson(text: string, destinationIp?: string): MtrReport {
  if (text.trim() === "") throw new MtrError("mtr printed no report");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new MtrError("mtr printed a report that is not valid JSON");
  }
  const report = (data as { report?: { mtr?: Record<string, unknown>; hubs?: unknown } } | null)?.report;
  if (!report?.mtr || !Array.isArray(report.hubs))
    throw new MtrError("mtr's JSON report lacks its mtr or hubs section");
  const destination = typeof report.mtr.dst === "string" ? report.mtr.dst : "";
  const tests = typeof report.mtr.tests === "number" ? report.mtr.tests : 0;
  const hops = (report.hubs as Record<string, unknown>[]).map(hopFromHub);
  const knownIp = destinationIp ?? (isIP(destination) ? destination : null);
  const endToEnd = mtrEndToEnd(hops, knownIp, tests);
  return {
    destination,
    ip: knownIp ?? (endToEnd.reached ? (destinationHop(hops, null)?.ip ?? null) : null),
    tests,
    hops,
    endToEnd,
  };
}

/** Turns mtr's stderr into a plain-English reason. */
export function describeMtrFailure(stderr: string, host: string): string {
  if (/Failed to resolve host/.test(stderr)) {
    if (/Temporary failure in name resolution/.test(stderr))
      return `could not resolve ${host}: the DNS server did not answer`;
    if (/Address family for hostname not supported/.test(stderr))
      return `${host} has no address of the requested IP version`;
    return `unknown host ${host}`;
  }
  if (/non-root users cannot request an interval/.test(stderr))
    return "mtr allows intervals below 1 second only when run as root";
  if (/Failure to open IPv[46] sockets|Failure to start mtr-packet|needs to be run as root/.test(stderr))
    return "mtr could not open probe sockets (mtr-packet needs the CAP_NET_RAW capability, or root)";
  const firstLine = stderr
    .split("\n")
    .map((l) => l.replace(/^mtr(?:-packet)?: /, "").trim())
    .find((l) => l !== "");
  return firstLine ? `mtr failed: ${firstLine}` : "mtr failed";
}

/**
 * Turns a finished `mtr --json` run into its report, or throws MtrError. mtr
 * exits 0 with empty stdout when the host does not resolve, so an empty report
 * is a failure whatever the exit status.
 */
export function readMtrJsonRun(
  result: Pick<RunResult, "exitCode" | "stdout" | "stderr" | "timedOut">,
  host: string,
  destinationIp?: string,
): MtrReport {
  if (result.timedOut) throw new MtrError("mtr did not finish in time");
  if (result.exitCode !== 0 || result.stdout.trim() === "") throw new MtrError(describeMtrFailure(result.stderr, host));
  return parseMtrJson(result.stdout, destinationIp);
}

interface RawHopState {
  /** Sequence numbers sent at this hop, in order. */
  sent: number[];
  answered: Set<number>;
  /** Addresses seen at this hop, in order (several mean load-balanced paths). */
  ips: string[];
  names: Map<string, string>;
  lastIp: string | null;
  lastRtt: number | null;
  best: number | null;
  worst: number | null;
  /** Running mean and sum of squared deviations (Welford), so no RTT list is kept. */
  mean: number;
  squares: number;
}

function newRawHop(): RawHopState {
  return {
    sent: [],
    answered: new Set(),
    ips: [],
    names: new Map(),
    lastIp: null,
    lastRtt: null,
    best: null,
    worst: null,
    mean: 0,
    squares: 0,
  };
}

/**
 * Accumulates `mtr --raw` lines (runner's `onLine`; mtr flushes after each) into
 * per-hop running statistics. Raw hop indexes are 0-based and RTTs are in µs;
 * the hops produced are 1-based with RTTs in ms, like the JSON report.
 *
 * mtr keeps probing one TTL past the destination until it learns the distance,
 * and the destination answers those too; hops after the destination are
 * dropped, as mtr's own report does. The destination is the hop its address
 * answered at when given, otherwise the first hop whose address repeats at the
 * next hop (only the end host answers at two TTLs in a row).
 */
export class MtrRawStream {
  /** Indexed by 0-based hop; sparse until every TTL has been probed. */
  private readonly hops: (RawHopState | undefined)[] = [];
  private readonly destinationIp: string | null;

  constructor(destinationIp?: string) {
    this.destinationIp = destinationIp ?? null;
  }

  /** Feeds one line; returns true when it changed the statistics. */
  push(line: string): boolean {
    const [kind, hopText, value, seqText] = line.trim().split(/\s+/);
    const index = Number(hopText);
    if (!Number.isInteger(index) || index < 0 || index > 255 || value === undefined) return false;
    const hop = this.hops[index] ?? newRawHop();
    this.hops[index] = hop;
    switch (kind) {
      case "x": {
        const seq = Number(value);
        if (!Number.isInteger(seq)) return false;
        hop.sent.push(seq);
        return true;
      }
      case "h":
        if (!isIP(value)) return false;
        hop.lastIp = value;
        if (hop.ips.includes(value)) return false;
        hop.ips.push(value);
        return true;
      case "d":
        if (hop.lastIp === null) return false;
        hop.names.set(hop.lastIp, value);
        return true;
      case "p": {
        const micros = Number(value);
        const seq = Number(seqText);
        if (!Number.isFinite(micros) || !Number.isInteger(seq) || hop.answered.has(seq)) return false;
        hop.answered.add(seq);
        const rtt = micros / 1000;
        const n = hop.answered.size;
        const delta = rtt - hop.mean;
        hop.mean += delta / n;
        hop.squares += delta * (rtt - hop.mean);
        hop.lastRtt = rtt;
        hop.best = hop.best === null ? rtt : Math.min(hop.best, rtt);
        hop.worst = hop.worst === null ? rtt : Math.max(hop.worst, rtt);
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Per-hop statistics so far. A hop's newest probe still awaiting its reply
   * is in flight, not lost, and is left out (as mtr does while running).
   */
  snapshot(): ProbeHop[] {
    return this.visibleHops(false);
  }

  /** Final statistics once mtr has exited: every unanswered probe is lost (mtr waited its grace time). */
  finish(): ProbeHop[] {
    return this.visibleHops(true);
  }

  private destinationIndex(): number {
    if (this.destinationIp !== null) {
      const ip = this.destinationIp;
      return this.hops.findIndex((h) => h?.ips.includes(ip));
    }
    return this.hops.findIndex((h, i) => h?.ips.some((ip) => this.hops[i + 1]?.ips.includes(ip)));
  }

  private visibleHops(final: boolean): ProbeHop[] {
    const destination = this.destinationIndex();
    let count: number;
    if (destination !== -1) count = destination + 1;
    else {
      // Like mtr: up to the last hop that answered plus one silent hop, never past what was probed.
      const lastAnswering = this.hops.findLastIndex((h) => h !== undefined && h.ips.length > 0);
      count = lastAnswering === -1 ? 0 : Math.min(lastAnswering + 2, this.hops.length);
    }
    const result: ProbeHop[] = [];
    for (let i = 0; i < count; i++) result.push(this.hopStats(i, final));
    return result;
  }

  private hopStats(index: number, final: boolean): ProbeHop {
    const hop = this.hops[index] ?? newRawHop();
    const newest = hop.sent.at(-1);
    const inFlight = !final && newest !== undefined && !hop.answered.has(newest) ? 1 : 0;
    const sent = hop.sent.length - inFlight;
    const received = hop.answered.size;
    const ip = hop.ips[0] ?? null;
    const answered = received > 0;
    return {
      number: index + 1,
      host: ip === null ? null : (hop.names.get(ip) ?? ip),
      ip,
      loss: sent > 0 ? Math.max(0, ((sent - received) / sent) * 100) : 0,
      sent,
      received,
      last: hop.lastRtt,
      avg: answered ? hop.mean : null,
      best: hop.best,
      worst: hop.worst,
      stddev: received > 1 ? Math.sqrt(hop.squares / (received - 1)) : answered ? 0 : null,
    };
  }
}
