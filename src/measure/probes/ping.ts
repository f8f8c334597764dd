/**
 * ICMP ping through iputils `ping` (Debian's 20221126 build): argv building,
 * parsers for the per-reply lines and the closing statistics, and a runner.
 * Unlike the original, the RTT comes from iputils' own `rtt min/avg/max/mdev`
 * line and `-W` is given in seconds, as Linux expects.
 *
 * Exactly `-c` probes, never `-w`: with a deadline, iputils keeps sending past
 * the count until that many *replies* have arrived (its sender stops at the
 * count only when no deadline is set), so a lossy path would be measured with
 * more probes than asked and every one of the count reported as received.
 * Without `-w`, ping sends the count, then waits for late replies (2 × the
 * slowest RTT, at least one interval; `-W` when nothing came back) and exits.
 * The time limit belongs to the runner: at it, SIGINT makes ping stop and print
 * its statistics, so a slow path still yields a result.
 */
import { BadInput } from "../../core/errors";
import { type Target, validateHost } from "../../core/host";
import { CommandNotFound, run } from "../../core/runner";

/** iputils refuses shorter intervals for non-root users ("cannot flood"), so we never ask for less. */
export const MIN_INTERVAL_MS = 2;

/** Margin on top of the probes and the reply wait before the runner interrupts ping: ping normally ends first. */
const KILL_MARGIN_MS = 2000;

export interface PingArgs {
  host: string;
  /** 4 or 6 forces the address family (`-4`/`-6`); 0 lets ping choose. */
  family: 0 | 4 | 6;
  count: number;
  intervalMs: number;
  /** Seconds to wait for a reply (`-W`); only matters while no reply has arrived. */
  timeoutSeconds: number;
}

export interface PingReply {
  /** Address that answered (the IP when ping printed `name (ip)`). */
  from: string;
  seq: number;
  ttl: number;
  rttMs: number;
  /** A duplicate reply (`(DUP!)`): not counted as received by ping. */
  duplicate: boolean;
}

export interface PingSummary {
  transmitted: number;
  received: number;
  duplicates: number;
  /** ICMP errors such as "Destination Host Unreachable". */
  errors: number;
  lossPercent: number;
  /** RTT figures in ms; null when nothing came back (ping prints no rtt line then). */
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
  /** Population standard deviation of the RTTs. */
  mdevMs: number | null;
}

export type PingOptions = Pick<PingArgs, "count" | "intervalMs" | "timeoutSeconds">;

export interface PingControl {
  signal?: AbortSignal;
  onReply?: (reply: PingReply) => void;
}

/** A ping that could not measure anything; the message is plain English. */
export class PingError extends Error {}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new BadInput(`${field}: must be a number above 0`, field);
  return value;
}

export function pingArgv(args: PingArgs): string[] {
  const host = validateHost(args.host);
  if (!Number.isInteger(args.count) || args.count < 1)
    throw new BadInput("count: must be a whole number of at least 1", "count");
  const intervalMs = Math.max(MIN_INTERVAL_MS, positive(args.intervalMs, "intervalMs"));
  const argv = [
    "ping",
    "-n",
    "-c",
    String(args.count),
    "-i",
    String(intervalMs / 1000),
    "-W",
    String(positive(args.timeoutSeconds, "timeoutSeconds")),
  ];
  if (args.family !== 0) argv.push(`-${args.family}`);
  argv.push("--", host);
  return argv;
}

const REPLY = /^(?:\[\d+\.\d+\] )?\d+ bytes from (.+?): icmp_seq=(\d+) (?:ttl|hlim)=(\d+) time=(\d+(?:\.\d+)?) ms(.*)$/;

/** Parses one reply line (`64 bytes from …: icmp_seq=1 ttl=64 time=0.030 ms`); null for anything else. */
export function parsePingReply(line: string): PingReply | null {
  const m = line.trim().match(REPLY);
  if (!m) return null;
  const from = m[1]!;
  return {
    from: from.match(/\(([^)]+)\)$/)?.[1] ?? from,
    seq: Number(m[2]),
    ttl: Number(m[3]),
    rttMs: Number(m[4]),
    duplicate: m[5]!.includes("(DUP!)"),
  };
}

const COUNTS =
  /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) duplicates)?(?:, \+(\d+) corrupted)?(?:, \+(\d+) errors)?, (\d+(?:\.\d+)?(?:e[+-]?\d+)?)% packet loss/;
const RTT =
  /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = (\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))? ms/;

/** Parses the statistics block at the end of ping's output; null when it is missing (ping failed or was killed). */
export function parsePingSummary(text: string): PingSummary | null {
  const counts = text.match(COUNTS);
  if (!counts) return null;
  const rtt = text.match(RTT);
  const ms = (value: string | undefined) => (value === undefined ? null : Number(value));
  return {
    transmitted: Number(counts[1]),
    received: Number(counts[2]),
    duplicates: Number(counts[3] ?? 0),
    errors: Number(counts[5] ?? 0),
    lossPercent: Number(counts[6]),
    minMs: ms(rtt?.[1]),
    avgMs: ms(rtt?.[2]),
    maxMs: ms(rtt?.[3]),
    mdevMs: ms(rtt?.[4]),
  };
}

/** Turns ping's stderr into a plain-English reason. */
export function describePingFailure(stderr: string, host: string): string {
  if (/Name or service not known|No address associated with hostname/.test(stderr)) return `unknown host ${host}`;
  if (/Temporary failure in name resolution/.test(stderr))
    return `could not resolve ${host}: the DNS server did not answer`;
  if (/Address family for hostname not supported/.test(stderr))
    return `${host} has no address of the requested IP version`;
  if (/Operation not permitted|cap_net_raw/.test(stderr))
    return "ping is not allowed to send ICMP packets (it needs the CAP_NET_RAW capability or net.ipv4.ping_group_range)";
  if (/Network is unreachable/.test(stderr)) return `the network towards ${host} is unreachable`;
  if (/minimal interval allowed/.test(stderr))
    return `the ping interval is below the ${MIN_INTERVAL_MS} ms minimum allowed for non-root users`;
  const firstLine = stderr
    .split("\n")
    .map((l) => l.replace(/^\S*ping: /, "").trim())
    .find((l) => l !== "");
  return firstLine ? `ping failed: ${firstLine}` : "ping failed";
}

/**
 * Pings `target` with exactly `count` probes and resolves with the statistics.
 * 100 % loss (exit 1) is a result, not an error; an error (exit 2: unknown
 * host, no permission…) rejects with PingError. Aborting kills ping and
 * rejects with the signal's reason.
 */
export async function runPing(
  target: Pick<Target, "host" | "family">,
  opts: PingOptions,
  control: PingControl = {},
): Promise<PingSummary> {
  const argv = pingArgv({ ...opts, host: target.host, family: target.family });
  // Every probe, then the reply wait: ping exits on its own before this unless replies are slower than that.
  const limitMs = opts.count * Math.max(MIN_INTERVAL_MS, opts.intervalMs) + opts.timeoutSeconds * 1000 + KILL_MARGIN_MS;
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(argv, {
      signal: control.signal,
      timeoutMs: limitMs,
      timeoutSignal: "SIGINT",
      onLine: (line, stream) => {
        if (stream !== "stdout" || !control.onReply) return;
        const reply = parsePingReply(line);
        if (reply) control.onReply(reply);
      },
    });
  } catch (err) {
    if (err instanceof CommandNotFound) throw new PingError("ping is not installed");
    throw err;
  }
  const summary = parsePingSummary(result.stdout);
  // Exit 0 (replies) or 1 (none) with statistics is a result, also when the time limit interrupted the wait.
  if (summary && (result.exitCode === 0 || result.exitCode === 1)) return summary;
  if (result.timedOut) throw new PingError(`ping did not finish within ${Math.ceil(limitMs / 1000)} seconds`);
  throw new PingError(describePingFailure(result.stderr, target.host));
}
