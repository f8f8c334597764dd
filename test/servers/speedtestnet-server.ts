/**
 * A local speedtest.net server speaking the Ookla legacy HTTP protocol
 * (protocols.md §1.11) on 127.0.0.1, for tests and benchmarks: the
 * configuration XML, the server list as JSON and XML, the search and by-ID
 * lookups, and any number of virtual test servers under /srv/<id>/speedtest/
 * with latency.txt, random{N}x{N}.jpg and upload.php. Faults (slow, failing
 * and truncated responses) can be switched on per endpoint while it runs.
 *
 * Run it directly (`bun test/servers/speedtestnet-server.ts`) to get a
 * separate server process: it prints one JSON line with its URLs.
 */
import { haversineKm } from "../../src/measure/providers/speedtestnet-catalog";

export interface MockSpeedtestServer {
  id: string;
  name: string;
  sponsor: string;
  country: string;
  cc: string;
  lat: number;
  lon: number;
  /** Left out of the plain list; found only by search or by ID. */
  unlisted?: boolean;
  /** Left out of search results too; only ios-config.php?serverid= finds it. */
  hiddenFromSearch?: boolean;
  /** Delay before answering latency.txt, ms: a simulated round trip. */
  latencyMs?: number;
}

export interface MockClient {
  ip: string;
  lat: number;
  lon: number;
  isp: string;
  country: string;
}

/** How one endpoint misbehaves. */
export interface Fault {
  /** Wait this long before sending the response headers, ms. */
  delayMs?: number;
  /** Answer with this status instead (after reading any request body). */
  status?: number;
  /** Send half of the body, then close the connection. */
  truncate?: boolean;
  /** Pace the body at this rate. */
  bytesPerSecond?: number;
}

export interface SpeedtestNetFaults {
  latency?: Fault;
  download?: Fault;
  upload?: Fault;
}

export interface SpeedtestNetCounters {
  configRequests: number;
  jsonListRequests: number;
  xmlListRequests: number;
  searchRequests: number;
  idLookupRequests: number;
  /** latency.txt requests per virtual server ID. */
  latencyRequests: Record<string, number>;
  downloadRequests: number;
  /** Body bytes handed to the connection (an upper bound of what the client received). */
  downloadBytes: number;
  uploadRequests: number;
  /** Request body bytes read from the connection. */
  uploadBytes: number;
  /** Response bodies and request bodies still streaming right now. */
  activeTransfers: number;
}

export interface SpeedtestNetServerOptions {
  servers?: MockSpeedtestServer[];
  client?: MockClient;
  ignoreIds?: string[];
  /** "empty" answers the JSON list with Content-Length: 0, which sends clients to the XML list. */
  jsonList?: "normal" | "empty";
  port?: number;
}

export interface RunningSpeedtestNetServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  serversUrl: string;
  configUrl: string;
  counters: SpeedtestNetCounters;
  servers: MockSpeedtestServer[];
  setFaults(faults: SpeedtestNetFaults): void;
  stop(): Promise<void>;
}

/** Byte sizes of the legacy images (protocols.md §1.6). */
export const IMAGE_SIZES: Record<number, number> = {
  350: 245_388,
  500: 505_544,
  750: 1_118_012,
  1000: 1_986_284,
  1500: 4_468_241,
  2000: 7_907_740,
  2500: 12_407_926,
  3000: 17_816_816,
  3500: 24_262_167,
  4000: 31_625_365,
};

export const DEFAULT_CLIENT: MockClient = {
  ip: "127.0.0.1",
  lat: 52.37,
  lon: 4.89,
  isp: "Loopback Networks",
  country: "NL",
};

/** Six servers around the default client, nearest first, plus one that search finds and one that only the ID lookup finds. */
export const DEFAULT_SERVERS: MockSpeedtestServer[] = [
  { id: "1001", name: "Amsterdam", sponsor: "Canal Net", country: "Netherlands", cc: "NL", lat: 52.37, lon: 4.9 },
  { id: "1002", name: "Utrecht", sponsor: "Dom Fiber", country: "Netherlands", cc: "NL", lat: 52.09, lon: 5.12 },
  { id: "1003", name: "Rotterdam", sponsor: "Harbour IX", country: "Netherlands", cc: "NL", lat: 51.92, lon: 4.48 },
  { id: "1004", name: "Antwerp", sponsor: "Scheldt Link", country: "Belgium", cc: "BE", lat: 51.22, lon: 4.4 },
  { id: "1005", name: "Brussels", sponsor: "EU Transit", country: "Belgium", cc: "BE", lat: 50.85, lon: 4.35 },
  { id: "1006", name: "Paris", sponsor: "Seine Telecom", country: "France", cc: "FR", lat: 48.86, lon: 2.35 },
  {
    id: "9999",
    name: "Sydney",
    sponsor: "Harbour Bridge Net",
    country: "Australia",
    cc: "AU",
    lat: -33.87,
    lon: 151.21,
    unlisted: true,
  },
  {
    id: "8888",
    name: "Reykjavik",
    sponsor: "Geyser Link",
    country: "Iceland",
    cc: "IS",
    lat: 64.15,
    lon: -21.94,
    unlisted: true,
    hiddenFromSearch: true,
  },
];

const MiB = 1024 * 1024;
/** Streamed bodies go out in pieces of 1 MiB (garbage.php flushes every MiB), paced ones in smaller pieces. */
const CHUNK_BYTES = MiB;
const PACED_CHUNK_BYTES = 64 * 1024;
// Give the last enqueued piece time to reach the socket before the connection is torn down.
const TRUNCATE_FLUSH_MS = 20;

let randomBytes: Uint8Array<ArrayBuffer> | null = null;

/** Incompressible bytes, at least `size` of them, generated once per process. */
function incompressible(size: number): Uint8Array<ArrayBuffer> {
  if (randomBytes && randomBytes.length >= size) return randomBytes;
  const bytes = new Uint8Array(Math.max(size, IMAGE_SIZES[4000]!));
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < bytes.length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
  }
  randomBytes = bytes;
  return bytes;
}

/**
 * A streamed body of `size` bytes that honours `fault.bytesPerSecond` and
 * `fault.truncate`, and keeps `counters.activeTransfers` right when the
 * client goes away.
 */
export function streamedBody(
  size: number,
  fault: Fault,
  counters: { activeTransfers: number },
  countBytes: (n: number) => void,
): ReadableStream<Uint8Array> {
  const chunkBytes = fault.bytesPerSecond ? PACED_CHUNK_BYTES : CHUNK_BYTES;
  const source = incompressible(chunkBytes);
  const limit = fault.truncate ? Math.floor(size / 2) : size;
  const startedAt = performance.now();
  let sent = 0;
  let active = true;
  const finish = () => {
    if (active) counters.activeTransfers--;
    active = false;
  };
  counters.activeTransfers++;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= limit) {
        finish();
        if (!fault.truncate) return controller.close();
        await Bun.sleep(TRUNCATE_FLUSH_MS);
        // error() without a reason tears the connection down without Bun logging an error.
        return controller.error();
      }
      const n = Math.min(chunkBytes, limit - sent);
      controller.enqueue(source.subarray(0, n));
      sent += n;
      countBytes(n);
      if (fault.bytesPerSecond) {
        await Bun.sleep(Math.max(0, startedAt + (sent / fault.bytesPerSecond) * 1000 - performance.now()));
      }
    },
    cancel: finish,
  });
}

/** Reads and discards a request body (fixed-length or chunked), counting its bytes. */
export async function drainBody(
  request: Request,
  counters: { activeTransfers: number },
  countBytes: (n: number) => void,
): Promise<number> {
  if (!request.body) return 0;
  let total = 0;
  counters.activeTransfers++;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      countBytes(value.byteLength);
    }
  } catch {
    // The client went away mid-body: what arrived is already counted.
  } finally {
    counters.activeTransfers--;
  }
  return total;
}

/** Applies the delay and status of a fault; returns the error response to send, if any. */
export async function faultResponse(fault: Fault | undefined): Promise<Response | null> {
  if (fault?.delayMs) await Bun.sleep(fault.delayMs);
  return fault?.status ? new Response(`fault ${fault.status}`, { status: fault.status }) : null;
}

export function xmlEscape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startSpeedtestNetServer(
  options: SpeedtestNetServerOptions = {},
): Promise<RunningSpeedtestNetServer> {
  const servers = options.servers ?? DEFAULT_SERVERS;
  const client = options.client ?? DEFAULT_CLIENT;
  const counters: SpeedtestNetCounters = {
    configRequests: 0,
    jsonListRequests: 0,
    xmlListRequests: 0,
    searchRequests: 0,
    idLookupRequests: 0,
    latencyRequests: {},
    downloadRequests: 0,
    downloadBytes: 0,
    uploadRequests: 0,
    uploadBytes: 0,
    activeTransfers: 0,
  };
  let faults: SpeedtestNetFaults = {};
  // A Blob, because Bun copies a typed-array body for every Response (31.6 MB per random4000x4000.jpg, which capped
  // this server below a 2.5 Gbit/s link and stalled its other connections), while Blob slices share one store.
  const images = new Blob([incompressible(IMAGE_SIZES[4000]!)]);
  const countDownload = (n: number) => {
    counters.downloadBytes += n;
  };
  const countUpload = (n: number) => {
    counters.uploadBytes += n;
  };
  let base = "";

  const distanceOf = (s: MockSpeedtestServer) => haversineKm(client.lat, client.lon, s.lat, s.lon);
  const uploadUrl = (s: MockSpeedtestServer) => `${base}/srv/${s.id}/speedtest/upload.php`;
  const host = () => new URL(base).host;
  const asJson = (s: MockSpeedtestServer) => ({
    url: uploadUrl(s),
    lat: String(s.lat),
    lon: String(s.lon),
    distance: Math.round(distanceOf(s)),
    name: s.name,
    country: s.country,
    cc: s.cc,
    sponsor: s.sponsor,
    id: s.id,
    preferred: 0,
    https_functional: 0,
    host: host(),
  });
  const asXml = (s: MockSpeedtestServer) =>
    `<server url="${xmlEscape(uploadUrl(s))}" lat="${s.lat}" lon="${s.lon}" name="${xmlEscape(s.name)}" ` +
    `country="${xmlEscape(s.country)}" cc="${s.cc}" sponsor="${xmlEscape(s.sponsor)}" id="${s.id}" host="${host()}"/>`;
  const clientXml = () =>
    `<client ip="${client.ip}" lat="${client.lat}" lon="${client.lon}" isp="${xmlEscape(client.isp)}" ` +
    `isprating="3.7" rating="0" ispdlavg="0" ispulavg="0" loggedin="0" country="${client.country}"/>`;
  const xml = (body: string) => new Response(body, { headers: { "Content-Type": "text/xml; charset=utf-8" } });

  /** What the JSON API returns: the listed servers nearest first, or the search matches. */
  const selectServers = (params: URLSearchParams) => {
    const search = params.get("search")?.toLowerCase();
    const matches = search
      ? servers.filter(
          (s) =>
            !s.hiddenFromSearch &&
            [s.id, s.name, s.sponsor, s.country].some((field) => field.toLowerCase().includes(search)),
        )
      : servers.filter((s) => !s.unlisted);
    const sorted = [...matches].sort((a, b) => distanceOf(a) - distanceOf(b));
    const limit = Number(params.get("limit"));
    return limit > 0 ? sorted.slice(0, limit) : sorted;
  };

  const serveTestServer = async (request: Request, server: MockSpeedtestServer, file: string) => {
    if (file === "latency.txt") {
      counters.latencyRequests[server.id] = (counters.latencyRequests[server.id] ?? 0) + 1;
      if (server.latencyMs) await Bun.sleep(server.latencyMs);
      const failed = await faultResponse(faults.latency);
      if (failed) return failed;
      if (faults.latency?.truncate) return new Response(streamedBody(9, faults.latency, counters, () => {}));
      return new Response("test=test", { headers: { "Content-Type": "text/plain" } });
    }
    const image = /^random(\d+)x\1\.jpg$/.exec(file);
    const size = image ? IMAGE_SIZES[Number(image[1])] : undefined;
    if (size !== undefined) {
      counters.downloadRequests++;
      const fault = faults.download;
      const failed = await faultResponse(fault);
      if (failed) return failed;
      const headers = { "Content-Type": "image/jpeg", "Cache-Control": "no-cache" };
      if (fault?.truncate || fault?.bytesPerSecond) {
        return new Response(streamedBody(size, fault, counters, countDownload), { headers });
      }
      counters.downloadBytes += size;
      return new Response(images.slice(0, size), { headers });
    }
    if (file === "upload.php" && request.method === "POST") {
      counters.uploadRequests++;
      const received = await drainBody(request, counters, countUpload);
      const failed = await faultResponse(faults.upload);
      if (failed) return failed;
      const answer = `size=${received}`;
      if (faults.upload?.truncate) {
        return new Response(streamedBody(answer.length, faults.upload, counters, () => {}));
      }
      return new Response(answer, { headers: { "Content-Type": "text/plain" } });
    }
    return new Response("not found", { status: 404 });
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    // Slow-mode tests hold responses for seconds.
    idleTimeout: 60,
    fetch: async (request) => {
      const url = new URL(request.url);
      const path = url.pathname;
      const testServer = /^\/srv\/([^/]+)\/speedtest\/([^/]+)$/.exec(path);
      if (testServer) {
        const target = servers.find((s) => s.id === testServer[1]);
        if (!target) return new Response("not found", { status: 404 });
        return serveTestServer(request, target, testServer[2]!);
      }
      switch (path) {
        case "/speedtest-config.php":
          counters.configRequests++;
          return xml(
            `<?xml version="1.0" encoding="UTF-8"?>\n<settings>\n ${clientXml()}\n` +
              ` <server-config threadcount="4" ignoreids="${(options.ignoreIds ?? []).join(",")}" notonmap="" forcepingid="" preferredserverid=""/>\n` +
              ` <download testlength="10" initialtest="250K" mintestsize="250K" threadsperurl="4"/>\n` +
              ` <upload testlength="10" ratio="5" initialtest="0" mintestsize="32K" threads="2" maxchunksize="512K" maxchunkcount="50" threadsperurl="4"/>\n` +
              ` <latency testlength="10" waittime="50" timeout="20"/>\n</settings>\n`,
          );
        case "/api/js/servers": {
          counters.jsonListRequests++;
          if (url.searchParams.has("search")) counters.searchRequests++;
          if (options.jsonList === "empty") return new Response(null, { headers: { "Content-Length": "0" } });
          return Response.json(selectServers(url.searchParams).map(asJson));
        }
        case "/speedtest-servers-static.php":
        case "/speedtest-servers.php": {
          counters.xmlListRequests++;
          if (url.searchParams.has("search")) counters.searchRequests++;
          const list = selectServers(url.searchParams).map(asXml).join("\n  ");
          return xml(
            `<?xml version="1.0" encoding="UTF-8"?>\n<settings>\n<servers>\n  ${list}\n</servers>\n</settings>\n`,
          );
        }
        case "/api/ios-config.php": {
          counters.idLookupRequests++;
          const match = servers.find((s) => s.id === url.searchParams.get("serverid"));
          return xml(`<settings>${clientXml()}<servers>${match ? asXml(match) : ""}</servers></settings>`);
        }
        default:
          return new Response("not found", { status: 404 });
      }
    },
  });
  base = `http://127.0.0.1:${server.port}`;
  return {
    url: base,
    serversUrl: `${base}/api/js/servers`,
    configUrl: `${base}/speedtest-config.php`,
    counters,
    servers,
    setFaults(next) {
      faults = next;
    },
    stop: () => server.stop(true),
  };
}

if (import.meta.main) {
  const running = await startSpeedtestNetServer({ port: Number(process.env.PORT ?? 0) });
  console.log(JSON.stringify({ url: running.url, serversUrl: running.serversUrl, configUrl: running.configUrl }));
  process.on("SIGTERM", () => running.stop().then(() => process.exit(0)));
}
