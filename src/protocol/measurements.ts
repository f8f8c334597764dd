/**
 * Measurements as plain data, the same whether they ran on the hub or on an agent: what a speed test, a
 * packet-loss probe and a traceroute are asked to do, how they report progress, what they measured, and how
 * they failed. JSON-safe (no classes, no functions, no Dates); numbers as numbers: Mbit/s, ms, percent 0–100.
 * Nothing here knows about the database or GeoIP: hop enrichment happens on the hub.
 */
import type { ProbeMethod } from "../measure/probes/registry";
import type { ProviderId } from "../measure/providers/registry";

export type { ProbeMethod, ProviderId };

// ---- speed tests

export type SpeedTestPhase = "latency" | "download" | "upload";

/** A server as listed by GET /api/servers (the original's ServerResponse fields). */
export interface SpeedTestServer {
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

/** What a speed test runs: which provider, against what, in which directions. */
export interface SpeedTestRequest {
  provider: ProviderId;
  /** The provider's server ID (speedtest.net numeric ID, LibreSpeed ID); absent = the closest server. */
  serverId?: string;
  /** Providers that test against a host (iperf3): `host`, `host:port` or `[v6]:port`. */
  host?: string;
  /** iperf3: UDP at a fixed target rate, reporting jitter and packet loss; default TCP. */
  udp?: boolean;
  enableDownload: boolean;
  enableUpload: boolean;
  /**
   * LibreSpeed: a server the hub names itself (an agent's or the hub's own LibreSpeed endpoint), tested instead of
   * one from the measuring machine's lists; `serverId` is then only its label.
   */
  libreSpeedServer?: LibreSpeedServerEntry;
}

/** A LibreSpeed server as LibreSpeed's server lists spell it: a base URL and endpoints relative to it. */
export interface LibreSpeedServerEntry {
  name: string;
  server: string;
  dlURL: string;
  ulURL: string;
  pingURL: string;
  getIpURL: string;
}

export interface SpeedTestProgress {
  phase: SpeedTestPhase;
  /** Current throughput of the phase in Mbit/s (download/upload), absent during latency. */
  mbps?: number;
  /** Latest latency sample in ms (latency phase). */
  latencyMs?: number;
  /** Progress of the current phase, 0–100. */
  percent: number;
}

/** What a speed test measured. Throughput in Mbit/s (goodput as measured, no correction factors), times in ms. */
export interface SpeedTestMeasurement {
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

// ---- packet-loss probes

/** A packet-loss measurement: `count` probes to one host, spread over at most `budgetSeconds`. */
export interface ProbeRequest {
  /** A validated host name or address (no port). */
  host: string;
  /** 4 or 6 for a literal address, 0 for a name (resolved before probing, so every method probes one address). */
  family: 0 | 4 | 6;
  count: number;
  /** Seconds the run may take: probes are one a second when that fits, faster when it must. */
  budgetSeconds: number;
  /** ICMP probes for mtr ([packetloss] privileged_mode); UDP probes otherwise. */
  icmp: boolean;
  /** Reverse DNS for hop names ([packetloss] mtr_enable_dns). */
  dns: boolean;
}

/** What the measuring machine allows, which decides how a probe run is planned. */
export interface ProbeHost {
  /** Running as root (uid 0): mtr allows probes less than a second apart only then. */
  root: boolean;
}

/** One hop of a hop-by-hop measurement (mtr), without GeoIP. RTTs in ms, null when nothing came back. */
export interface ProbeHop {
  /** 1-based hop number (TTL). */
  number: number;
  /** Reverse-DNS name, or the address when there is none; null for a hop that never answered (mtr's `???`). */
  host: string | null;
  ip: string | null;
  loss: number;
  sent: number;
  received: number;
  last: number | null;
  avg: number | null;
  best: number | null;
  worst: number | null;
  /** Sample standard deviation, as mtr computes it. */
  stddev: number | null;
}

export interface ProbeOutcome {
  method: ProbeMethod;
  /** The address probed (a name is resolved first, so every method agrees on the destination). */
  ip: string;
  packetLoss: number;
  /** Probes sent to the destination: exactly the requested count for a run that finished. */
  packetsSent: number;
  packetsRecv: number;
  minRtt: number | null;
  avgRtt: number | null;
  maxRtt: number | null;
  stdDevRtt: number | null;
  /** Every reply's RTT from the destination, in ms. */
  rttSamplesMs: number[];
  /** Hop-by-hop figures; null for a method without them (ping). */
  hops: ProbeHop[] | null;
  /** Why a method with hop data did not run (or gave up), in plain words; absent when the first method ran. */
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

// ---- traceroute

export interface TracerouteRequest {
  /** A validated host name or address (no port). */
  host: string;
  family: 0 | 4 | 6;
  maxHops: number;
  /** How long each probe waits for its reply, seconds. */
  waitSeconds: number;
  /** Probes per hop. */
  queries: number;
  /** Addresses only, no reverse DNS. */
  numeric: boolean;
  /** Silent hops in a row after which the trace is abandoned. */
  maxSilentHops: number;
  timeoutSeconds: number;
}

export interface TracerouteResponder {
  /** Reverse-DNS name, or the address itself when there is none (or with `numeric`). */
  host: string;
  ip: string;
  /** RTTs in ms of the probes this responder answered, in order. */
  rtts: number[];
}

export interface TracerouteHop {
  /** TTL of the hop (1-based). */
  number: number;
  /** First responder of the hop; null when every probe timed out. */
  host: string | null;
  ip: string | null;
  /** One entry per probe in printed order, ms; null for a probe that timed out (`*`). */
  rtts: (number | null)[];
  /** Share of probes that timed out, percent 0–100. */
  loss: number;
  /** Distinct ICMP annotations seen on the hop's probes, e.g. `!H`, `!X`, `!F-1500`, `!<13>`. */
  annotations: string[];
  /** Every distinct responder (several when load balancing sends probes different ways). */
  responders: TracerouteResponder[];
  /** True when every probe of the hop timed out (`* * *`). */
  timeout: boolean;
}

/** Live events of a trace: the resolved destination first, then each hop as soon as it is complete (again if more of it arrives). */
export type TracerouteProgress = { type: "resolved"; ip: string } | { type: "hop"; hop: TracerouteHop };

export interface TracerouteOutcome {
  /** The address the destination resolved to; null when traceroute printed nothing. */
  ip: string | null;
  hops: TracerouteHop[];
  /** Stopped after `maxSilentHops` silent hops in a row. */
  terminatedEarly: boolean;
  /** Stopped at `timeoutSeconds`. */
  timedOut: boolean;
  durationMs: number;
}

// ---- failures

/**
 * Why a measurement produced nothing, as data (an agent sends this; the hub turns it back into an error):
 * `bad_input` and `not_found` are the caller's mistake (nothing ran), `unavailable` means a tool is missing,
 * `failed` means the measurement ran and failed (stored as a failed result).
 */
export interface MeasurementFailure {
  kind: "bad_input" | "not_found" | "unavailable" | "failed";
  measurement: "speedtest" | "probe" | "traceroute";
  /** Plain English, safe to show and store. */
  message: string;
  /** The request field at fault (bad_input). */
  field?: string;
  /** The probe method that failed (probe). */
  method?: ProbeMethod;
}
