/**
 * The executor: the speed-test, monitor and traceroute services' only way to measure. Requests are plain data
 * and results, progress events and failures are protocol types, so a measurement can run here (the local
 * executor below) or on an agent (a client speaking the same interface) without the services knowing.
 *
 * Failures: BadInput/NotFound (core/errors) for a request that cannot run (nothing started); ProviderError,
 * ProbeFailed or TracerouteError when the measurement ran and failed; CommandNotFound when a tool is missing
 * (traceroute; mtr hands over to ping, and the others report it as a failed measurement). An abort rejects with
 * the signal's reason. measure/failure.ts turns each into a MeasurementFailure and back. An executor that measures
 * elsewhere (an agent) also throws MachineUnavailable: the machine could not be asked, or went away mid-run.
 */
import { BadInput } from "../core/errors";
import type {
  ProbeHost,
  ProbeOutcome,
  ProbeProgress,
  ProbeRequest,
  SpeedTestMeasurement,
  SpeedTestProgress,
  SpeedTestRequest,
  SpeedTestServer,
  TracerouteOutcome,
  TracerouteProgress,
  TracerouteRequest,
} from "../protocol/measurements";
import { runProbe } from "./probes/run-probe";
import { runTraceroute } from "./probes/traceroute-run";
import type { SpeedTestProvider } from "./providers/provider";
import { isProviderId, type ProviderId, type Providers } from "./providers/registry";

/**
 * The measuring machine was not there to measure: it could not be reached, refused (its key, or it does not run
 * measurements), was busy, or went away before the measurement ended (restarted). Nothing was measured, so this is
 * not a failed measurement: a monitor records the run as "unreachable", not as lost packets.
 */
export class MachineUnavailable extends Error {
  constructor(
    readonly reason: "unreachable" | "refused" | "busy" | "lost",
    message: string,
  ) {
    super(message);
  }
}

/** Cancellation and live progress of one measurement. */
export interface Control<Progress> {
  signal: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export interface Executor {
  /** What the measuring machine allows, so runs can be planned and explained before they start. */
  readonly probeHost: ProbeHost;
  /** The servers a provider offers to choose from (empty for providers that test against a typed host). */
  listServers(provider: ProviderId, signal: AbortSignal): Promise<SpeedTestServer[]>;
  runSpeedTest(request: SpeedTestRequest, control: Control<SpeedTestProgress>): Promise<SpeedTestMeasurement>;
  /** Packet loss and RTT to a host, hop by hop when the plan allows mtr. */
  runProbe(request: ProbeRequest, control: Control<ProbeProgress>): Promise<ProbeOutcome>;
  runTraceroute(request: TracerouteRequest, control: Control<TracerouteProgress>): Promise<TracerouteOutcome>;
}

/** Runs every measurement on this machine, with the given provider instances. */
export function createLocalExecutor(deps: { providers: Providers; host?: ProbeHost }): Executor {
  const host = deps.host ?? { root: process.getuid?.() === 0 };
  // Requests may come off the wire: an unknown provider is bad input, not a crash.
  const providerFor = (id: string): SpeedTestProvider => {
    if (!isProviderId(id)) throw new BadInput(`provider: no provider "${id}" here`, "provider");
    return deps.providers[id];
  };
  return {
    probeHost: host,

    listServers: async (provider, signal) => providerFor(provider).listServers(signal),

    runSpeedTest: async (request, { signal, onProgress }) =>
      providerFor(request.provider).run({
        serverId: request.serverId,
        host: request.host,
        udp: request.udp,
        libreSpeedServer: request.libreSpeedServer,
        enableDownload: request.enableDownload,
        enableUpload: request.enableUpload,
        signal,
        onProgress: onProgress ?? (() => {}),
      }),

    runProbe: (request, control) => runProbe(request, control, host),

    runTraceroute: (request, control) => runTraceroute(request, control),
  };
}
