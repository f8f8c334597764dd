/**
 * The measurements the agent runs for a hub: requests validated before anything starts, limits per kind (one speed
 * test at a time, [packetloss] max_concurrent_monitors probes, [traceroute] max_concurrent traces; more are refused,
 * not queued: the hub queues), and the local executor underneath, so a run here is exactly a run on the hub. The
 * measuring code is loaded at the first request (measure.runtime.ts). Nothing here sees a Request;
 * measure.routes.ts streams the runs.
 */
import { BadInput, TooManyRequests } from "../core/errors";
import type { Logger } from "../core/log";
import type { Control } from "../measure/executor";
import type { ProviderId } from "../measure/providers/registry";
import type { MeasurementCapacity } from "../protocol/agent";
import type { MeasurementFailure, SpeedTestServer } from "../protocol/measurements";
import type { MeasureRuntime } from "./measure.runtime";

export type MeasurementKind = MeasurementFailure["measurement"];

/** A validated measurement holding its slot; `run` must be called once (it gives the slot back when it ends). */
export interface PreparedMeasurement {
  readonly kind: MeasurementKind;
  run(control: Control<unknown>): Promise<unknown>;
  /** The failure to report for what `run` threw, or null for an abort. */
  failure(error: unknown, aborted: boolean): MeasurementFailure | null;
}

/** Seconds a hub is told to wait before asking again when a kind is at its limit. */
const BUSY_RETRY_SECONDS = 5;

const WHAT: Record<MeasurementKind, string> = {
  speedtest: "speed test",
  probe: "packet-loss probe",
  traceroute: "traceroute",
};

export function createMeasureService(deps: {
  load: () => Promise<MeasureRuntime>;
  /** Running as root (mtr may then probe faster than once a second). */
  root: boolean;
  limits: MeasurementCapacity["limits"];
  log: Logger;
}) {
  const { limits, log } = deps;
  const active: Record<MeasurementKind, number> = { speedtest: 0, probe: 0, traceroute: 0 };
  let runtime: Promise<MeasureRuntime> | undefined;
  const load = () => {
    runtime ??= deps.load();
    return runtime;
  };

  function reserve(kind: MeasurementKind): () => void {
    if (active[kind] >= limits[kind]) {
      const plural = limits[kind] === 1 ? `a ${WHAT[kind]} is` : `${limits[kind]} ${WHAT[kind]}s are`;
      throw new TooManyRequests(`busy: ${plural} already running on this agent`, BUSY_RETRY_SECONDS);
    }
    active[kind]++;
    let released = false;
    return () => {
      if (!released) active[kind]--;
      released = true;
    };
  }

  /** What to run for `body`; throws BadInput naming the field. */
  function start(rt: MeasureRuntime, kind: MeasurementKind, body: unknown) {
    const { executor, parse } = rt;
    if (kind === "speedtest") {
      const request = parse.speedtest(body);
      const target = request.host ?? request.libreSpeedServer?.name ?? request.serverId ?? "closest server";
      return { target, run: (c: Control<unknown>) => executor.runSpeedTest(request, c) };
    }
    if (kind === "probe") {
      const request = parse.probe(body);
      return { target: request.host, run: (c: Control<unknown>) => executor.runProbe(request, c) };
    }
    const request = parse.traceroute(body);
    return { target: request.host, run: (c: Control<unknown>) => executor.runTraceroute(request, c) };
  }

  /** Validates the request (BadInput naming the field) and takes a slot (TooManyRequests when none is free). */
  async function prepare(kind: MeasurementKind, body: unknown): Promise<PreparedMeasurement> {
    const rt = await load();
    const { target, run } = start(rt, kind, body);
    const release = reserve(kind);
    let started = false;
    return {
      kind,
      async run(control) {
        if (started) throw new Error("a prepared measurement runs only once");
        started = true;
        const began = performance.now();
        log.info(`${WHAT[kind]} started`, { target });
        try {
          const outcome = await run(control);
          log.info(`${WHAT[kind]} finished`, { target, ms: Math.round(performance.now() - began) });
          return outcome;
        } catch (e) {
          log.info(`${WHAT[kind]} ${control.signal.aborted ? "stopped by the hub" : "failed"}`, {
            target,
            error: (e as Error)?.message,
          });
          throw e;
        } finally {
          release();
        }
      },
      failure(error, aborted) {
        if (aborted) return null;
        const failure = rt.toFailure(error, kind);
        if (failure) return failure;
        log.error("measurement failed unexpectedly", { kind, error: error as Error });
        return { kind: "failed", measurement: kind, message: "the agent could not run the measurement; see its log" };
      },
    };
  }

  return {
    capacity: (): MeasurementCapacity => ({ root: deps.root, limits: { ...limits } }),

    /** A provider's servers; throws BadInput for an unknown provider, and the provider's failure as data. */
    async listServers(
      provider: string,
      signal: AbortSignal,
    ): Promise<{ servers: SpeedTestServer[] } | { failure: MeasurementFailure }> {
      const rt = await load();
      if (!rt.isProviderId(provider)) throw new BadInput(`provider: no provider "${provider}" here`, "provider");
      try {
        return { servers: await rt.executor.listServers(provider as ProviderId, signal) };
      } catch (e) {
        const failure = rt.toFailure(e, "speedtest");
        if (!failure) throw e;
        return { failure };
      }
    },

    prepare,
  };
}

export type MeasureService = ReturnType<typeof createMeasureService>;
