/**
 * The agent's settings: the `[agent]` section (and NETRONOME__AGENT_* variables) with command-line flags on top.
 * Flags are checked here with the same rules as the config file, so a bad value stops start-up with one message.
 */
import type { Config } from "../config/schema";
import { hostProblem } from "../core/host";
import { LOG_LEVELS, type LogLevel } from "../core/log";
import { interfaceNameProblem } from "../core/net";

export interface AgentOptions {
  host: string;
  port: number;
  /** Empty: the default route's interface for live data, every interface for history. */
  interface: string;
  apiKey: string;
  diskIncludes: string[];
  diskExcludes: string[];
  disableSystemMetrics: boolean;
  /** With `disable_measurements`, or without an API key: no measurement endpoints. */
  disableMeasurements: boolean;
  /** What measurements run with (the config file's [speedtest], [packetloss] and [traceroute] sections). */
  measure: MeasureSettings;
  /** The LibreSpeed-compatible endpoint; null when it is off. */
  libreSpeed: { path: string; token: string } | null;
  logLevel: LogLevel;
}

export interface MeasureSettings {
  speedtest: Config["speedtest"];
  /** Folder of the config file: librespeed-servers.json lives there. */
  configDir: string;
  /** [packetloss] max_concurrent_monitors: probes at once. */
  maxProbes: number;
  /** [traceroute] max_concurrent: traces at once. */
  maxTraceroutes: number;
}

/** Flag values as typed; absent flags keep the configured value. */
export interface AgentFlags {
  host?: string;
  port?: string;
  interface?: string;
  apiKey?: string;
  diskIncludes?: string[];
  diskExcludes?: string[];
  disableSystemMetrics?: boolean;
  disableMeasurements?: boolean;
  logLevel?: string;
}

/** A flag with a bad value; the CLI reports it as a usage error. */
export class AgentFlagError extends Error {}

/** Keys shorter than this are easy to guess; the agent warns at start. */
export const MIN_API_KEY_LENGTH = 16;

function checked<T>(flag: string, value: T, problem: string | null): T {
  if (problem) throw new AgentFlagError(`--${flag}: ${problem} (got ${JSON.stringify(value)})`);
  return value;
}

function parsePort(text: string): number {
  const port = Number(text);
  const ok = /^\d{1,5}$/.test(text) && port >= 1 && port <= 65535;
  checked("port", text, ok ? null : "must be a whole number between 1 and 65535");
  return port;
}

export function resolveAgentOptions(config: Config, flags: AgentFlags, configDir = process.cwd()): AgentOptions {
  const a = config.agent;
  const host = flags.host ?? a.host;
  if (flags.host !== undefined) checked("host", host, hostProblem(host) && `must be an IP address or host name`);
  const iface = flags.interface ?? a.interface;
  if (flags.interface !== undefined) checked("interface", iface, iface === "" ? null : interfaceNameProblem(iface));
  const logLevel = flags.logLevel ?? config.logging.level;
  checked(
    "log-level",
    logLevel,
    (LOG_LEVELS as readonly string[]).includes(logLevel) ? null : `must be one of ${LOG_LEVELS.join(", ")}`,
  );
  const apiKey = flags.apiKey ?? a.api_key;
  if (flags.apiKey !== undefined) checked("api-key", "(hidden)", apiKey.trim() === "" ? "is empty" : null);
  return {
    host,
    port: flags.port !== undefined ? parsePort(flags.port) : a.port,
    interface: iface,
    apiKey,
    diskIncludes: [...(flags.diskIncludes ?? a.disk_includes)],
    diskExcludes: [...(flags.diskExcludes ?? a.disk_excludes)],
    disableSystemMetrics: flags.disableSystemMetrics ?? a.disable_system_metrics,
    disableMeasurements: flags.disableMeasurements ?? a.disable_measurements,
    measure: {
      speedtest: config.speedtest,
      configDir,
      maxProbes: config.packetloss.max_concurrent_monitors,
      maxTraceroutes: config.traceroute.max_concurrent,
    },
    libreSpeed: config.librespeed_server.enabled
      ? { path: config.librespeed_server.path, token: config.librespeed_server.token }
      : null,
    logLevel: logLevel as LogLevel,
  };
}

/** Start-up warnings about how exposed the agent is. */
export function securityWarnings(options: AgentOptions): string[] {
  const warnings: string[] = [];
  const everywhere = options.host === "0.0.0.0" || options.host === "::";
  if (!options.apiKey)
    warnings.push(
      `no API key: anyone who can reach ${everywhere ? "this host" : options.host}:${options.port} can read its bandwidth, ` +
        "hardware and system details. Set [agent] api_key (or NETRONOME__AGENT_API_KEY) to a random secret, e.g. `openssl rand -hex 16`",
    );
  else if (options.apiKey.length < MIN_API_KEY_LENGTH)
    warnings.push(
      `the API key is short (${options.apiKey.length} characters); use at least ${MIN_API_KEY_LENGTH} random characters`,
    );
  if (!options.apiKey && !options.disableMeasurements)
    warnings.push("no API key: the hub cannot run speed tests, traceroutes or packet-loss probes from this agent");
  if (options.libreSpeed && !options.libreSpeed.token && !options.apiKey)
    warnings.push(
      "the LibreSpeed endpoint stays off: it needs [librespeed_server] token (or an API key, which then serves as its token)",
    );
  return warnings;
}
