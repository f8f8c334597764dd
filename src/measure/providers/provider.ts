/**
 * The one interface every speed-test provider implements (list servers; run a test with options, an abort signal
 * and a progress callback), and what the registry knows about each provider besides: its label, help text and how
 * its tests pick a server. Providers take plain settings and return protocol types.
 */
import type { Config } from "../../config/schema";
import type {
  LibreSpeedServerEntry,
  SpeedTestMeasurement,
  SpeedTestProgress,
  SpeedTestServer,
} from "../../protocol/measurements";

export interface RunOptions {
  /** Provider-specific server ID; absent = choose automatically. */
  serverId?: string;
  /** Host providers only: `host`, `host:port` or `[v6]:port`. */
  host?: string;
  /** iperf3 only: test with UDP at a fixed target rate and report jitter and packet loss; default TCP. */
  udp?: boolean;
  /** LibreSpeed only: a server named by the caller instead of one from the lists (see SpeedTestRequest). */
  libreSpeedServer?: LibreSpeedServerEntry;
  enableDownload: boolean;
  enableUpload: boolean;
  signal: AbortSignal;
  onProgress: (p: SpeedTestProgress) => void;
}

export interface SpeedTestProvider {
  listServers(signal: AbortSignal): Promise<SpeedTestServer[]>;
  run(options: RunOptions): Promise<SpeedTestMeasurement>;
}

/** Where a provider's settings come from: the `[speedtest]` section and the config file's folder. */
export interface ProviderConfig {
  speedtest: Config["speedtest"];
  /** Folder of the config file (librespeed-servers.json lives there). */
  dir: string;
}

/**
 * How a provider's tests pick their target on the pages and in the API:
 * - `servers`: from the provider's server list (empty = the closest);
 * - `host`: a host the user types (or one of the saved servers, for iperf3).
 */
export type TargetKind = "servers" | "host";

export interface ProviderDefinition {
  /** How the pages name the provider. */
  label: string;
  /** How it measures latency and jitter, for the page's help text. */
  latencyHelp: string;
  target: TargetKind;
  /** A server ID typed by hand, for providers whose list shows only the nearest servers. */
  manualServerId?: { pattern: RegExp; example: string; hint: string; problem: string };
  /** Host providers: the host field's label and hint. */
  host?: { label: string; hint: string };
  /** Offers a UDP mode (reports jitter and packet loss). */
  udp?: boolean;
  /** Host providers: the hub's saved servers (the original's /api/iperf/servers) are offered as targets. */
  savedServers?: boolean;
  create(config: ProviderConfig): SpeedTestProvider;
}

/** A failure users can act on: the message is plain English and safe to show and store. */
export class ProviderError extends Error {}
