/**
 * speedtest.net's catalog: the server list (JSON API or the legacy XML lists),
 * the configuration XML with the client's location and ISP, and great-circle
 * distances from the client to each server.
 */
import type { SpeedTestServer } from "../../protocol/measurements";

/** One server of the legacy list. `url` is its upload.php; every other test URL derives from it. */
export interface OoklaServer {
  id: string;
  name: string;
  sponsor: string;
  country: string;
  host: string;
  url: string;
  lat: number;
  lon: number;
  /** km from the client, or NaN when unknown. */
  distance: number;
}

export interface OoklaConfig {
  lat: number | null;
  lon: number | null;
  isp: string | null;
  country: string | null;
  ignoreIds: Set<string>;
}

export function toServerInfo(server: OoklaServer): SpeedTestServer {
  return {
    id: server.id,
    name: server.name,
    host: server.host,
    distance: Number.isFinite(server.distance) ? Math.round(server.distance * 10) / 10 : 0,
    country: server.country,
    sponsor: server.sponsor,
    url: server.url,
    lat: server.lat,
    lon: server.lon,
    isIperf: false,
    isLibrespeed: false,
    isPublic: true,
  };
}

export function withDistance(server: OoklaServer, clientConfig: OoklaConfig | null): OoklaServer {
  if (clientConfig?.lat == null || clientConfig.lon == null) return server;
  return { ...server, distance: haversineKm(clientConfig.lat, clientConfig.lon, server.lat, server.lon) };
}

/** Great-circle distance with speedtest-cli's Earth radius of 6371 km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 6371 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
}

/** A JSON (`/api/js/servers`) or XML (`<server …/>` elements) server list; unusable entries are skipped. */
export function parseServerList(text: string): OoklaServer[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) ? parsed.flatMap((entry) => toServer(entry as Record<string, unknown>)) : [];
  }
  if (trimmed.startsWith("<")) return xmlElements(trimmed, "server").flatMap(toServer);
  return [];
}

function toServer(entry: Record<string, unknown>): OoklaServer[] {
  const text = (key: string) => {
    const value = entry?.[key];
    return typeof value === "string" || typeof value === "number" ? String(value) : "";
  };
  const id = text("id");
  const url = text("url");
  const lat = Number(text("lat"));
  const lon = Number(text("lon"));
  if (!id || !Number.isFinite(lat) || !Number.isFinite(lon) || text("lat") === "" || text("lon") === "") return [];
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return [];
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") return [];
  const distance = text("distance") === "" ? Number.NaN : Number(text("distance"));
  return [
    {
      id,
      name: text("name"),
      sponsor: text("sponsor"),
      country: text("country"),
      host: text("host") || parsedUrl.host,
      url: parsedUrl.href,
      lat,
      lon,
      distance,
    },
  ];
}

/** The parts of speedtest-config.php the client uses. */
export function parseConfigXml(text: string): OoklaConfig {
  const client = xmlElements(text, "client")[0] ?? {};
  const serverConfig = xmlElements(text, "server-config")[0] ?? {};
  const coordinate = (value: string | undefined) =>
    value !== undefined && value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : null;
  return {
    lat: coordinate(client.lat),
    lon: coordinate(client.lon),
    isp: client.isp || null,
    country: client.country || null,
    ignoreIds: new Set(
      (serverConfig.ignoreids ?? "")
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
    ),
  };
}

/** Attributes of every `<name …>` element; enough XML for Ookla's flat attribute-only documents. */
function xmlElements(xml: string, name: string): Record<string, string>[] {
  const elements: Record<string, string>[] = [];
  for (const element of xml.matchAll(new RegExp(`<${name}\\s([^>]*?)/?>`, "g"))) {
    const attributes: Record<string, string> = {};
    for (const [, key, value] of element[1]!.matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)) {
      attributes[key!] = decodeXmlEntities(value!);
    }
    elements.push(attributes);
  }
  return elements;
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXmlEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    if (entity.startsWith("#x") || entity.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return NAMED_ENTITIES[entity.toLowerCase()]!;
  });
}
