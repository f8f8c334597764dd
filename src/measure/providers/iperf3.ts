/**
 * iperf3 speed tests against a user-supplied server: latency from ping, then a
 * download (`-R`, the server sends) and an upload, over TCP or UDP.
 *
 * Output channel: one iperf3 process per direction in human mode with
 * `--forceflush`. Debian's 3.12 has no `--json-stream`, prints `-J` only at the
 * end (so no live progress), cannot mix `-J` with human lines in one run, and
 * exits 0 on errors in `-J` mode. Human mode streams every interval on time,
 * exits 1 with an `iperf3: error - …` line on failure, and its closing receiver
 * line carries the final figures; `-f k` prints bitrates in whole Kbit/s, so
 * they keep at least three significant digits at any speed.
 */
import { formatTarget, parseTarget, type Target } from "../../core/host";
import { CommandNotFound, run } from "../../core/runner";
import type { SpeedTestMeasurement, SpeedTestPhase } from "../../protocol/measurements";
import { PingError, type PingSummary, runPing } from "../probes/ping";
import { type Iperf3Result, parseIperf3Line, parseIperf3Text } from "./iperf3-output";
import { type ProviderDefinition, ProviderError, type RunOptions, type SpeedTestProvider } from "./provider";

export const DEFAULT_IPERF3_PORT = 5201;

export interface Iperf3Settings {
  /** Seconds each direction transmits (`-t`). */
  testDurationSeconds: number;
  /** Parallel streams (`-P`). */
  parallelStreams: number;
  /** Limit for one iperf3 process (one direction), in seconds. */
  timeoutSeconds: number;
  pingCount: number;
  pingIntervalMs: number;
  /** Seconds ping waits for a reply. */
  pingTimeoutSeconds: number;
  /** UDP mode only: total target rate over all streams, in Mbit/s (iperf3's own default of 1 Mbit/s says little). */
  udpTargetMbps?: number;
}

const DEFAULT_UDP_TARGET_MBPS = 100;
/** Half-second reports give the UI two updates a second, also for the short tests. */
const REPORT_INTERVAL_SECONDS = 0.5;
/** Bounds the control connection, so an unreachable server fails with "timed out" well before the run timeout. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;

interface Direction {
  phase: Exclude<SpeedTestPhase, "latency">;
  reverse: boolean;
}

function iperf3Argv(target: Target, settings: Iperf3Settings, direction: Direction, udp: boolean): string[] {
  const streams = settings.parallelStreams;
  const argv = [
    "iperf3",
    "-c",
    target.host,
    "-p",
    String(target.port ?? DEFAULT_IPERF3_PORT),
    "-t",
    String(settings.testDurationSeconds),
    "-P",
    String(streams),
    "-i",
    String(REPORT_INTERVAL_SECONDS),
    "-f",
    "k",
    "--forceflush",
    "--connect-timeout",
    String(Math.min(MAX_CONNECT_TIMEOUT_MS, settings.timeoutSeconds * 1000)),
  ];
  if (direction.reverse) argv.push("-R");
  if (udp) {
    // -b is per stream in iperf3: split the total so the configured rate is what the link sees.
    const totalBitsPerSecond = (settings.udpTargetMbps ?? DEFAULT_UDP_TARGET_MBPS) * 1e6;
    argv.push("-u", "-b", String(Math.max(1, Math.round(totalBitsPerSecond / streams))));
  }
  if (target.family !== 0) argv.push(`-${target.family}`);
  return argv;
}

async function runDirection(
  target: Target,
  settings: Iperf3Settings,
  direction: Direction,
  options: RunOptions,
): Promise<Iperf3Result> {
  const useSumLines = settings.parallelStreams > 1;
  const report = (mbps: number, percent: number) =>
    options.onProgress({ phase: direction.phase, mbps, percent: Math.min(100, percent) });
  report(0, 0);
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(iperf3Argv(target, settings, direction, options.udp ?? false), {
      signal: options.signal,
      timeoutMs: settings.timeoutSeconds * 1000,
      onLine: (text, stream) => {
        if (stream !== "stdout") return;
        const line = parseIperf3Line(text);
        // Interval lines only; with -P > 1 just the [SUM] aggregate, else the single stream.
        if (!line || line.side !== null || line.omitted || (line.stream === "SUM") !== useSumLines) return;
        report(line.mbps, (line.endSeconds / settings.testDurationSeconds) * 100);
      },
    });
  } catch (err) {
    if (err instanceof CommandNotFound) throw new ProviderError("iperf3 is not installed");
    throw err;
  }
  if (result.timedOut)
    throw new ProviderError(`the iperf3 ${direction.phase} test did not finish within ${settings.timeoutSeconds} s`);
  const figures = parseIperf3Text(result.stdout, result.stderr);
  report(figures.mbps, 100);
  return figures;
}

async function measureLatency(
  target: Target,
  settings: Iperf3Settings,
  options: RunOptions,
): Promise<PingSummary | null> {
  options.onProgress({ phase: "latency", percent: 0 });
  try {
    return await runPing(
      target,
      { count: settings.pingCount, intervalMs: settings.pingIntervalMs, timeoutSeconds: settings.pingTimeoutSeconds },
      {
        signal: options.signal,
        onReply: (reply) =>
          options.onProgress({
            phase: "latency",
            latencyMs: reply.rttMs,
            percent: Math.min(100, (reply.seq / settings.pingCount) * 100),
          }),
      },
    );
  } catch (err) {
    // Many hosts drop ICMP while serving iperf3 fine: the throughput test goes on without latency.
    if (err instanceof PingError) return null;
    throw err;
  }
}

/** The worse of the two directions: a UDP test is only as good as its weakest path. */
function worst(values: (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === "number");
  return known.length === 0 ? null : Math.max(...known);
}

export function createIperf3Provider(settings: Iperf3Settings): SpeedTestProvider {
  return {
    // Saved iperf3 servers live in the database; the speed-test service lists them.
    listServers: async () => [],
    async run(options: RunOptions): Promise<SpeedTestMeasurement> {
      const started = performance.now();
      options.signal.throwIfAborted();
      if (!options.host?.trim()) throw new ProviderError("an iperf3 server host is required");
      const target = parseTarget(options.host, "host");
      const serverHost = formatTarget({ host: target.host, port: target.port ?? DEFAULT_IPERF3_PORT });

      const ping = await measureLatency(target, settings, options);
      const download = options.enableDownload
        ? await runDirection(target, settings, { phase: "download", reverse: true }, options)
        : null;
      const upload = options.enableUpload
        ? await runDirection(target, settings, { phase: "upload", reverse: false }, options)
        : null;

      return {
        serverId: options.serverId ?? `iperf3-${serverHost}`,
        serverName: serverHost,
        serverHost,
        downloadMbps: download?.mbps ?? null,
        uploadMbps: upload?.mbps ?? null,
        latencyMs: ping?.avgMs ?? null,
        // UDP: iperf3's receiver jitter; TCP: the spread of the ping RTTs (as speedtest.net clients report jitter).
        jitterMs: options.udp ? worst([download?.jitterMs, upload?.jitterMs]) : (ping?.mdevMs ?? null),
        packetLoss: options.udp ? worst([download?.lossPercent, upload?.lossPercent]) : null,
        isp: null,
        bytesDownloaded: download?.bytes ?? 0,
        bytesUploaded: upload?.bytes ?? 0,
        durationMs: performance.now() - started,
      };
    },
  };
}

export const iperf3: ProviderDefinition = {
  label: "iperf3",
  latencyHelp:
    "Latency is the average round trip of ICMP pings to the iperf3 server (ping's rtt avg, [speedtest.iperf.ping] " +
    "count and interval). Jitter is ping's mdev, the spread of those round trips. In UDP mode jitter and packet loss " +
    "come from iperf3 itself: the receiver's smoothed inter-packet delay variation (RFC 3550) and lost datagrams.",
  target: "host",
  host: { label: "iperf3 server", hint: "An iperf3 server (iperf3 -s); port 5201 unless given." },
  udp: true,
  savedServers: true,
  create: ({ speedtest: st }) =>
    createIperf3Provider({
      testDurationSeconds: st.iperf.test_duration,
      parallelStreams: st.iperf.parallel_conns,
      timeoutSeconds: st.iperf.timeout,
      pingCount: st.iperf.ping.count,
      pingIntervalMs: st.iperf.ping.interval,
      pingTimeoutSeconds: st.iperf.ping.timeout,
    }),
};
