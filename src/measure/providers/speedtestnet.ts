/**
 * speedtest.net through Ookla's legacy HTTP protocol, natively (no external
 * binary). Flow, as in speedtest-cli and speedtest-go (protocols.md §1):
 * the configuration XML gives the client's location and ISP, the server list comes
 * from the JSON API (the XML lists when it is empty or unreadable), the best
 * server is the one with the lowest measured latency among the 5 closest, and
 * every test URL derives from the server's upload.php URL: latency.txt and
 * random{N}x{N}.jpg sit beside it.
 *
 * A server chosen by ID need not be in the nearest list: it is looked up in
 * the cached list, then with the list API's `search=<id>`, then with
 * ios-config.php?serverid=<id> (next to the configuration URL).
 *
 * `[speedtest] timeout` bounds each phase (server selection, latency,
 * download, upload); the measured duration shrinks if needed so a transfer
 * phase always fits.
 */
import { NotFound } from "../../core/errors";
import type { SpeedTestMeasurement } from "../../protocol/measurements";
import { measureHttpPings, speedtestNetLatency } from "./http-latency";
import {
  type HttpTestSettings,
  httpMeasurement,
  lowestLatencyServer,
  phaseTiming,
  transferOptions,
  withDefaults,
} from "./http-provider";
import { measureDownload, measureUpload } from "./http-throughput";
import { publicUrl, withDeadline } from "./http-util";
import { type ProviderDefinition, ProviderError, type SpeedTestProvider } from "./provider";
import {
  type OoklaConfig,
  type OoklaServer,
  parseConfigXml,
  parseServerList,
  toServerInfo,
  withDistance,
} from "./speedtestnet-catalog";

export interface SpeedtestNetSettings extends HttpTestSettings {
  /** `[speedtest.speedtestnet] servers_url`: the JSON server list (an XML list is accepted too). */
  serversUrl: string;
  /** `[speedtest.speedtestnet] config_url`: the configuration XML with the client's location. */
  configUrl: string;
  /** `[speedtest] timeout`: the time each phase may take, seconds. */
  timeoutSeconds: number;
  /** Pause between latency requests, ms. */
  pingIntervalMs?: number;
}

/** What the configuration XML says about the client. The IP address is deliberately not kept. */
export interface SpeedtestNetClientInfo {
  isp: string | null;
  country: string | null;
}

export interface SpeedtestNetProvider extends SpeedTestProvider {
  /** The client's ISP and country as speedtest.net sees them. */
  clientInfo(signal: AbortSignal): Promise<SpeedtestNetClientInfo>;
}

export const SPEEDTESTNET_DEFAULTS = {
  durationSeconds: 10,
  graceSeconds: 2,
  downloadStreams: 4,
  uploadStreams: 4,
  pingCount: 10,
  pingIntervalMs: 200,
};

/** How long the server list and the client's location stay cached. */
export const LIST_CACHE_MS = 30 * 60 * 1000;
/** Auto selection pings this many of the geographically closest servers. */
export const CLOSEST_CANDIDATES = 5;
/** The largest legacy image: one request keeps a stream busy for long, and cut-off transfers still count. */
const DOWNLOAD_IMAGE = "random4000x4000.jpg";
const LATENCY_FILE = "latency.txt";
const LATENCY_BODY = "test=test";
const XML_FALLBACKS = ["/speedtest-servers-static.php", "/speedtest-servers.php"];
/** Room left in a phase's timeout for connection setup and the end of the last requests. */
const PHASE_MARGIN_MS = 2_000;

export function createSpeedtestNetProvider(settings: SpeedtestNetSettings): SpeedtestNetProvider {
  const config = withDefaults(settings, SPEEDTESTNET_DEFAULTS);
  const timeoutMs = settings.timeoutSeconds * 1000;
  const timing = phaseTiming({
    timeoutMs,
    phaseBudgetMs: timeoutMs - PHASE_MARGIN_MS,
    graceSeconds: config.graceSeconds,
    durationSeconds: config.durationSeconds,
  });
  const { requestTimeoutMs } = timing;
  let cache: { expiresAt: number; servers: OoklaServer[]; config: OoklaConfig | null } | null = null;

  const fetchText = async (url: string, what: string, signal: AbortSignal) => {
    const response = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]),
      headers: { "Cache-Control": "no-cache" },
    });
    const text = await response.text();
    if (!response.ok) {
      throw new ProviderError(`speedtest.net ${what} failed: HTTP ${response.status} from ${publicUrl(url)}`);
    }
    return text;
  };

  /** A server list from `url`, falling back to the XML lists on the same host when it is empty or unreadable. */
  const loadServerList = async (url: string, signal: AbortSignal): Promise<OoklaServer[]> => {
    const failures: string[] = [];
    const search = new URL(url).searchParams.get("search");
    const fallbacks = XML_FALLBACKS.map((path) => {
      const fallback = new URL(path, url);
      if (search) fallback.searchParams.set("search", search);
      return fallback.href;
    });
    for (const candidate of [url, ...fallbacks]) {
      try {
        const servers = parseServerList(await fetchText(candidate, "server list", signal));
        if (servers.length > 0) return servers;
        failures.push(`${publicUrl(candidate)} listed no servers`);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    throw new ProviderError(`speedtest.net server list unavailable: ${failures.join("; ")}`);
  };

  const loadConfig = async (signal: AbortSignal) =>
    parseConfigXml(await fetchText(settings.configUrl, "configuration", signal));

  /** The list and the client's location, cached; without a location the list's own distances are used. */
  const catalog = async (signal: AbortSignal) => {
    if (cache && cache.expiresAt > Date.now()) return cache;
    const [servers, clientConfig] = await Promise.all([
      loadServerList(settings.serversUrl, signal),
      loadConfig(signal).catch(() => {
        if (signal.aborted) throw signal.reason;
        return null;
      }),
    ]);
    const located = servers.map((server) => withDistance(server, clientConfig));
    // Servers of unknown distance go last, in list order.
    const sortKey = (server: OoklaServer) => (Number.isFinite(server.distance) ? server.distance : Infinity);
    located.sort((a, b) => sortKey(a) - sortKey(b));
    cache = { expiresAt: Date.now() + LIST_CACHE_MS, servers: located, config: clientConfig };
    return cache;
  };

  const findServerById = async (id: string, signal: AbortSignal): Promise<OoklaServer> => {
    const notFound = new NotFound(`speedtest.net server "${id}" not found`);
    if (!/^\d{1,12}$/.test(id)) throw notFound;
    const { servers, config: clientConfig } = await catalog(signal);
    const listed = servers.find((s) => s.id === id);
    if (listed) return listed;
    const searchUrl = new URL(settings.serversUrl);
    searchUrl.searchParams.set("search", id);
    const idLookupUrl = new URL("/api/ios-config.php", settings.configUrl);
    idLookupUrl.searchParams.set("serverid", id);
    const lookups = [
      () => loadServerList(searchUrl.href, signal),
      async () => parseServerList(await fetchText(idLookupUrl.href, "server lookup", signal)),
    ];
    let answered = false;
    let lastFailure: unknown = null;
    for (const lookup of lookups) {
      try {
        const match = (await lookup()).find((s) => s.id === id);
        if (match) return withDistance(match, clientConfig);
        answered = true;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        lastFailure = error;
      }
    }
    if (answered || lastFailure === null) throw notFound;
    throw lastFailure;
  };

  const clientInfo = async (signal: AbortSignal): Promise<SpeedtestNetClientInfo> => {
    const { config: clientConfig } = await catalog(signal);
    return { isp: clientConfig?.isp ?? null, country: clientConfig?.country ?? null };
  };

  /** The lowest-latency server among the closest CLOSEST_CANDIDATES (speedtest-cli's rule). */
  const pickBestServer = async (signal: AbortSignal): Promise<OoklaServer> => {
    const { servers, config: clientConfig } = await catalog(signal);
    const candidates = servers.filter((s) => !clientConfig?.ignoreIds.has(s.id)).slice(0, CLOSEST_CANDIDATES);
    const best = await lowestLatencyServer(candidates, CLOSEST_CANDIDATES, latencyUrl, {
      count: 3,
      warmup: 1,
      intervalMs: 0,
      requestTimeoutMs,
      signal,
      label: "speedtest.net server selection",
      expectBody: LATENCY_BODY,
    });
    if (!best) {
      throw new ProviderError(
        `none of the ${candidates.length} closest speedtest.net servers answered a latency probe`,
      );
    }
    return best;
  };

  return {
    async listServers(signal) {
      const { servers } = await catalog(signal);
      return servers.map(toServerInfo);
    },

    clientInfo,

    async run(options): Promise<SpeedTestMeasurement> {
      const startedAt = performance.now();
      const { signal } = options;
      options.onProgress({ phase: "latency", percent: 0 });
      const server = await withDeadline("speedtest.net server selection", timeoutMs, signal, (phaseSignal) =>
        options.serverId ? findServerById(options.serverId, phaseSignal) : pickBestServer(phaseSignal),
      );
      // Choosing the server has loaded the configuration, so this costs no request.
      const { isp } = await clientInfo(signal);

      const samples = await withDeadline("speedtest.net latency test", timeoutMs, signal, (phaseSignal) =>
        measureHttpPings(latencyUrl(server), {
          count: config.pingCount,
          warmup: 1,
          intervalMs: config.pingIntervalMs,
          requestTimeoutMs,
          signal: phaseSignal,
          label: "speedtest.net latency test",
          expectBody: LATENCY_BODY,
          onSample: (latencyMs, done) =>
            options.onProgress({ phase: "latency", latencyMs, percent: (done / config.pingCount) * 100 }),
        }),
      );

      const download = options.enableDownload
        ? await withDeadline("speedtest.net download", timeoutMs, signal, (phaseSignal) =>
            measureDownload(
              new URL(DOWNLOAD_IMAGE, server.url).href,
              transferOptions("speedtest.net", "download", config.downloadStreams, timing, phaseSignal, options),
            ),
          )
        : null;
      const upload = options.enableUpload
        ? await withDeadline("speedtest.net upload", timeoutMs, signal, (phaseSignal) =>
            measureUpload(
              server.url,
              transferOptions("speedtest.net", "upload", config.uploadStreams, timing, phaseSignal, options),
            ),
          )
        : null;

      return httpMeasurement({
        server: {
          serverId: server.id,
          serverName:
            server.sponsor && server.name ? `${server.sponsor} (${server.name})` : server.sponsor || server.name,
          serverHost: server.host,
        },
        isp,
        latency: speedtestNetLatency(samples),
        download,
        upload,
        startedAt,
      });
    },
  };
}

/** latency.txt beside the server's upload.php. */
function latencyUrl(server: OoklaServer): string {
  return new URL(LATENCY_FILE, server.url).href;
}

export const speedtestNet: ProviderDefinition = {
  label: "Speedtest.net",
  latencyHelp:
    "Latency is the mean of 10 HTTP round trips to the server's latency.txt, sent 200 ms apart on one " +
    "connection after one discarded warm-up request; a round trip runs from sending the request to reading the " +
    "whole reply. Jitter is the population standard deviation of those round trips: √(Σ(xᵢ − mean)² / n).",
  target: "servers",
  manualServerId: {
    pattern: /^\d{1,10}$/,
    example: "e.g. 21541",
    hint: "Any speedtest.net server, even one not in the nearest list.",
    problem: "a speedtest.net server ID is a number",
  },
  create: ({ speedtest: st }) =>
    createSpeedtestNetProvider({
      serversUrl: st.speedtestnet.servers_url,
      configUrl: st.speedtestnet.config_url,
      timeoutSeconds: st.timeout,
      durationSeconds: st.speedtestnet.duration,
      downloadStreams: st.speedtestnet.streams,
      uploadStreams: st.speedtestnet.streams,
    }),
};
