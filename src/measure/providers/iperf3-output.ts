/**
 * Pure parsers for iperf3 3.12 output: the human report lines (live progress and
 * the closing sender/receiver summary) and the `-J` document, plus the mapping of
 * iperf3's error texts to plain English.
 *
 * Goodput is always the *receiver's* figure (`end.sum_received`, or the
 * `receiver` summary line), in both directions: the sender's count includes
 * bytes still sitting in socket buffers when the test stopped, so it overstates
 * what actually arrived (the original used `sum_sent` for upload).
 */
import { ProviderError } from "./provider";

/** Final figures of one iperf3 run, as seen by the receiving side. */
export interface Iperf3Result {
  mbps: number;
  bytes: number;
  seconds: number;
  /** UDP only (receiver-side jitter), else null. */
  jitterMs: number | null;
  /** UDP only (datagrams lost on the way), else null. */
  lossPercent: number | null;
}

/** One interval or summary line of the human report. */
export interface Iperf3ReportLine {
  /** Stream ID, or "SUM" for the aggregate line printed when -P > 1. */
  stream: number | "SUM";
  startSeconds: number;
  endSeconds: number;
  bytes: number;
  mbps: number;
  /** UDP receiver figures (receiver interval lines and both UDP summary lines), else null. */
  jitterMs: number | null;
  lostDatagrams: number | null;
  totalDatagrams: number | null;
  lossPercent: number | null;
  /** Which side a summary line describes; null for interval lines. */
  side: "sender" | "receiver" | null;
  /** Inside the `-O` warm-up period. */
  omitted: boolean;
}

/** Transfer columns use binary prefixes, bitrate columns decimal ones. */
const BYTE_SCALE: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
/** Decimal exponent taking a bitrate with this prefix to Mbit/s. */
const MBIT_EXPONENT: Record<string, number> = { "": -6, K: -3, M: 0, G: 3, T: 6 };

// Dividing by an exact power of ten keeps printed values exact (5242 Kbit/s → 5.242, not 5.242000000000001).
function toMbps(value: number, prefix: string): number {
  const exponent = MBIT_EXPONENT[prefix]!;
  return exponent >= 0 ? value * 10 ** exponent : value / 10 ** -exponent;
}

// Not anchored at the start, so `--timestamps` prefixes parse too; `--bidir` role tags deliberately do not match.
const REPORT_LINE =
  /\[\s*(\d+|SUM)\]\s+(\d+(?:\.\d+)?)-\s*(\d+(?:\.\d+)?)\s+sec\s+(\d+(?:\.\d+)?)\s+([KMGT]?)Bytes\s+(\d+(?:\.\d+)?)\s+([KMGT]?)bits\/sec(.*)$/;
const UDP_FIGURES = /(\d+(?:\.\d+)?) ms\s+(\d+)\/(\d+)\s+\(([^)%]+)%\)/;

export function parseIperf3Line(line: string): Iperf3ReportLine | null {
  const m = line.match(REPORT_LINE);
  if (!m) return null;
  const rest = m[8]!;
  const udp = rest.match(UDP_FIGURES);
  const lost = udp ? Number(udp[2]) : null;
  const total = udp ? Number(udp[3]) : null;
  const side = rest.match(/\b(sender|receiver)\s*$/)?.[1] as "sender" | "receiver" | undefined;
  return {
    stream: m[1] === "SUM" ? "SUM" : Number(m[1]),
    startSeconds: Number(m[2]),
    endSeconds: Number(m[3]),
    bytes: Math.round(Number(m[4]) * BYTE_SCALE[m[5]!]!),
    mbps: toMbps(Number(m[6]), m[7]!),
    jitterMs: udp ? Number(udp[1]) : null,
    lostDatagrams: lost,
    totalDatagrams: total,
    // The printed percentage is `%.2g` (100 % prints as "1e+02"); the counts are exact.
    lossPercent: udp ? (total ? (lost! / total) * 100 : Number(udp[4])) : null,
    side: side ?? null,
    omitted: rest.includes("(omitted)"),
  };
}

/** The raw error iperf3 printed (`iperf3: error - …`, `iperf3: interrupt - …`, a rejected option), or null. */
export function findIperf3Error(output: string): string | null {
  for (const line of output.split("\n")) {
    const m = line.match(/iperf3: (?:error|interrupt|parameter error) - (.+)$/) ?? line.match(/iperf3: (.+option.*)$/);
    if (m) return m[1]!.trim();
  }
  return null;
}

const ERROR_MEANINGS: readonly [RegExp, string][] = [
  [/server is busy/i, "the server is busy running a test; try again later"],
  [
    /unable to connect stream/i,
    "the server accepted the test but its data connections failed (a firewall may block them)",
  ],
  [/Connection refused/i, "connection refused: no iperf3 server is listening on that host and port"],
  [
    /Name or service not known|No address associated with hostname/i,
    "unknown host: the server name could not be resolved",
  ],
  [/Temporary failure in name resolution/i, "the server name could not be resolved: the DNS server did not answer"],
  [/timed out/i, "the connection to the server timed out"],
  [/No route to host/i, "there is no route to the server"],
  [/Network is unreachable/i, "the network is unreachable"],
  [/Address family/i, "the server has no address of the requested IP version"],
  [
    /server has terminated|Broken pipe|Connection reset|control socket has closed|stream socket|unable to (?:receive|send) (?:results|control message)/i,
    "the server stopped in the middle of the test",
  ],
  [/client has terminated/i, "the test was interrupted"],
  [/authori[sz]ation|authentication/i, "the server requires iperf3 authentication, which Netronome does not support"],
  [/unrecognized option|invalid option/i, "the installed iperf3 does not support an option Netronome needs"],
];

/** Plain-English meaning of a raw iperf3 error text. */
export function describeIperf3Error(raw: string): string {
  const text = raw.replace(/^iperf3: (?:error|interrupt) - /, "").trim();
  return ERROR_MEANINGS.find(([pattern]) => pattern.test(text))?.[1] ?? `iperf3 failed: ${text}`;
}

/**
 * Final figures from a human-mode run: the `[SUM]` receiver line when there is
 * one (-P > 1), else the single stream's receiver line. Throws ProviderError
 * when iperf3 reported an error or printed no summary.
 */
export function parseIperf3Text(stdout: string, stderr: string): Iperf3Result {
  const error = findIperf3Error(stderr) ?? findIperf3Error(stdout);
  if (error) throw new ProviderError(describeIperf3Error(error));
  const receivers = stdout
    .split("\n")
    .map(parseIperf3Line)
    .filter((l): l is Iperf3ReportLine => l?.side === "receiver");
  const total = receivers.find((l) => l.stream === "SUM") ?? (receivers.length === 1 ? receivers[0] : undefined);
  if (!total) throw new ProviderError("iperf3 finished without reporting a result");
  return {
    mbps: total.mbps,
    bytes: total.bytes,
    seconds: total.endSeconds - total.startSeconds,
    jitterMs: total.jitterMs,
    lossPercent: total.lossPercent,
  };
}

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * Final figures from a `-J` document. 3.12 exits 0 on many failures and only
 * sets the top-level `error` key, so that key is checked first, whatever the
 * exit status was. Throws ProviderError with a plain-English reason.
 */
export function parseIperf3Json(text: string): Iperf3Result {
  let doc: Json;
  try {
    doc = record(JSON.parse(text));
  } catch {
    throw new ProviderError("iperf3 printed output that is not valid JSON");
  }
  if (typeof doc.error === "string") throw new ProviderError(describeIperf3Error(doc.error));
  const end = record(doc.end);
  const received = record(end.sum_received);
  const mbps = finite(received.bits_per_second);
  const bytes = finite(received.bytes);
  if (mbps === null || bytes === null) throw new ProviderError("iperf3 finished without reporting a result");
  const isUdp = record(record(doc.start).test_start).protocol === "UDP";
  // 3.12 puts the receiver's jitter and loss in sum_received; `sum` carries the same figures on older builds.
  const udpFigures = (key: string) => (isUdp ? (finite(received[key]) ?? finite(record(end.sum)[key])) : null);
  return {
    mbps: mbps / 1e6,
    bytes,
    seconds: finite(received.seconds) ?? 0,
    jitterMs: udpFigures("jitter_ms"),
    lossPercent: udpFigures("lost_percent"),
  };
}
