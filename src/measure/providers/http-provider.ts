/**
 * What the speedtest.net and LibreSpeed providers share around the
 * measurement engine: settings with defaults, the timing of a transfer phase,
 * server choice by lowest ping, and the measurement they report.
 */

import type { SpeedTestMeasurement, SpeedTestPhase } from "../../protocol/measurements";
import { type LatencyResult, measureHttpPings, type PingOptions } from "./http-latency";
import type { TransferOptions, TransferResult } from "./http-throughput";
import { mapConcurrently } from "./http-util";
import type { RunOptions } from "./provider";

/** The tunables both HTTP providers take (speedtest.net and LibreSpeed each add their own). */
export interface HttpTestSettings {
  /** Measured window of each transfer phase, seconds. */
  durationSeconds?: number;
  /** Discarded warm-up before each measured window, seconds. */
  graceSeconds?: number;
  downloadStreams?: number;
  uploadStreams?: number;
  /** Latency samples kept (one more warm-up request is sent first). */
  pingCount?: number;
}

const MAX_REQUEST_TIMEOUT_MS = 15_000;
const MIN_DURATION_MS = 1_000;

/** `settings` with every value it leaves out taken from `defaults`. */
export function withDefaults<T extends object>(settings: Partial<T>, defaults: T): T {
  const resolved = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    if (settings[key] !== undefined) resolved[key] = settings[key] as T[keyof T];
  }
  return resolved;
}

export interface PhaseTiming {
  /** A request without an answer or body bytes for this long fails. */
  requestTimeoutMs: number;
  graceMs: number;
  /** The measured window: the configured duration, shortened (to 1 s at least) so warm-up and window fit the phase's time. */
  durationMs: number;
}

/** Timing of each transfer phase, given the provider's timeout and the part of it one phase may use. */
export function phaseTiming(o: {
  timeoutMs: number;
  phaseBudgetMs: number;
  graceSeconds: number;
  durationSeconds: number;
}): PhaseTiming {
  const graceMs = o.graceSeconds * 1000;
  return {
    requestTimeoutMs: Math.min(MAX_REQUEST_TIMEOUT_MS, o.timeoutMs),
    graceMs,
    durationMs: Math.max(MIN_DURATION_MS, Math.min(o.durationSeconds * 1000, o.phaseBudgetMs - graceMs)),
  };
}

/** The transfer options of one phase, reporting its live rate as the provider's progress. */
export function transferOptions(
  provider: string,
  phase: Exclude<SpeedTestPhase, "latency">,
  streams: number,
  timing: PhaseTiming,
  signal: AbortSignal,
  options: RunOptions,
): TransferOptions {
  return {
    streams,
    graceMs: timing.graceMs,
    durationMs: timing.durationMs,
    requestTimeoutMs: timing.requestTimeoutMs,
    signal,
    label: `${provider} ${phase}`,
    onSample: ({ mbps, percent }) => options.onProgress({ phase, mbps, percent }),
  };
}

/**
 * The server with the lowest ping (the best of each server's samples), pinging
 * `concurrency` at once; undefined when none answers. An abort rejects with its reason.
 */
export async function lowestLatencyServer<S>(
  servers: readonly S[],
  concurrency: number,
  pingUrl: (server: S) => string,
  ping: Omit<PingOptions, "onSample">,
): Promise<S | undefined> {
  const latencies = await mapConcurrently(servers, concurrency, async (server) => {
    try {
      return Math.min(...(await measureHttpPings(pingUrl(server), ping)));
    } catch {
      if (ping.signal.aborted) throw ping.signal.reason;
      return Infinity;
    }
  });
  let best: S | undefined;
  let bestLatency = Infinity;
  for (const [i, server] of servers.entries()) {
    if (latencies[i]! < bestLatency) {
      best = server;
      bestLatency = latencies[i]!;
    }
  }
  return best;
}

/** A finished HTTP test as a SpeedTestMeasurement; a phase that did not run is null (and moved no bytes). */
export function httpMeasurement(o: {
  server: Pick<SpeedTestMeasurement, "serverId" | "serverName" | "serverHost">;
  isp: string | null;
  latency: LatencyResult;
  download: TransferResult | null;
  upload: TransferResult | null;
  startedAt: number;
}): SpeedTestMeasurement {
  return {
    ...o.server,
    downloadMbps: o.download?.mbps ?? null,
    uploadMbps: o.upload?.mbps ?? null,
    latencyMs: o.latency.latencyMs,
    jitterMs: o.latency.jitterMs,
    packetLoss: null,
    isp: o.isp,
    bytesDownloaded: o.download?.totalBytes ?? 0,
    bytesUploaded: o.upload?.totalBytes ?? 0,
    durationMs: performance.now() - o.startedAt,
  };
}
