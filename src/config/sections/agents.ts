/** [agent] (`netronome agent`) and [monitor] (the hub's connections to agents). */
import { hostProblem } from "../../core/host";
import { interfaceNameProblem } from "../../core/net";
import { bool, durationCheck, int, list, str } from "../field";

export const agent = {
  host: str("0.0.0.0", "AGENT_HOST", "Agent bind address (`0.0.0.0`: every interface)", {
    check: (v) => (hostProblem(v) ? `must be an IP address or host name (${hostProblem(v)})` : null),
  }),
  port: int(8200, "AGENT_PORT", "Agent port", 1, 65535),
  interface: str(
    "",
    "AGENT_INTERFACE",
    "Interface for live bandwidth (empty: the default route's) and history (empty: every interface vnStat knows)",
    { check: (v) => (v === "" ? null : interfaceNameProblem(v)) },
  ),
  api_key: str("", "AGENT_API_KEY", "API key the hub must present (empty: anyone who reaches the agent may read it)"),
  disk_includes: list([], "AGENT_DISK_INCLUDES", "Extra disk mounts to report (globs allowed)"),
  disk_excludes: list([], "AGENT_DISK_EXCLUDES", "Disk mounts to hide (globs allowed)"),
  disable_system_metrics: bool(false, "AGENT_DISABLE_SYSTEM_METRICS", "Report bandwidth only"),
  disable_measurements: bool(
    false,
    "AGENT_DISABLE_MEASUREMENTS",
    "Refuse to run speed tests, traceroutes and packet-loss probes for the hub (they need an API key anyway)",
  ),
} as const;

export const monitor = {
  enabled: bool(true, "MONITOR_ENABLED", "Connect to configured agents"),
  reconnect_interval: str(
    "30s",
    "MONITOR_RECONNECT_INTERVAL",
    "Longest wait between agent reconnection attempts (they back off from 1 s, with jitter)",
    { check: durationCheck },
  ),
  poll_interval: str(
    "30s",
    "MONITOR_POLL_INTERVAL",
    "How often system information, hardware figures and peaks are read from each connected agent",
    { check: durationCheck },
  ),
  stale_after: str(
    "20s",
    "MONITOR_STALE_AFTER",
    "An agent stream that sends neither data nor a heartbeat for this long counts as lost",
    { check: durationCheck },
  ),
} as const;
