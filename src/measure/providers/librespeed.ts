/**
 * LibreSpeed, natively (no librespeed-cli), against the PHP reference backend
 * or the Go/Rust ones (protocols.md §2): ping and jitter from HTTP pings,
 * multi-stream download from garbage.php?ckSize=N, multi-stream upload to
 * empty.php, getIP for the client's ISP.
 *
 * Servers come from librespeed-servers.json beside the config file (custom)
 * and, when `[speedtest.librespeed] servers_url` is set, from a public list.
 * Both spellings of a backend are accepted: `server: "http://host/backend"` +
 * `dlURL: "garbage.php"`, and the public list's `server: "//host/"` +
 * `dlURL: "backend/garbage.php"`; endpoints join onto the server's path like
 * librespeed-cli does, so slashes do not matter. Protocol-relative servers take
 * the scheme of the list they came from (http for the local file).
 *
 * IDs: custom servers are `custom-<id>`, public ones `public-<id>`, so the two
 * lists can never collide, whatever IDs they use.
 *
 * `[speedtest.librespeed] timeout` bounds the whole test; the measured
 * duration shrinks if needed so both transfer phases fit.
 */
import { join } from "node:path";
import { NotFound } from "../../core/errors";
import type { SpeedTestMeasurement } from "../../protocol/measurements";
import { libreSpeedLatency, measureHttpPings } from "./http-latency";
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
import {
  CUSTOM_PREFIX,
  givenServer,
  type LibreSpeedClientInfo,
  type LibreSpeedServer,
  PUBLIC_PREFIX,
  parseClientInfo,
  parseServerList,
  toServerInfo,
  withoutSecret,
} from "./librespeed-catalog";
import { type ProviderDefinition, ProviderError, type RunOptions, type SpeedTestProvider } from "./provider";

export interface LibreSpeedSettings extends HttpTestSettings {
  /** librespeed-servers.json beside the config file; a missing file means no custom servers. */
  serversFile: string;
  /** `[speedtest.librespeed] servers_url`: a public server list; empty = none. */
  publicServersUrl: string;
  /** `[speedtest.librespeed] timeout`: the time a whole test may take, seconds. */
  timeoutSeconds: number;
  /** MiB per download request (garbage.php's ckSize). */
  chunkCount?: number;
}

export interface LibreSpeedProvider extends SpeedTestProvider {
  /** The client's ISP and country as one server's getIP sees them (the first listed server by default). */
  clientInfo(signal: AbortSignal, serverId?: string): Promise<LibreSpeedClientInfo>;
}

export const LIBRESPEED_DEFAULTS = {
  durationSeconds: 10,
  graceSeconds: 2,
  downloadStreams: 6,
  uploadStreams: 3,
  chunkCount: 100,
  pingCount: 11,
};

/** How long the public list stays cached. */
export const PUBLIC_LIST_CACHE_MS = 30 * 60 * 1000;
/** The public list is small JSON; anything bigger is not one. */
const MAX_LIST_BYTES = 10 * 1024 * 1024;
/** Auto selection: servers pinged at once, and the patience per ping (the web client's 2 s). */
const SELECTION_CONCURRENCY = 8;
const SELECTION_PING_TIMEOUT_MS = 2_000;
/** A test asks its server for the client's ISP and waits this long at most; without an answer the ISP stays unknown. */
const ISP_LOOKUP_TIMEOUT_MS = 2_000;
/** Room in the test's timeout for selection, pings and the ends of both transfer phases. */
const TEST_MARGIN_MS = 5_000;
/** Scheme given to protocol-relative servers of the local file. */
const LOCAL_FILE_BASE = "http://localhost/";

export function createLibreSpeedProvider(settings: LibreSpeedSettings): LibreSpeedProvider {
  const config = withDefaults(settings, LIBRESPEED_DEFAULTS);
  const timeoutMs = settings.timeoutSeconds * 1000;
  // Both transfer phases share the test's timeout.
  const timing = phaseTiming({
    timeoutMs,
    phaseBudgetMs: (timeoutMs - TEST_MARGIN_MS) / 2,
    graceSeconds: config.graceSeconds,
    durationSeconds: config.durationSeconds,
  });
  const { requestTimeoutMs } = timing;
  let publicCache: { expiresAt: number; servers: LibreSpeedServer[] } | null = null;

  const customServers = async (): Promise<LibreSpeedServer[]> => {
    const file = Bun.file(settings.serversFile);
    if (!(await file.exists())) return [];
    let entries: unknown;
    try {
      entries = JSON.parse(await file.text());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProviderError(`${settings.serversFile} is not valid JSON: ${reason}`);
    }
    return parseServerList(entries, CUSTOM_PREFIX, LOCAL_FILE_BASE);
  };

  const publicServers = async (signal: AbortSignal): Promise<LibreSpeedServer[]> => {
    if (!settings.publicServersUrl) return [];
    if (publicCache && publicCache.expiresAt > Date.now()) return publicCache.servers;
    const url = settings.publicServersUrl;
    const response = await fetch(url, {
      signal: AbortSignal.any([signal, AbortSignal.timeout(requestTimeoutMs)]),
      headers: { "Cache-Control": "no-cache" },
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new ProviderError(`LibreSpeed server list failed: HTTP ${response.status} from ${publicUrl(url)}`);
    }
    const text = await response.text();
    if (text.length > MAX_LIST_BYTES) throw new ProviderError(`LibreSpeed server list at ${publicUrl(url)} is too big`);
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch {
      throw new ProviderError(`LibreSpeed server list at ${publicUrl(url)} is not valid JSON`);
    }
    const servers = parseServerList(entries, PUBLIC_PREFIX, url);
    publicCache = { expiresAt: Date.now() + PUBLIC_LIST_CACHE_MS, servers };
    return servers;
  };

  /** Custom then public servers. An unreachable public list leaves the custom servers usable. */
  const allServers = async (signal: AbortSignal): Promise<LibreSpeedServer[]> => {
    const custom = await customServers();
    try {
      return [...custom, ...(await publicServers(signal))];
    } catch (error) {
      if (signal.aborted || custom.length === 0) throw error;
      return custom;
    }
  };

  const findServer = async (id: string, signal: AbortSignal): Promise<LibreSpeedServer> => {
    const pool = id.startsWith(CUSTOM_PREFIX)
      ? await customServers()
      : id.startsWith(PUBLIC_PREFIX)
        ? await publicServers(signal)
        : [];
    const match = pool.find((server) => server.id === id);
    if (!match) {
      throw new NotFound(`LibreSpeed server "${id}" not found (IDs look like ${CUSTOM_PREFIX}1 or ${PUBLIC_PREFIX}51)`);
    }
    return match;
  };

  /** The client's ISP and country as `server`'s getIP sees them. */
  const askGetIp = async (server: LibreSpeedServer, timeoutMs: number, signal: AbortSignal) => {
    const url = new URL(server.getIpUrl);
    url.searchParams.set("isp", "true");
    url.searchParams.set("distance", "km");
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    const text = await response.text();
    if (!response.ok)
      throw new ProviderError(`LibreSpeed getIP failed: HTTP ${response.status} from ${publicUrl(url.href)}`);
    return parseClientInfo(text);
  };

  /** The ISP for a result: a server without getIP, or one slow to answer it, leaves it unknown. */
  const ispThrough = async (server: LibreSpeedServer, signal: AbortSignal): Promise<string | null> => {
    try {
      return (await askGetIp(server, ISP_LOOKUP_TIMEOUT_MS, signal)).isp;
    } catch {
      if (signal.aborted) throw signal.reason;
      return null;
    }
  };

  /** The server with the lowest ping (best of two after a warm-up), as LibreSpeed's own selection does. */
  const pickBestServer = async (signal: AbortSignal): Promise<LibreSpeedServer> => {
    const servers = await allServers(signal);
    if (servers.length === 0) {
      throw new ProviderError("no LibreSpeed servers: add librespeed-servers.json or set a public server list");
    }
    const best = await lowestLatencyServer(servers, SELECTION_CONCURRENCY, (server) => server.pingUrl, {
      count: 2,
      warmup: 1,
      intervalMs: 0,
      requestTimeoutMs: SELECTION_PING_TIMEOUT_MS,
      signal,
      label: "LibreSpeed server selection",
    });
    if (!best) throw new ProviderError("no LibreSpeed server is available right now");
    return best;
  };

  return {
    async listServers(signal) {
      return (await allServers(signal)).map(toServerInfo);
    },

    async clientInfo(signal, serverId) {
      const server = serverId ? await findServer(serverId, signal) : (await allServers(signal))[0];
      if (!server) throw new ProviderError("no LibreSpeed servers to ask for the client's ISP");
      return askGetIp(server, requestTimeoutMs, signal);
    },

    run(options): Promise<SpeedTestMeasurement> {
      return withDeadline("LibreSpeed test", timeoutMs, options.signal, async (signal) => {
        const startedAt = performance.now();
        options.onProgress({ phase: "latency", percent: 0 });
        const server = options.libreSpeedServer
          ? givenServer(options.libreSpeedServer, options.serverId)
          : options.serverId
            ? await findServer(options.serverId, signal)
            : await pickBestServer(signal);
        try {
          return await measure(server, options, signal, startedAt);
        } catch (e) {
          throw options.libreSpeedServer ? withoutSecret(e, server) : e;
        }
      });
    },
  };

  async function measure(server: LibreSpeedServer, options: RunOptions, signal: AbortSignal, startedAt: number) {
    const isp = await ispThrough(server, signal);

    const samples = await measureHttpPings(server.pingUrl, {
      count: config.pingCount,
      warmup: 1,
      intervalMs: 0,
      requestTimeoutMs,
      signal,
      label: "LibreSpeed latency test",
      onSample: (latencyMs, done) =>
        options.onProgress({ phase: "latency", latencyMs, percent: (done / config.pingCount) * 100 }),
    });

    const downloadUrl = new URL(server.downloadUrl);
    downloadUrl.searchParams.set("ckSize", String(config.chunkCount));
    const download = options.enableDownload
      ? await measureDownload(
          downloadUrl.href,
          transferOptions("LibreSpeed", "download", config.downloadStreams, timing, signal, options),
        )
      : null;
    const upload = options.enableUpload
      ? await measureUpload(
          server.uploadUrl,
          transferOptions("LibreSpeed", "upload", config.uploadStreams, timing, signal, options),
        )
      : null;

    return httpMeasurement({
      server: { serverId: server.id, serverName: server.name, serverHost: new URL(server.base).host },
      isp,
      latency: libreSpeedLatency(samples),
      download,
      upload,
      startedAt,
    });
  }
}

export const libreSpeed: ProviderDefinition = {
  label: "LibreSpeed",
  latencyHelp:
    "Latency is the mean of 11 HTTP round trips to the server's ping URL, sent back to back on one connection " +
    "after one discarded warm-up request; a round trip runs from sending the request to reading the whole reply. " +
    "Jitter is librespeed-cli's smoothed difference between consecutive round trips: starting at 0, for the 3rd " +
    "round trip onwards d = |previous − current|, and jitter becomes 0.7·jitter + 0.3·d when jitter > d, " +
    "else 0.8·jitter + 0.2·d.",
  target: "servers",
  create: ({ speedtest: st, dir }) =>
    createLibreSpeedProvider({
      serversFile: join(dir, "librespeed-servers.json"),
      publicServersUrl: st.librespeed.servers_url,
      timeoutSeconds: st.librespeed.timeout,
      durationSeconds: st.librespeed.duration,
      downloadStreams: st.librespeed.download_streams,
      uploadStreams: st.librespeed.upload_streams,
    }),
};
