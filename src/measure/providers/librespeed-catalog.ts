/**
 * LibreSpeed servers as lists spell them and as the provider uses them: a list (the local file or a public one) parsed
 * into servers with absolute endpoint URLs, a server the hub hands over, how a server is listed for the picker, and
 * what a server's getIP says about the client.
 */
import type { LibreSpeedServerEntry, SpeedTestServer } from "../../protocol/measurements";
import { ProviderError } from "./provider";

/** What getIP says about the client. The IP address is deliberately not kept. */
export interface LibreSpeedClientInfo {
  isp: string | null;
  country: string | null;
}

/** One backend with its endpoints resolved to absolute URLs. */
export interface LibreSpeedServer {
  id: string;
  name: string;
  sponsor: string;
  isPublic: boolean;
  /** The server's base URL, resolved. */
  base: string;
  downloadUrl: string;
  uploadUrl: string;
  pingUrl: string;
  getIpUrl: string;
}

export const CUSTOM_PREFIX = "custom-";
export const PUBLIC_PREFIX = "public-";

/**
 * Servers of a LibreSpeed list (the seed's file or a public list), IDs
 * prefixed with `prefix`. Entries without an ID or a usable server URL are
 * skipped, and so is a repeated ID (the first one wins).
 */
export function parseServerList(entries: unknown, prefix: string, listUrl: string): LibreSpeedServer[] {
  if (!Array.isArray(entries)) return [];
  const servers: LibreSpeedServer[] = [];
  const seen = new Set<string>();
  for (const entry of entries as Record<string, unknown>[]) {
    const text = (key: string, fallback = "") => {
      const value = entry?.[key];
      return typeof value === "string" || typeof value === "number" ? String(value).trim() : fallback;
    };
    const id = `${prefix}${text("id")}`;
    if (id === prefix || seen.has(id) || text("server") === "") continue;
    let base: URL;
    try {
      base = new URL(text("server"), listUrl);
    } catch {
      continue;
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") continue;
    // A trailing slash makes the server's path a directory, so endpoints join onto it rather than replace its last part.
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    const endpoint = (key: string, fallback: string) => new URL(text(key, fallback).replace(/^\/+/, ""), base).href;
    seen.add(id);
    servers.push({
      id,
      name: text("name") || base.host,
      sponsor: text("sponsorName"),
      isPublic: prefix === PUBLIC_PREFIX,
      base: base.href,
      downloadUrl: endpoint("dlURL", "garbage.php"),
      uploadUrl: endpoint("ulURL", "empty.php"),
      pingUrl: endpoint("pingURL", "empty.php"),
      getIpUrl: endpoint("getIpURL", "getIP.php"),
    });
  }
  return servers;
}

/** A server named by the caller (an agent's or the hub's endpoint) rather than found in a list. */
export function givenServer(entry: LibreSpeedServerEntry, id = "given"): LibreSpeedServer {
  const [server] = parseServerList([{ ...entry, id }], "", entry.server);
  if (!server) throw new ProviderError(`LibreSpeed server "${entry.name}" has no usable URL`);
  return server;
}

/**
 * A server handed over by the hub (an agent's or the hub's own endpoint) has its secret as the last segment of its
 * base path (`<path>/<secret>/`): a failure names the server's URLs without it, because failures are stored as
 * results that every viewer sees, and logged.
 */
export function withoutSecret(error: unknown, server: Pick<LibreSpeedServer, "base">): unknown {
  const secret = new URL(server.base).pathname.split("/").filter(Boolean).at(-1);
  if (secret && error instanceof Error) error.message = error.message.replaceAll(secret, "…");
  return error;
}

/** getIP's answer without the IP: the ISP (AS number stripped) and country from rawIspInfo, else from the text label. */
export function parseClientInfo(body: string): LibreSpeedClientInfo {
  let processed = body;
  let raw: unknown = "";
  try {
    const parsed = JSON.parse(body) as { processedString?: unknown; rawIspInfo?: unknown };
    processed = typeof parsed.processedString === "string" ? parsed.processedString : "";
    raw = parsed.rawIspInfo;
  } catch {
    // Older backends answer plain text.
  }
  if (raw && typeof raw === "object") {
    const info = raw as Record<string, unknown>;
    const field = (key: string) => (typeof info[key] === "string" && info[key] !== "" ? (info[key] as string) : null);
    const isp = field("org")?.replace(/^AS\d+\s+/, "") ?? field("as_name");
    return { isp, country: field("country") ?? field("country_name") };
  }
  // "<ip> - <label>": the label names the ISP, or says the address is local.
  const label = processed
    .split(" - ")
    .slice(1)
    .join(" - ")
    .replace(/\s*\(\d+(?:\.\d+)? ?(?:km|mi)\)$/, "")
    .trim();
  return { isp: label || null, country: null };
}

export function toServerInfo(server: LibreSpeedServer): SpeedTestServer {
  const comma = server.name.lastIndexOf(",");
  return {
    id: server.id,
    name: server.name,
    host: new URL(server.base).host,
    distance: 0,
    country: comma >= 0 ? server.name.slice(comma + 1).trim() : "",
    sponsor: server.sponsor,
    url: server.base,
    lat: 0,
    lon: 0,
    isIperf: false,
    isLibrespeed: true,
    isPublic: server.isPublic,
  };
}
