/**
 * `netronome agent` assembled: collectors, peaks, the key check and the HTTP server, started and stopped in order.
 * The agent imports only measure/, protocol/, core/ and config/: never the hub's web app or database.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "../core/log";
import { releaseExecutablePages } from "../core/memory";
import { createCollectors, SYSTEM_COLLECTORS } from "../measure/collectors";
import { HOST_PATHS } from "../measure/collectors/collector";
import { createLibreSpeedBackend, LIBRESPEED_ENDPOINTS } from "../measure/librespeed-backend";
import { type AgentServerDeps, createFetchHandler } from "./agent.server";
import { createAgentService, type SystemCollectors } from "./agent.service";
import { createKeyCheck } from "./auth";
import { createMeasureService, type MeasureService } from "./measure.service";
import type { AgentOptions } from "./options";
import { agentStateDir, PEAKS_FILE, PeakTracker } from "./peaks";

/** First release of start-up pages, once the first samples and requests have settled, then at this interval. */
const RELEASE_PAGES_AFTER_MS = 10_000;
const RELEASE_PAGES_EVERY_MS = 5 * 60_000;

/** How long open requests (not live streams, which end at once) may take to finish at shutdown. */
const SHUTDOWN_GRACE_MS = 5_000;

function createAgentMeasurements(options: AgentOptions, log: Logger): MeasureService {
  const { maxProbes, maxTraceroutes } = options.measure;
  return createMeasureService({
    load: async () => (await import("./measure.runtime")).createMeasureRuntime(options.measure),
    root: process.getuid?.() === 0,
    limits: { speedtest: 1, probe: maxProbes, traceroute: maxTraceroutes },
    log,
  });
}

/** The LibreSpeed endpoint, when it is on and has a secret: its token, else the API key. */
function libreSpeedEndpoint(options: AgentOptions): AgentServerDeps["libreSpeed"] {
  const secret = options.libreSpeed?.token || options.apiKey;
  if (!options.libreSpeed || !secret) return null;
  const path = options.libreSpeed.path;
  return {
    backend: createLibreSpeedBackend({ path, secret }),
    info: {
      path: `${path}/${secret}/`,
      ...LIBRESPEED_ENDPOINTS,
      secret: options.libreSpeed.token ? "token" : "api_key",
    },
  };
}

export interface RunningAgent {
  url: string;
  stop(): Promise<void>;
}

export async function startAgent(
  options: AgentOptions,
  log: Logger,
  { version, env = process.env }: { version: string; env?: Record<string, string | undefined> },
): Promise<RunningAgent> {
  const ctx = {
    paths: HOST_PATHS,
    log,
    options: { interface: options.interface, diskIncludes: options.diskIncludes, diskExcludes: options.diskExcludes },
  };
  const { bandwidth } = createCollectors(ctx, ["bandwidth"]);
  const system = options.disableSystemMetrics ? null : (createCollectors(ctx, SYSTEM_COLLECTORS) as SystemCollectors);
  const peaksFile = join(agentStateDir(env), PEAKS_FILE);
  const peaks = new PeakTracker(peaksFile, bandwidth.interface, log);
  const stopRecording = bandwidth.samples.on((sample) => peaks.record(sample));
  const stopping = new AbortController();

  let server: ReturnType<typeof Bun.serve>;
  const listening = { host: options.host, port: options.port };
  const measure = options.disableMeasurements || !options.apiKey ? null : createAgentMeasurements(options, log);
  const libreSpeed = libreSpeedEndpoint(options);
  const service = createAgentService({
    options,
    listening,
    version,
    hostname,
    bandwidth,
    system,
    peaks,
    measurement: measure?.capacity() ?? null,
    libreSpeed: libreSpeed !== null,
  });
  try {
    server = Bun.serve({
      hostname: options.host,
      port: options.port,
      // Longer than the slowest answer (vnstat's history may take seconds); live streams switch it off for themselves.
      idleTimeout: 30,
      fetch: createFetchHandler({
        service,
        bandwidth,
        checkKey: createKeyCheck(options.apiKey),
        measure,
        libreSpeed,
        stopping: stopping.signal,
        log,
      }),
    });
  } catch (e) {
    await bandwidth.close();
    throw new Error(`cannot listen on ${options.host}:${options.port}: ${(e as Error).message}`);
  }
  listening.port = server.port ?? options.port;
  log.info("agent ready", {
    url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${listening.port}/`,
    interface: bandwidth.interface,
    bandwidth: bandwidth.source(),
    systemMetrics: system !== null,
    measurements: measure !== null,
    libreSpeed: libreSpeed ? options.libreSpeed!.path : false,
    peaks: peaksFile,
  });

  // The agent idles for days: the runtime pages that start-up and occasional requests touched are given back.
  const release = () => void releaseExecutablePages();
  const releaseFirst = setTimeout(release, RELEASE_PAGES_AFTER_MS);
  const releaseLater = setInterval(release, RELEASE_PAGES_EVERY_MS);

  return {
    url: `http://${options.host}:${listening.port}`,
    async stop() {
      clearTimeout(releaseFirst);
      clearInterval(releaseLater);
      stopping.abort();
      const force = setTimeout(() => void server.stop(true), SHUTDOWN_GRACE_MS);
      await server.stop(false);
      clearTimeout(force);
      stopRecording();
      await bandwidth.close();
      peaks.close();
    },
  };
}
