/**
 * The agent's HTTP contract: what `netronome agent` serves and the hub reads. Field names are the original
 * Netronome agent's (reference §2), so this hub can read an original agent and the original hub can read this one.
 * Fields marked "extension" are ours; an original hub ignores them, and the hub treats them as optional.
 */

/** `type` in /netronome/info: how a hub recognises a Netronome agent. */
export const AGENT_TYPE = "netronome-agent";
/** `service` in GET /. */
export const AGENT_SERVICE = "monitor SSE agent";
/** The only stream /events serves (`?stream=live-data`); any other value is refused with 400. */
export const LIVE_STREAM = "live-data";
/**
 * Bumped when a change would break a hub that reads this agent. Absent on original agents (treated as 1).
 * A hub shows an agent whose protocol is newer than its own as "needs a newer hub".
 */
export const AGENT_PROTOCOL_VERSION = 1;

/** GET / (public): the capabilities map. A hub enables a feature when its endpoint is listed. */
export interface AgentRoot {
  service: typeof AGENT_SERVICE;
  host: string;
  port: number;
  endpoints: {
    live: string;
    historical: string;
    peaks: string;
    tailscale?: string;
    /** Absent with `disable_system_metrics`. */
    system?: string;
    hardware?: string;
    /** Extension: the measurement endpoints (MEASURE_PATHS), absent when the agent does not run measurements. */
    measure_servers?: string;
    measure_speedtest?: string;
    measure_probe?: string;
    measure_traceroute?: string;
    /** Extension: where the hub asks for the agent's LibreSpeed server entry; absent when that endpoint is off. */
    librespeed?: string;
  };
  authentication: "required" | "none";
  auth_methods: string[];
  /** Extension: where live bandwidth comes from. */
  bandwidth_source?: "vnstat" | "procfs";
  /** Extension: AGENT_PROTOCOL_VERSION of the agent. */
  protocol_version?: number;
  /** Extension: what the agent's measurements may do, present with the measurement endpoints. */
  measurement?: MeasurementCapacity;
}

/**
 * The measurement endpoints (API key required). POST a JSON request (SpeedTestRequest, ProbeRequest,
 * TracerouteRequest of protocol/measurements.ts); the answer is an event stream of `progress` events, then one
 * `outcome` or one `failure` (a MeasurementFailure), then the end. A request refused before anything starts gets a
 * JSON error instead: 400 for bad input (naming the field), 429 `busy` when the agent's limit for that kind is
 * reached. Closing the stream stops the measurement and kills its processes. GET servers?provider=… lists a
 * provider's servers (JSON), or answers 502 with `{error, message, failure}`.
 */
export const MEASURE_PATHS = {
  measure_servers: "/measure/servers",
  measure_speedtest: "/measure/speedtest",
  measure_probe: "/measure/probe",
  measure_traceroute: "/measure/traceroute",
} as const;

/** GET (API key required): the agent's LibreSpeed server entry, when its LibreSpeed endpoint is on. */
export const LIBRESPEED_INFO_PATH = "/measure/librespeed";

/** Event names of a measurement stream. */
export const MEASURE_EVENTS = { progress: "progress", outcome: "outcome", failure: "failure" } as const;

/** The agent's measurement limits and privileges. */
export interface MeasurementCapacity {
  /** Running as root: mtr may probe faster than once a second (decides how the hub plans a monitor's runs). */
  root: boolean;
  /** Measurements of each kind that may run at once; more are refused with 429. */
  limits: { speedtest: number; probe: number; traceroute: number };
}

/** The answer of LIBRESPEED_INFO_PATH. */
export interface AgentLibreSpeed {
  /** The endpoint's base path on the agent, ending in "/", with its secret in it. */
  path: string;
  dlURL: string;
  ulURL: string;
  pingURL: string;
  getIpURL: string;
  /**
   * What the secret in `path` is: a token of its own (safe to hand to another machine for agent-to-agent tests),
   * or the agent's API key (used by the hub only).
   */
  secret: "token" | "api_key";
}

/** GET /netronome/info (public, used for discovery). */
export interface AgentInfo {
  type: typeof AGENT_TYPE;
  version: string;
  hostname: string;
  listening_host: string;
  listening_port: number;
  using_tailscale: boolean;
  /** Extension. */
  protocol_version?: number;
}

/** One direction of a `vnstat --live --json` line. */
export interface LiveDirection {
  ratestring: string;
  bytespersecond: number;
  packetspersecond: number;
  bytes: number;
  packets: number;
  totalbytes: number;
  totalpackets: number;
}

/** One live-data SSE event (`event: message`, `data: <this, as one JSON line>`): vnstat's live JSON shape. */
export interface LiveSample {
  index: number;
  seconds: number;
  rx: LiveDirection;
  tx: LiveDirection;
}

/** GET /system/info. */
export interface SystemInfo {
  hostname: string;
  /** "Linux <uname -r>". */
  kernel: string;
  /** Seconds since boot. */
  uptime: number;
  interfaces: Record<string, InterfaceInfo>;
  vnstat_version: string;
  /** ISO 8601, UTC. */
  updated_at: string;
  /** Extension: agent version, so one request tells the hub what it talks to. */
  agent_version?: string;
}

export interface InterfaceInfo {
  name: string;
  alias: string;
  /** First IPv4 address, or "" when there is none. */
  ip_address: string;
  /** Mbit/s; -1 for virtual interfaces or when unknown. */
  link_speed: number;
  is_up: boolean;
  bytes_total: number;
  /** Extension: every address of the interface (IPv4 and IPv6). */
  addresses?: string[];
}

/** GET /system/hardware. Sizes in bytes, percentages 0–100. */
export interface HardwareStats {
  cpu: {
    /** Over a short sample. */
    usage_percent: number;
    cores: number;
    threads: number;
    model: string;
    /** MHz. */
    frequency: number;
    load_avg: [number, number, number];
  };
  memory: {
    total: number;
    /** total − available on Linux. */
    used: number;
    free: number;
    available: number;
    used_percent: number;
    cached: number;
    buffers: number;
    zfs_arc: number;
    swap_total: number;
    swap_used: number;
    swap_percent: number;
  };
  disks: DiskStats[];
  temperature: TemperatureReading[];
  /** ISO 8601, UTC. */
  updated_at: string;
}

export interface DiskStats {
  path: string;
  device: string;
  fstype: string;
  total: number;
  used: number;
  free: number;
  used_percent: number;
  model: string;
  serial: string;
}

export type TemperatureCategory = "cpu" | "storage" | "power" | "system";

export interface TemperatureReading {
  sensor_key: string;
  /** °C. */
  temperature: number;
  label: string;
  /** °C, 0 when the sensor does not say. */
  critical: number;
  /** Extension: the group the UI shows it in. */
  category?: TemperatureCategory;
}

/** GET /stats/peaks. Rates in bytes per second; timestamps ISO 8601 UTC ("" before the first sample). */
export interface PeakStats {
  peak_rx: number;
  peak_tx: number;
  peak_rx_string: string;
  peak_tx_string: string;
  peak_rx_timestamp: string;
  peak_tx_timestamp: string;
  updated_at: string;
}

/** GET /export/historical: `vnstat --json a`, normalised to vnstat JSON v2, plus the agent's clock. */
export interface HistoricalExport {
  vnstatversion: string;
  jsonversion: string;
  interfaces: VnstatInterface[];
  server_time: string;
  server_time_unix: number;
  /** Seconds east of UTC. */
  timezone_offset: number;
}

export interface VnstatInterface {
  name: string;
  alias: string;
  traffic: {
    total: { rx: number; tx: number };
    fiveminute?: VnstatEntry[];
    hour?: VnstatEntry[];
    day?: VnstatEntry[];
    month?: VnstatEntry[];
    year?: VnstatEntry[];
    top?: VnstatEntry[];
  };
}

export interface VnstatEntry {
  id?: number;
  date: { year: number; month?: number; day?: number };
  time?: { hour: number; minute: number };
  timestamp?: number;
  rx: number;
  tx: number;
}

/** Header and query parameter carrying the agent's API key. */
export const API_KEY_HEADER = "X-API-Key";
export const API_KEY_QUERY = "apikey";
