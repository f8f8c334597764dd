/**
 * Host validation and parsing. Every host typed by a user passes through here
 * before it can reach a child process's argv: no leading '-', no whitespace or
 * shell metacharacters, at most 253 characters, and a well-formed name or IP.
 */
import { isIP } from "node:net";
import { BadInput } from "./errors";

export const MAX_HOST_LENGTH = 253;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

export interface Target {
  /** Host name or IP address, without brackets. */
  host: string;
  port: number | undefined;
  /** 4 or 6 for a literal address, 0 for a name. */
  family: 0 | 4 | 6;
}

/** Why `host` is not acceptable, or null when it is a valid bare host name or IP address. */
export function hostProblem(host: string): string | null {
  if (host === "") return "is empty";
  if (host.length > MAX_HOST_LENGTH) return `is longer than ${MAX_HOST_LENGTH} characters`;
  if (host.startsWith("-")) return "must not start with '-'";
  if (/\s/.test(host)) return "must not contain whitespace";
  if (/[;&|$`<>(){}'"\\!*?~#%^,=+@]/.test(host)) return "must not contain shell metacharacters";
  if (isIP(host)) return null;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.split(".").every((l) => LABEL.test(l))) return null;
  return "is not a valid host name or IP address";
}

/** Validates a bare host (no port); throws BadInput naming `field`. */
export function validateHost(raw: string, field = "host"): string {
  const host = raw.trim();
  const problem = hostProblem(host);
  if (problem) throw new BadInput(`${field}: ${problem}`, field);
  return host;
}

function checkPort(text: string, field: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535)
    throw new BadInput(`${field}: port must be between 1 and 65535`, field);
  return port;
}

/**
 * Accepts what users paste: a name, an IPv4 or IPv6 address, `host:port`,
 * `[v6]:port`, `[v6]`, or a URL (its host and port are used).
 */
export function parseTarget(raw: string, field = "host"): Target {
  let text = raw.trim();
  if (text.length > 2048) throw new BadInput(`${field}: is too long`, field);
  let port: number | undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new BadInput(`${field}: is not a valid URL`, field);
    }
    text = url.hostname;
    if (url.port) port = Number(url.port);
  } else if (text.startsWith("[")) {
    const m = text.match(/^\[([^\]]+)\](?::(.*))?$/);
    if (!m) throw new BadInput(`${field}: malformed bracketed IPv6 address`, field);
    text = m[1]!;
    if (m[2] !== undefined) port = checkPort(m[2], field);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const [h, p] = text.split(":") as [string, string];
    text = h;
    port = checkPort(p, field);
  }
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const host = validateHost(text, field);
  const family = isIP(host) as 0 | 4 | 6;
  return { host, port, family };
}

/** Formats host and port back for display and for tools that take `host:port` (brackets for IPv6). */
export function formatTarget(t: Pick<Target, "host" | "port">): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  return t.port === undefined ? host : `${host}:${t.port}`;
}
