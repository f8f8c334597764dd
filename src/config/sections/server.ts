/** [server], [logging] and [pagination]: how the hub listens, logs and pages its lists. */
import { LOG_LEVELS } from "../../core/log";
import { choice, cidrListCheck, int, list, str } from "../field";

const baseUrlCheck = (v: string) =>
  v === "" || v === "/" || /^\/[A-Za-z0-9._~\-/]*$/.test(v) ? null : 'must be a path such as "/netronome"';
const timezoneCheck = (v: string) => {
  if (v === "") return null;
  try {
    new Intl.DateTimeFormat("en", { timeZone: v });
    return null;
  } catch {
    return `unknown timezone "${v}" (use an IANA name such as "Europe/Berlin")`;
  }
};

export const server = {
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
} as const;

export const logging = {
  level: choice(LOG_LEVELS, "info", "LOG_LEVEL", "Log level (`trace`, `debug`, `info`, `warn`, `error`, `fatal`)"),
} as const;

export const pagination = {
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
} as const;
