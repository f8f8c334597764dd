/**
 * Every configuration key, its type, default, environment variable and meaning,
 * declared once. Loading, validation, `generate-config` and the README's table
 * all derive from this file.
 */
import { parseDuration } from "../core/duration";
import { hostProblem } from "../core/host";
import { LOG_LEVELS } from "../core/log";
import { interfaceNameProblem, parseCidr } from "../core/net";

interface FieldBase<T> {
  readonly kind: "field";
  readonly type: "string" | "int" | "number" | "bool" | "list" | "choice";
  readonly default: T;
  /** Name after the `NETRONOME__` prefix, e.g. `DB_TYPE`. */
  readonly env?: string;
  readonly doc: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Checks a value beyond its type; returns a problem description or null. */
  readonly check?: (value: T) => string | null;
  /** Omitted from `generate-config` output (kept for compatibility only). */
  readonly hidden?: boolean;
  /** Also read from this variable without the prefix (the Go version documented some that way); the prefixed one wins. */
  readonly bareEnv?: string;
  /** A list whose environment variable may separate items with spaces as well as commas. */
  readonly spaceSeparated?: boolean;
}
export type Field<T> = FieldBase<T>;

const str = (def: string, env: string | undefined, doc: string, extra: Partial<Field<string>> = {}): Field<string> => ({
  kind: "field",
  type: "string",
  default: def,
  env,
  doc,
  ...extra,
});
const int = (def: number, env: string | undefined, doc: string, min: number, max: number): Field<number> => ({
  kind: "field",
  type: "int",
  default: def,
  env,
  doc,
  min,
  max,
});
const num = (def: number, env: string | undefined, doc: string, min: number, max: number): Field<number> => ({
  kind: "field",
  type: "number",
  default: def,
  env,
  doc,
  min,
  max,
});
const bool = (
  def: boolean,
  env: string | undefined,
  doc: string,
  extra: Partial<Field<boolean>> = {},
): Field<boolean> => ({
  kind: "field",
  type: "bool",
  default: def,
  env,
  doc,
  ...extra,
});
const list = (
  def: string[],
  env: string | undefined,
  doc: string,
  extra: Partial<Field<string[]>> = {},
): Field<string[]> => ({
  kind: "field",
  type: "list",
  default: def,
  env,
  doc,
  ...extra,
});
function choice<const C extends readonly string[]>(
  choices: C,
  def: C[number],
  env: string | undefined,
  doc: string,
): Field<C[number]> {
  return { kind: "field", type: "choice", default: def, env, doc, choices };
}

/** A GitHub owner/name: letters, digits and dashes for the owner; no "." or ".." for the name. */
export const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;
const durationCheck = (v: string) =>
  parseDuration(v) === null ? 'must be a duration such as "30s", "5m", "1h" or "7d"' : null;
/** A duration between `min` and `max` (both written as durations). */
const durationBetween = (min: string, max: string) => (v: string) => {
  const ms = parseDuration(v);
  if (ms === null) return durationCheck(v);
  return ms < parseDuration(min)! || ms > parseDuration(max)! ? `must be between ${min} and ${max}` : null;
};
const cidrListCheck = (ranges: readonly string[]) => {
  const bad = ranges.filter((r) => parseCidr(r) === null);
  return bad.length ? `has malformed CIDR ranges: ${bad.join(", ")}` : null;
};
/** A duration key's value in milliseconds (keys are checked at load, so it parses). */
export function durationMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new Error(`not a duration: ${value}`);
  return ms;
}
const timezoneCheck = (v: string) => {
  if (v === "") return null;
  try {
    new Intl.DateTimeFormat("en", { timeZone: v });
    return null;
  } catch {
    return `unknown timezone "${v}" (use an IANA name such as "Europe/Berlin")`;
  }
};
const baseUrlCheck = (v: string) =>
  v === "" || v === "/" || /^\/[A-Za-z0-9._~\-/]*$/.test(v) ? null : 'must be a path such as "/netronome"';
const urlCheck = (v: string) => {
  if (v === "") return null;
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:" ? null : "must be an http(s) URL";
  } catch {
    return "must be an http(s) URL";
  }
};

/** Checked in full (per channel type) when notifications start; here only that it is a URL at all. */
const channelUrlCheck = (v: string) =>
  v === "" || URL.canParse(v) ? null : "must be a URL (https://… or a channel URL such as ntfy://host/topic)";

export const configSchema = {
  database: {
    type: choice(["sqlite", "postgres"], "sqlite", "DB_TYPE", "Database type (`sqlite` or `postgres`)"),
    path: str("netronome.db", "DB_PATH", "SQLite file; a relative path is resolved against the config file's folder"),
    host: str("localhost", "DB_HOST", "PostgreSQL host"),
    port: int(5432, "DB_PORT", "PostgreSQL port", 1, 65535),
    user: str("postgres", "DB_USER", "PostgreSQL user"),
    password: str("", "DB_PASSWORD", "PostgreSQL password"),
    dbname: str("netronome", "DB_NAME", "PostgreSQL database name"),
    sslmode: choice(
      ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
      "disable",
      "DB_SSLMODE",
      "PostgreSQL SSL mode",
    ),
  },
  server: {
    host: str("127.0.0.1", "HOST", "Address to listen on (`0.0.0.0` for every interface)"),
    port: int(7575, "PORT", "Port to listen on", 1, 65535),
    base_url: str("", "BASE_URL", "Sub-path when served behind a reverse proxy, e.g. `/netronome`", {
      check: baseUrlCheck,
    }),
    timezone: str("", "TIMEZONE", "IANA timezone of schedules and of every time the pages show (empty: the system's)", {
      check: timezoneCheck,
    }),
    trusted_proxies: list(
      [],
      "TRUSTED_PROXIES",
      "CIDR ranges of reverse proxies whose `X-Forwarded-For`, `Forwarded`, `X-Forwarded-Proto` and `X-Forwarded-Host` are believed; from any other peer they are ignored",
      { check: cidrListCheck },
    ),
    gin_mode: str("release", "GIN_MODE", "Accepted for compatibility with the Go version; has no effect", {
      hidden: true,
    }),
  },
  logging: {
    level: choice(LOG_LEVELS, "info", "LOG_LEVEL", "`trace`, `debug`, `info`, `warn`, `error`, `fatal` or `panic`"),
  },
  session: {
    session_secret: str(
      "",
      "SESSION_SECRET",
      "Secret that keys the stored session fingerprints, and from which the keys of agents' stored API keys and of single sign-on flow cookies are derived; changing it signs everyone out and agents' keys must be entered again (empty: generated and kept in the database)",
    ),
    idle_timeout: str("7d", "SESSION_IDLE_TIMEOUT", "A session unused this long is signed out (`30m`, `12h`, `7d`)", {
      check: durationBetween("5m", "365d"),
    }),
    absolute_timeout: str("30d", "SESSION_ABSOLUTE_TIMEOUT", "A session ends this long after sign-in, however active", {
      check: durationBetween("5m", "365d"),
    }),
  },
  auth: {
    whitelist: list(
      [],
      "AUTH_WHITELIST",
      "CIDR ranges that skip login, matched against the client address (the socket peer, or the forwarded client when the peer is in `trusted_proxies`)",
      { check: cidrListCheck },
    ),
    password_login: bool(
      true,
      "AUTH_PASSWORD_LOGIN",
      "Offer sign-in with a username and password; `false`: single sign-on only (needs `[oidc]`)",
    ),
  },
  oidc: {
    issuer: str(
      "",
      "OIDC_ISSUER",
      "OpenID Connect issuer URL (`http://` only for a provider on this machine or a trusted network)",
      {
        check: urlCheck,
        bareEnv: "OIDC_ISSUER",
      },
    ),
    client_id: str("", "OIDC_CLIENT_ID", "OpenID Connect client ID", { bareEnv: "OIDC_CLIENT_ID" }),
    client_secret: str("", "OIDC_CLIENT_SECRET", "OpenID Connect client secret (empty: a public client, PKCE only)", {
      bareEnv: "OIDC_CLIENT_SECRET",
    }),
    redirect_url: str(
      "",
      "OIDC_REDIRECT_URL",
      "Callback URL registered at the provider, `https://<host><base_url>/api/auth/oidc/callback` (empty: built from the address the browser used)",
      { check: urlCheck, bareEnv: "OIDC_REDIRECT_URL" },
    ),
    scopes: list(["openid", "profile"], "OIDC_SCOPES", "OpenID Connect scopes (`openid` is always added)", {
      bareEnv: "OIDC_SCOPES",
      spaceSeparated: true,
    }),
    provider_name: str(
      "",
      "OIDC_PROVIDER_NAME",
      'Name on the sign-in button, "Sign in with …" (empty: the issuer\'s host name)',
    ),
    allowed_users: list(
      [],
      "OIDC_ALLOWED_USERS",
      "Only these usernames (or subjects) may sign in; with `allowed_groups`, members of either list may (empty: no limit)",
    ),
    allowed_groups: list(
      [],
      "OIDC_ALLOWED_GROUPS",
      "Only members of one of these groups may sign in (empty: no limit)",
    ),
    groups_claim: str(
      "groups",
      "OIDC_GROUPS_CLAIM",
      "Claim that lists the user's groups (a dotted path such as `realm_access.roles` works)",
    ),
    default_role: choice(
      ["viewer", "admin"],
      "viewer",
      "OIDC_DEFAULT_ROLE",
      "Role of an account created by a first single sign-on (the very first account of an installation is an admin)",
    ),
  },
  speedtest: {
    timeout: int(30, "SPEEDTEST_TIMEOUT", "Speedtest.net phase timeout in seconds", 5, 3600),
    iperf: {
      test_duration: int(10, "IPERF_TEST_DURATION", "Duration of each iperf3 direction in seconds", 1, 300),
      parallel_conns: int(4, "IPERF_PARALLEL_CONNS", "Parallel iperf3 streams", 1, 128),
      timeout: int(60, "IPERF_TIMEOUT", "Timeout of one iperf3 run in seconds", 5, 3600),
      ping: {
        count: int(5, "IPERF_PING_COUNT", "Pings sent to measure iperf3 server latency", 1, 100),
        interval: int(1000, "IPERF_PING_INTERVAL", "Interval between those pings in milliseconds", 200, 10000),
        timeout: int(10, "IPERF_PING_TIMEOUT", "Timeout of the latency ping in seconds", 1, 300),
      },
    },
    librespeed: {
      timeout: int(60, "LIBRESPEED_TIMEOUT", "Timeout of a LibreSpeed test in seconds", 5, 3600),
      duration: int(
        10,
        "LIBRESPEED_DURATION",
        "Measured seconds per direction (after a discarded 2 s warm-up)",
        1,
        120,
      ),
      download_streams: int(6, "LIBRESPEED_DOWNLOAD_STREAMS", "Parallel download streams", 1, 32),
      upload_streams: int(3, "LIBRESPEED_UPLOAD_STREAMS", "Parallel upload streams", 1, 32),
      servers_url: str(
        "",
        "LIBRESPEED_SERVERS_URL",
        "Public LibreSpeed server list to offer besides librespeed-servers.json",
        {
          check: urlCheck,
        },
      ),
    },
    speedtestnet: {
      duration: int(
        10,
        "SPEEDTESTNET_DURATION",
        "Measured seconds per direction (after a discarded 2 s warm-up)",
        1,
        120,
      ),
      streams: int(4, "SPEEDTESTNET_STREAMS", "Parallel download and upload streams", 1, 32),
      servers_url: str(
        "https://www.speedtest.net/api/js/servers?engine=js&limit=20",
        "SPEEDTESTNET_SERVERS_URL",
        "Speedtest.net server list (JSON; XML accepted)",
        { check: urlCheck },
      ),
      config_url: str(
        "https://www.speedtest.net/speedtest-config.php",
        "SPEEDTESTNET_CONFIG_URL",
        "Speedtest.net client configuration (XML)",
        { check: urlCheck },
      ),
    },
  },
  pagination: {
    default_page: int(1, "DEFAULT_PAGE", "Default page number", 1, 1_000_000),
    default_page_size: int(20, "DEFAULT_PAGE_SIZE", "Default page size", 1, 10_000),
    max_page_size: int(100, "MAX_PAGE_SIZE", "Largest page size a request may ask for", 1, 10_000),
    default_time_range: choice(
      ["1h", "6h", "1d", "3d", "1w", "1m", "all"],
      "1w",
      "DEFAULT_TIME_RANGE",
      "Default history range",
    ),
    default_limit: int(20, "DEFAULT_LIMIT", "Default number of rows in lists", 1, 10_000),
  },
  geoip: {
    country_database_path: str("", "GEOIP_COUNTRY_DATABASE_PATH", "Path to GeoLite2-Country.mmdb"),
    asn_database_path: str("", "GEOIP_ASN_DATABASE_PATH", "Path to GeoLite2-ASN.mmdb"),
  },
  traceroute: {
    max_hops: int(30, "TRACEROUTE_MAX_HOPS", "Most hops (TTL) a traceroute probes", 1, 255),
    wait_seconds: num(3, "TRACEROUTE_WAIT_SECONDS", "Seconds each probe waits for its reply", 0.1, 60),
    queries: int(3, "TRACEROUTE_QUERIES", "Probes sent per hop", 1, 10),
    timeout_seconds: int(60, "TRACEROUTE_TIMEOUT_SECONDS", "Seconds after which a traceroute is stopped", 5, 600),
    max_silent_hops: int(5, "TRACEROUTE_MAX_SILENT_HOPS", "Stop early after this many silent hops in a row", 1, 255),
    max_concurrent: int(4, "TRACEROUTE_MAX_CONCURRENT", "Traceroutes that may run at once; more are refused", 1, 64),
    resolve_hostnames: bool(true, "TRACEROUTE_RESOLVE_HOSTNAMES", "Show hop names (reverse DNS); off: addresses only"),
  },
  packetloss: {
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
  },
  retention: {
    raw_days: int(
      7,
      "RETENTION_RAW_DAYS",
      "Days packet-loss results (with hop data) are kept before only rollups remain",
      1,
      3650,
    ),
    minute_days: int(30, "RETENTION_MINUTE_DAYS", "Days 1-minute packet-loss rollups are kept", 1, 3650),
    hour_days: int(0, "RETENTION_HOUR_DAYS", "Days hourly packet-loss rollups are kept (0: forever)", 0, 36500),
    speedtest_days: int(0, "RETENTION_SPEEDTEST_DAYS", "Days speed-test results are kept (0: forever)", 0, 36500),
    agent_raw_days: int(
      1,
      "RETENTION_AGENT_RAW_DAYS",
      "Days each agent's raw resource samples (one per poll) are kept before only rollups remain",
      1,
      3650,
    ),
    agent_minute_days: int(
      3,
      "RETENTION_AGENT_MINUTE_DAYS",
      "Days 1-minute rollups of agent resources and bandwidth are kept (charts up to 3 days read them)",
      1,
      3650,
    ),
    agent_hour_days: int(
      0,
      "RETENTION_AGENT_HOUR_DAYS",
      "Days hourly rollups of agent resources and bandwidth are kept (0: forever)",
      0,
      36500,
    ),
    notification_days: int(
      90,
      "RETENTION_NOTIFICATION_DAYS",
      "Days the notification delivery history is kept (0: forever)",
      0,
      36500,
    ),
  },
  notifications: {
    enabled: bool(false, "NOTIFICATIONS_ENABLED", "Send notifications"),
    webhook_url: str(
      "",
      "NOTIFICATIONS_WEBHOOK_URL",
      "Webhook URL for threshold alerts (a Discord webhook URL, any JSON webhook, or a channel URL such as ntfy://…)",
      { check: channelUrlCheck },
    ),
    ping_threshold: num(30, "NOTIFICATIONS_PING_THRESHOLD", "Notify when latency exceeds this many ms", 0, 1e6),
    upload_threshold: num(
      200,
      "NOTIFICATIONS_UPLOAD_THRESHOLD",
      "Notify when upload falls below this many Mbit/s",
      0,
      1e6,
    ),
    download_threshold: num(
      200,
      "NOTIFICATIONS_DOWNLOAD_THRESHOLD",
      "Notify when download falls below this many Mbit/s",
      0,
      1e6,
    ),
    discord_mention_id: str("", "NOTIFICATIONS_DISCORD_MENTION_ID", "Discord user or role ID to mention"),
  },
  agent: {
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
  },
  librespeed_server: {
    enabled: bool(
      false,
      "LIBRESPEED_SERVER_ENABLED",
      "Serve a LibreSpeed-compatible test endpoint (`garbage`, `empty`, `getIP`), on the hub and on agents",
    ),
    path: str("/librespeed", "LIBRESPEED_SERVER_PATH", "Path of that endpoint (under base_url on the hub)", {
      check: (v) =>
        /^(\/[A-Za-z0-9._~-]+)+$/.test(v) ? null : 'must be a path such as "/librespeed" (letters, digits, . _ ~ -)',
    }),
    token: str(
      "",
      "LIBRESPEED_SERVER_TOKEN",
      "Secret in the endpoint's URLs (`<path>/<token>/garbage`); required on the hub; on an agent, empty means its API key",
      {
        check: (v) =>
          v === "" || /^[A-Za-z0-9._~-]{16,200}$/.test(v)
            ? null
            : "must be 16 to 200 letters, digits or . _ ~ - (e.g. `openssl rand -hex 16`)",
      },
    ),
  },
  monitor: {
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
  },
  update: {
    api_url: str("https://api.github.com", "UPDATE_API_URL", "GitHub API that `netronome update` asks for releases", {
      check: urlCheck,
    }),
    repository: str(
      "",
      "UPDATE_REPOSITORY",
      "GitHub repository (owner/name) to update from (empty: the one this build was released from)",
      { check: (v) => (v === "" || REPOSITORY.test(v) ? null : 'must be "owner/name"') },
    ),
  },
} as const;

type ConfigOf<S> = {
  readonly [K in keyof S]: S[K] extends Field<infer T>
    ? T extends readonly string[]
      ? readonly string[]
      : T
    : ConfigOf<S[K]>;
};
export type Config = ConfigOf<typeof configSchema>;

export interface SchemaNode {
  readonly [key: string]: Field<unknown> | SchemaNode;
}

export function isField(node: Field<unknown> | SchemaNode): node is Field<unknown> {
  return (node as Field<unknown>).kind === "field";
}

/** Walks every field with its dotted section path, in declaration order. */
export function* fields(
  node: SchemaNode = configSchema as SchemaNode,
  path: string[] = [],
): Generator<[string[], Field<unknown>]> {
  for (const [key, child] of Object.entries(node)) {
    if (isField(child)) yield [[...path, key], child];
    else yield* fields(child, [...path, key]);
  }
}

export function defaultConfig(): Config {
  const out: Record<string, unknown> = {};
  for (const [path, f] of fields()) setPath(out, path, Array.isArray(f.default) ? [...f.default] : f.default);
  return out as unknown as Config;
}

export function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

export function getPath(source: unknown, path: string[]): unknown {
  let node = source;
  for (const key of path) {
    if (typeof node !== "object" || node === null || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
