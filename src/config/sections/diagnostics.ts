/** [geoip], [traceroute] and [packetloss]: the diagnostics pages and packet-loss monitors. */
import { bool, int, num, str } from "../field";

export const geoip = {
  country_database_path: str("", "GEOIP_COUNTRY_DATABASE_PATH", "Path to GeoLite2-Country.mmdb"),
  asn_database_path: str("", "GEOIP_ASN_DATABASE_PATH", "Path to GeoLite2-ASN.mmdb"),
} as const;

export const traceroute = {
  max_hops: int(30, "TRACEROUTE_MAX_HOPS", "Most hops (TTL) a traceroute probes", 1, 255),
  wait_seconds: num(3, "TRACEROUTE_WAIT_SECONDS", "Seconds each probe waits for its reply", 0.1, 60),
  queries: int(3, "TRACEROUTE_QUERIES", "Probes sent per hop", 1, 10),
  timeout_seconds: int(60, "TRACEROUTE_TIMEOUT_SECONDS", "Seconds after which a traceroute is stopped", 5, 600),
  max_silent_hops: int(5, "TRACEROUTE_MAX_SILENT_HOPS", "Stop early after this many silent hops in a row", 1, 255),
  max_concurrent: int(4, "TRACEROUTE_MAX_CONCURRENT", "Traceroutes that may run at once; more are refused", 1, 64),
  resolve_hostnames: bool(true, "TRACEROUTE_RESOLVE_HOSTNAMES", "Show hop names (reverse DNS); off: addresses only"),
} as const;

export const packetloss = {
  enabled: bool(true, "PACKETLOSS_ENABLED", "Enable packet-loss monitors"),
  default_interval: int(3600, "PACKETLOSS_DEFAULT_INTERVAL", "Default monitor interval in seconds", 10, 86400),
  default_packet_count: int(10, "PACKETLOSS_DEFAULT_PACKET_COUNT", "Default packets per monitor run", 1, 1000),
  max_concurrent_monitors: int(10, "PACKETLOSS_MAX_CONCURRENT_MONITORS", "Monitors that may run at once", 1, 1000),
  privileged_mode: bool(false, "PACKETLOSS_PRIVILEGED_MODE", "Use ICMP (raw sockets) instead of UDP for MTR"),
  mtr_enable_dns: bool(false, "PACKETLOSS_MTR_ENABLE_DNS", "Resolve hop names in MTR"),
  restore_monitors_on_startup: bool(
    false,
    "PACKETLOSS_RESTORE_MONITORS_ON_STARTUP",
    "Run every enabled monitor immediately at start-up",
  ),
} as const;
