/**
 * Debian traceroute 2.1.2 (Butskoy's "modern traceroute"): argv building, a
 * parser for every hop-line form (partial stars, several responders per hop,
 * `!H`-style annotations, IPv6), a streaming accumulator for live display, and
 * the early-stop rule. The original dropped every line its three regexes did not
 * match (partial stars, multiple responders, annotations); here each probe is a
 * token, so nothing is lost.
 */
import { isIP } from "node:net";
import { BadInput } from "../../core/errors";
import { validateHost } from "../../core/host";
import type { RunResult } from "../../core/runner";
import type { TracerouteHop, TracerouteResponder } from "../../protocol/measurements";

export interface TracerouteArgs {
  host: string;
  /** 4 or 6 forces the address family (`-4`/`-6`); 0 lets traceroute choose. */
  family: 0 | 4 | 6;
  /** `-m`, 1–255. */
  maxHops: number;
  /** `-w`: how long each probe waits for its reply, in seconds. */
  waitSeconds: number;
  /** `-q`: probes per hop, 1–10. */
  queries: number;
  /**
   * `-n`: print addresses only. Off by default because we show names and
   * addresses (traceroute prints `name (ip)` then); reverse DNS costs time on
   * hops whose PTR lookup hangs, so callers wanting speed can turn it on.
   */
  numeric?: boolean;
}

export interface TracerouteHeader {
  /** The target as given on the command line. */
  target: string;
  /** The address traceroute resolved it to. */
  ip: string;
  maxHops: number;
  packetBytes: number;
}

export interface TracerouteResult {
  header: TracerouteHeader | null;
  hops: TracerouteHop[];
}

/** A traceroute that could not run (unknown host, no permission, bad option); the message is plain English. */
export class TracerouteError extends Error {}

function wholeNumber(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new BadInput(`${field}: must be a whole number from ${min} to ${max}`, field);
  return value;
}

export function tracerouteArgv(args: TracerouteArgs): string[] {
  const host = validateHost(args.host);
  const literalFamily = isIP(host);
  if (args.family !== 0 && literalFamily !== 0 && literalFamily !== args.family)
    throw new BadInput(`host: ${host} is not an IPv${args.family} address`, "host");
  if (!Number.isFinite(args.waitSeconds) || args.waitSeconds <= 0 || args.waitSeconds > 60)
    throw new BadInput("waitSeconds: must be above 0 and at most 60", "waitSeconds");
  const argv = ["traceroute"];
  if (args.numeric) argv.push("-n");
  if (args.family !== 0) argv.push(`-${args.family}`);
  argv.push(
    "-m",
    String(wholeNumber(args.maxHops, "maxHops", 1, 255)),
    "-q",
    String(wholeNumber(args.queries, "queries", 1, 10)),
    // A single value makes the wait a plain timeout (the HERE/NEAR factors become 0), so the setting means what it says.
    "-w",
    String(args.waitSeconds),
    "--",
    host,
  );
  return argv;
}

const HEADER = /^traceroute to (\S+) \(([^)]+)\), (\d+) hops max, (\d+) byte packets\s*$/;
const HOP = /^\s*(\d+) (.*)$/;
const RTT = /^\d+(?:\.\d+)?$/;
const PARENTHESISED = /^\((.+)\)$/;

/** Parses `traceroute to host (ip), 30 hops max, 60 byte packets`; null for anything else. */
export function parseTracerouteHeader(line: string): TracerouteHeader | null {
  const m = line.match(HEADER);
  if (!m) return null;
  return { target: m[1]!, ip: m[2]!, maxHops: Number(m[3]), packetBytes: Number(m[4]) };
}

interface Probe {
  responder: TracerouteResponder | null;
  rtt: number | null;
}

/**
 * Parses one hop line, e.g. ` 3  gw (10.0.0.1)  0.5 ms * 10.0.0.2  0.7 ms !H`.
 * Each probe prints as ` *`, or as `  <rtt> ms` preceded by its responder when
 * that differs from the previous one, optionally followed by ` !<annotation>`.
 * Returns null for lines that are not hop lines (header, blank, junk) or hold no probe yet.
 */
export function parseTracerouteLine(line: string): TracerouteHop | null {
  const m = line.match(HOP);
  if (!m) return null;
  const tokens = m[2]!.split(/\s+/).filter((t) => t !== "");
  const probes: Probe[] = [];
  const responders: TracerouteResponder[] = [];
  const annotations: string[] = [];
  let current: TracerouteResponder | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "*") {
      probes.push({ responder: null, rtt: null });
    } else if (RTT.test(token) && tokens[i + 1] === "ms") {
      // An RTT without a responder before it cannot come from traceroute: the line is not a hop line.
      if (!current) return null;
      const rtt = Number(token);
      current.rtts.push(rtt);
      probes.push({ responder: current, rtt });
      i++;
    } else if (token.startsWith("!")) {
      if (!annotations.includes(token)) annotations.push(token);
    } else {
      const ip = tokens[i + 1]?.match(PARENTHESISED)?.[1];
      if (ip !== undefined) i++;
      const address = ip ?? token;
      // Extras we never ask for (`[AS…]` with -A, `<MPLS:…>` with -e) are skipped rather than sinking the hop.
      if (!isIP(address)) continue;
      current = responders.find((r) => r.ip === address) ?? null;
      if (!current) {
        current = { host: token, ip: address, rtts: [] };
        responders.push(current);
      }
    }
  }
  if (probes.length === 0) return null;
  const lost = probes.filter((p) => p.rtt === null).length;
  const first = responders[0];
  return {
    number: Number(m[1]),
    host: first?.host ?? null,
    ip: first?.ip ?? null,
    rtts: probes.map((p) => p.rtt),
    loss: (lost / probes.length) * 100,
    annotations,
    responders,
    timeout: lost === probes.length,
  };
}

/** Parses a complete traceroute stdout. */
export function parseTraceroute(text: string): TracerouteResult {
  const stream = new TracerouteStream();
  stream.push(text);
  return stream.end();
}

export interface TracerouteStreamOptions {
  /** Probes per hop (`-q`), so a hop is known to be complete as soon as its last probe prints. Default 3. */
  queries?: number;
  /** Called once per hop as soon as it is complete; called again with the same number if more of its text arrives. */
  onHop?: (hop: TracerouteHop) => void;
}

/**
 * Turns raw stdout chunks (runner's `onChunk`) into hops, timely.
 *
 * traceroute 2.1.2 prints each probe result (and flushes) as soon as it is
 * known, but writes the newline *before* the next hop's number. A line reader
 * therefore sees hop N only when hop N+1's first probe is decided, which can be
 * a full `-w` wait later (or at exit). What is knowable earlier: a hop has
 * exactly `-q` probes, so once the current line holds that many results the hop
 * is complete and is emitted right away. The newline (or end of output) remains
 * the fallback for hops cut short. Each probe arrives as one flushed write, so
 * chunks normally end between probes; should an annotation arrive in a later
 * chunk, the hop is emitted again and replaces the earlier one.
 */
export class TracerouteStream {
  private readonly queries: number;
  private readonly onHop: ((hop: TracerouteHop) => void) | undefined;
  private readonly hops: TracerouteHop[] = [];
  private parsedHeader: TracerouteHeader | null = null;
  /** Text of the line being printed (after the last newline). */
  private line = "";
  /** The current line's text when its hop was last emitted. */
  private emittedText: string | null = null;

  constructor(options: TracerouteStreamOptions = {}) {
    this.queries = options.queries ?? 3;
    this.onHop = options.onHop;
  }

  /** The header once printed: it carries the resolved destination address. */
  get header(): TracerouteHeader | null {
    return this.parsedHeader;
  }

  /** Hops emitted so far, in order. */
  get completedHops(): readonly TracerouteHop[] {
    return this.hops;
  }

  push(chunk: string): void {
    const pieces = chunk.split("\n");
    this.line += pieces[0]!;
    for (const piece of pieces.slice(1)) {
      this.settleLine(true);
      this.line = piece;
      this.emittedText = null;
    }
    this.settleLine(false);
  }

  /** Call when output has ended (the last line has no trailing newline until exit, or none if killed). */
  end(): TracerouteResult {
    this.settleLine(true);
    this.line = "";
    this.emittedText = null;
    return { header: this.parsedHeader, hops: [...this.hops] };
  }

  private settleLine(lineEnded: boolean): void {
    const text = this.line.replace(/\r$/, "");
    if (this.parsedHeader === null) {
      this.parsedHeader = parseTracerouteHeader(text);
      if (this.parsedHeader) return;
    }
    if (text === this.emittedText) return;
    const hop = parseTracerouteLine(text);
    if (!hop) return;
    if (!lineEnded && hop.rtts.length < this.queries) return;
    this.emittedText = text;
    const last = this.hops.at(-1);
    if (last?.number === hop.number) this.hops[this.hops.length - 1] = hop;
    else this.hops.push(hop);
    this.onHop?.(hop);
  }
}

/**
 * Consecutive all-silent hops after which a trace is not worth waiting for. The
 * original killed traceroute after 3 silent hops (or 2 once the destination
 * had been seen); 3 is too few on real paths, where carrier cores and filtered
 * routers often stay silent for three hops or more before the destination
 * answers. traceroute itself already stops at the destination.
 */
export const DEFAULT_MAX_SILENT_HOPS = 5;

/** True when the last `maxSilentHops` hops all timed out, so the rest of the trace can be abandoned. */
export function shouldStopTraceroute(
  hops: readonly TracerouteHop[],
  maxSilentHops: number = DEFAULT_MAX_SILENT_HOPS,
): boolean {
  if (hops.length < maxSilentHops) return false;
  return hops.slice(-maxSilentHops).every((h) => h.timeout);
}

/** Turns traceroute's stderr into a plain-English reason. */
export function describeTracerouteFailure(stderr: string, host: string): string {
  if (/Name or service not known|No address associated with hostname/.test(stderr)) return `unknown host ${host}`;
  if (/Temporary failure in name resolution/.test(stderr))
    return `could not resolve ${host}: the DNS server did not answer`;
  if (/Address family for hostname not supported/.test(stderr))
    return `${host} has no address of the requested IP version`;
  if (/enough privileges|Operation not permitted/.test(stderr))
    return "traceroute is not allowed to use this probe method (it needs root or the CAP_NET_RAW capability)";
  const firstLine = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  return firstLine ? `traceroute failed: ${firstLine}` : "traceroute failed";
}

/**
 * Throws TracerouteError when traceroute itself failed. Exit 0 includes an
 * unreachable destination (all `* * *`), which is a result; a run ended by a
 * signal (timeout, early stop) has no exit code and keeps the hops it printed.
 */
export function checkTracerouteExit(result: Pick<RunResult, "exitCode" | "stderr">, host: string): void {
  if (result.exitCode !== null && result.exitCode !== 0)
    throw new TracerouteError(describeTracerouteFailure(result.stderr, host));
}
