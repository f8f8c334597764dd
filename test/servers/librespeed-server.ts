/**
 * A local LibreSpeed server speaking the PHP backend's protocol
 * (protocols.md §2.5) on 127.0.0.1, for tests and benchmarks: a public-style
 * server list at /servers.json and any number of virtual backends under
 * /s/<id>/backend/ with garbage.php?ckSize=N, empty.php (GET ping, POST
 * upload) and getIP.php, plus the extension-less aliases of the Go and Rust
 * backends. Faults (slow, failing and truncated responses) can be switched on
 * per endpoint while it runs.
 *
 * Run it directly (`bun test/servers/librespeed-server.ts`) to get a separate
 * server process: it prints one JSON line with its URLs.
 */
import { drainBody, type Fault, faultResponse, streamedBody } from "./speedtestnet-server";

export interface MockLibreSpeedServer {
  id: number;
  name: string;
  sponsorName?: string;
  /** Delay before answering a ping (GET empty.php), ms: a simulated round trip. */
  latencyMs?: number;
}

/**
 * The two ways lists spell a backend: the seed's `server: "http://host/backend"`
 * + `dlURL: "garbage.php"`, or the public list's `server: "//host/"` +
 * `dlURL: "backend/garbage.php"`.
 */
export type ListForm = "server-path" | "endpoint-path";

export interface LibreSpeedListEntry {
  id: number;
  name: string;
  server: string;
  dlURL: string;
  ulURL: string;
  pingURL: string;
  getIpURL: string;
  sponsorName?: string;
  sponsorURL?: string;
}

export interface LibreSpeedFaults {
  latency?: Fault;
  download?: Fault;
  upload?: Fault;
}

export interface LibreSpeedCounters {
  listRequests: number;
  getIpRequests: number;
  /** Ping requests (GET empty.php) per virtual server ID. */
  pingRequests: Record<number, number>;
  downloadRequests: number;
  /** ckSize of every download request, in order. */
  downloadChunkSizes: number[];
  /** Body bytes handed to the connection (an upper bound of what the client received). */
  downloadBytes: number;
  uploadRequests: number;
  /** Request body bytes read from the connection. */
  uploadBytes: number;
  /** Response bodies and request bodies still streaming right now. */
  activeTransfers: number;
}

export interface LibreSpeedServerOptions {
  servers?: MockLibreSpeedServer[];
  /** Form of the /servers.json entries; the public list uses "endpoint-path". */
  listForm?: ListForm;
  /** getIP.php?isp=true answers with this ipinfo-style object instead of the localhost label. */
  rawIspInfo?: Record<string, string>;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  port?: number;
}

export interface RunningLibreSpeedServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  serversUrl: string;
  counters: LibreSpeedCounters;
  servers: MockLibreSpeedServer[];
  /** The list entry of one virtual server, in either form. */
  entry(server: MockLibreSpeedServer, form: ListForm): LibreSpeedListEntry;
  setFaults(faults: LibreSpeedFaults): void;
  stop(): Promise<void>;
}

export const DEFAULT_LIBRESPEED_SERVERS: MockLibreSpeedServer[] = [
  { id: 1, name: "Amsterdam, Netherlands", sponsorName: "Canal Net" },
  { id: 2, name: "Frankfurt, Germany", sponsorName: "Main Transit" },
  { id: 3, name: "London, United Kingdom" },
];

const MiB = 1024 * 1024;
const DEFAULT_CHUNKS = 4;
const MAX_CHUNKS = 1024;
const NO_STORE = {
  "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0, s-maxage=0",
  Pragma: "no-cache",
};
const GARBAGE_HEADERS = {
  ...NO_STORE,
  "Content-Type": "application/octet-stream",
  "Content-Description": "File Transfer",
  "Content-Disposition": "attachment; filename=random.dat",
  "Content-Transfer-Encoding": "binary",
};

/** garbage.php's rule: ckSize counts if it is all digits and > 0, capped at 1024; else 4. */
function chunkCount(raw: string | null): number {
  if (!raw || !/^\d+$/.test(raw) || Number(raw) <= 0) return DEFAULT_CHUNKS;
  return Math.min(Number(raw), MAX_CHUNKS);
}

export async function startLibreSpeedServer(options: LibreSpeedServerOptions = {}): Promise<RunningLibreSpeedServer> {
  const servers = options.servers ?? DEFAULT_LIBRESPEED_SERVERS;
  const counters: LibreSpeedCounters = {
    listRequests: 0,
    getIpRequests: 0,
    pingRequests: {},
    downloadRequests: 0,
    downloadChunkSizes: [],
    downloadBytes: 0,
    uploadRequests: 0,
    uploadBytes: 0,
    activeTransfers: 0,
  };
  let faults: LibreSpeedFaults = {};
  const countDownload = (n: number) => {
    counters.downloadBytes += n;
  };
  const countUpload = (n: number) => {
    counters.uploadBytes += n;
  };
  let base = "";

  const entry = (server: MockLibreSpeedServer, form: ListForm): LibreSpeedListEntry => {
    const sponsor = server.sponsorName ? { sponsorName: server.sponsorName, sponsorURL: "https://example.net/" } : {};
    if (form === "server-path") {
      return {
        id: server.id,
        name: server.name,
        server: `${base}/s/${server.id}/backend`,
        dlURL: "garbage.php",
        ulURL: "empty.php",
        pingURL: "empty.php",
        getIpURL: "getIP.php",
        ...sponsor,
      };
    }
    return {
      id: server.id,
      name: server.name,
      server: `//${new URL(base).host}/s/${server.id}/`,
      dlURL: "backend/garbage.php",
      ulURL: "backend/empty.php",
      pingURL: "backend/empty.php",
      getIpURL: "backend/getIP.php",
      ...sponsor,
    };
  };

  const serveBackend = async (request: Request, server: MockLibreSpeedServer, endpoint: string, url: URL) => {
    switch (endpoint) {
      case "garbage": {
        const chunks = chunkCount(url.searchParams.get("ckSize"));
        counters.downloadRequests++;
        counters.downloadChunkSizes.push(chunks);
        const fault = faults.download;
        const failed = await faultResponse(fault);
        if (failed) return failed;
        return new Response(streamedBody(chunks * MiB, fault ?? {}, counters, countDownload), {
          headers: GARBAGE_HEADERS,
        });
      }
      case "empty": {
        if (request.method === "POST") {
          counters.uploadRequests++;
          await drainBody(request, counters, countUpload);
          const failed = await faultResponse(faults.upload);
          if (failed) return failed;
          if (faults.upload?.truncate) {
            return new Response(
              streamedBody(2, faults.upload, counters, () => {}),
              { headers: NO_STORE },
            );
          }
          return new Response(null, { headers: { ...NO_STORE, Connection: "keep-alive" } });
        }
        counters.pingRequests[server.id] = (counters.pingRequests[server.id] ?? 0) + 1;
        if (server.latencyMs) await Bun.sleep(server.latencyMs);
        const failed = await faultResponse(faults.latency);
        if (failed) return failed;
        return new Response(null, { headers: { ...NO_STORE, Connection: "keep-alive" } });
      }
      case "getIP": {
        counters.getIpRequests++;
        const ip = "127.0.0.1";
        const wantsIsp = url.searchParams.get("isp") === "true";
        const isp = options.rawIspInfo;
        const body =
          wantsIsp && isp
            ? {
                processedString: `${ip} - ${(isp.org ?? "").replace(/^AS\d+\s+/, "")}, ${isp.country ?? ""}`,
                rawIspInfo: isp,
              }
            : { processedString: wantsIsp ? `${ip} - localhost IPv4 access` : ip, rawIspInfo: "" };
        return Response.json(body, { headers: NO_STORE });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    ...(options.tls && { tls: options.tls }),
    // Slow-mode tests hold responses for seconds.
    idleTimeout: 60,
    fetch: async (request) => {
      const url = new URL(request.url);
      const backend = /^\/s\/(\d+)\/backend\/(garbage|empty|getIP)(?:\.php)?$/.exec(url.pathname);
      if (backend) {
        const target = servers.find((s) => s.id === Number(backend[1]));
        if (!target) return new Response("not found", { status: 404 });
        return serveBackend(request, target, backend[2]!, url);
      }
      if (url.pathname === "/servers.json") {
        counters.listRequests++;
        return Response.json(servers.map((s) => entry(s, options.listForm ?? "endpoint-path")));
      }
      return new Response("not found", { status: 404 });
    },
  });
  base = `${options.tls ? "https" : "http"}://127.0.0.1:${server.port}`;
  return {
    url: base,
    serversUrl: `${base}/servers.json`,
    counters,
    servers,
    entry,
    setFaults(next) {
      faults = next;
    },
    stop: () => server.stop(true),
  };
}

if (import.meta.main) {
  const running = await startLibreSpeedServer({ port: Number(process.env.PORT ?? 0) });
  console.log(JSON.stringify({ url: running.url, serversUrl: running.serversUrl }));
  process.on("SIGTERM", () => running.stop().then(() => process.exit(0)));
}
