/**
 * HTTP latency: sequential GETs over one kept-alive connection (fetch: bytes do
 * not matter here), and the two latency/jitter formulas of speedtest.net and
 * LibreSpeed clients.
 */

import { describeFailure, publicUrl, sleep } from "./http-util";
import { ProviderError } from "./provider";

export interface PingOptions {
  /** Samples kept. */
  count: number;
  /** Requests sent first and discarded (the first one also opens the connection). */
  warmup: number;
  /** Pause after each request, ms. */
  intervalMs: number;
  requestTimeoutMs: number;
  signal: AbortSignal;
  /** Names the probe in error messages, e.g. "speedtest.net latency". */
  label: string;
  /** Required response body prefix (speedtest.net's latency.txt says "test=test"). */
  expectBody?: string;
  /** Called after each kept sample with its round-trip time and how many of `count` are done. */
  onSample?: (rttMs: number, done: number) => void;
}

export interface LatencyResult {
  latencyMs: number;
  jitterMs: number;
}

/**
 * Sends `warmup + count` sequential GETs to `url` over one kept-alive
 * connection and returns the round-trip times of the last `count`, in ms. A
 * round trip runs from sending the request to having read the whole body.
 * Failed requests (error status, wrong body, network error, timeout) are
 * skipped; the probe fails only when none succeeds.
 */
export async function measureHttpPings(url: string, options: PingOptions): Promise<number[]> {
  const { count, warmup, intervalMs, requestTimeoutMs, signal, label, expectBody } = options;
  const samples: number[] = [];
  let lastFailure = "";
  for (let i = 0; i < warmup + count; i++) {
    signal.throwIfAborted();
    try {
      const rttMs = await httpRoundTrip(url, requestTimeoutMs, signal, expectBody);
      if (i >= warmup) {
        samples.push(rttMs);
        options.onSample?.(rttMs, samples.length);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      lastFailure = describeFailure(error, requestTimeoutMs);
    }
    if (intervalMs > 0 && i < warmup + count - 1) await sleep(intervalMs, signal);
  }
  if (samples.length === 0) throw new ProviderError(`${label} failed: ${lastFailure}`);
  return samples;
}

async function httpRoundTrip(url: string, timeoutMs: number, signal: AbortSignal, expectBody?: string) {
  const startedAt = performance.now();
  const response = await fetch(url, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    headers: { "Accept-Encoding": "identity", "Cache-Control": "no-cache" },
  });
  const body = await response.text();
  const rttMs = performance.now() - startedAt;
  if (!response.ok) throw new Error(`the server answered HTTP ${response.status} for ${publicUrl(url)}`);
  if (expectBody !== undefined && !body.startsWith(expectBody)) {
    throw new Error(`${publicUrl(url)} did not answer "${expectBody}"`);
  }
  return rttMs;
}

/** speedtest.net: latency = arithmetic mean, jitter = population standard deviation √(Σ(xᵢ − mean)² / n). */
export function speedtestNetLatency(samplesMs: readonly number[]): LatencyResult {
  const mean = samplesMs.reduce((sum, x) => sum + x, 0) / samplesMs.length;
  const variance = samplesMs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / samplesMs.length;
  return { latencyMs: mean, jitterMs: Math.sqrt(variance) };
}

/**
 * LibreSpeed (librespeed-cli): latency = arithmetic mean; jitter starts at 0
 * and, from the third sample on, with d = |xᵢ₋₁ − xᵢ|, becomes
 * 0.7·jitter + 0.3·d when jitter > d, else 0.8·jitter + 0.2·d (the first
 * difference is deliberately ignored, as in librespeed-cli).
 */
export function libreSpeedLatency(samplesMs: readonly number[]): LatencyResult {
  const mean = samplesMs.reduce((sum, x) => sum + x, 0) / samplesMs.length;
  let jitter = 0;
  for (let i = 2; i < samplesMs.length; i++) {
    const d = Math.abs(samplesMs[i - 1]! - samplesMs[i]!);
    jitter = jitter > d ? jitter * 0.7 + d * 0.3 : jitter * 0.8 + d * 0.2;
  }
  return { latencyMs: mean, jitterMs: jitter };
}
