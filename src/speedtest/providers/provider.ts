/**
 * The one interface every speed-test provider implements: list servers, and run
 * a test with options, an abort signal and a progress callback.
 */
import type { TestType } from "../speedtest.schema";

export type Phase = "latency" | "download" | "upload";

/** A server as listed by GET /api/servers (the original's ServerResponse fields). */
export interface ServerInfo {
  id: string;
  name: string;
  host: string;
  distance: number;
  country: string;
  sponsor: string;
  url: string;
  lat: number;
  lon: number;
  isIperf: boolean;
  isLibrespeed: boolean;
  isPublic: boolean;
}

export interface Progress {
  phase: Phase;
  /** Current throughput of the phase in Mbit/s (download/upload), absent during latency. */
  mbps?: number;
  /** Latest latency sample in ms (latency phase). */
  latencyMs?: number;
  /** Progress of the current phase, 0–100. */
  percent: number;
}

export interface RunOptions {
  /** Provider-specific server ID (speedtest.net numeric ID, LibreSpeed ID); absent = choose automatically. */
  serverId?: string;
  /** iperf3 only: `host`, `host:port` or `[v6]:port`. */
  host?: string;
  /** iperf3 only: test with UDP at a fixed target rate and report jitter and packet loss; default TCP. */
  udp?: boolean;
  enableDownload: boolean;
  enableUpload: boolean;
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
}

/** What a run measured. Throughput in Mbit/s (goodput as measured, no correction factors), times in ms. */
export interface Measurement {
  serverId: string;
  serverName: string;
  serverHost: string;
  downloadMbps: number | null;
  uploadMbps: number | null;
  latencyMs: number | null;
  jitterMs: number | null;
  /** Packet loss in percent where the provider measures it (iperf3 UDP), else null. */
  packetLoss: number | null;
  /** The ISP the test ran through, as the test service sees the client; null when it does not say (iperf3). */
  isp: string | null;
  bytesDownloaded: number;
  bytesUploaded: number;
  durationMs: number;
}

export interface SpeedTestProvider {
  readonly id: TestType;
  listServers(signal: AbortSignal): Promise<ServerInfo[]>;
  run(options: RunOptions): Promise<Measurement>;
}

/** A failure users can act on: the message is plain English and safe to show and store. */
export class ProviderError extends Error {}
