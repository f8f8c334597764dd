/**
 * The measurements the agent runs for a hub: requests validated before anything starts, limits per kind (one speed
 * test at a time, [packetloss] max_concurrent_monitors probes, [traceroute] max_concurrent traces; more are refused,
 * not queued: the hub queues), and the local executor underneath, so a run here is exactly a run on the hub. Nothing
 * here sees a Request; measure.routes.ts streams the runs.
 */
import { TooManyRequests } from "../core/errors";
import type { Logger } from "../core/log";
import type { Control, Executor } from "../measure/executor";
import { parseProbeRequest, parseSpeedTestRequest, parseTracerouteRequest } from "../measure/requests";
import type { MeasurementCapacity } from "../protocol/agent";
import type { MeasurementFailure } from "../protocol/measurements";

export type MeasurementKind = MeasurementFailure["measurement"];

/** A validated measurement holding its slot; `run` must be called once (it gives the slot back when it ends). */
export interface PreparedMeasurement {
  readonly kind: MeasurementKind;
  /** The target, for the log. */
  readonly target: string;
  run(control: Control<unknown>): Promise<unknown>;
}

/** Seconds a hub is told to wait before asking again when a kind is at its limit. */
const BUSY_RETRY_SECONDS = 5;

const WHAT: Record<MeasurementKind, string> = {
  speedtest: "speed test",
  probe: "packet-loss probe",
  traceroute: "traceroute",
};

export function createMeasureService(deps: { executor: Executor; limits: MeasurementCapacity["limits"]; log: Logger }) {
  const { executor, limits, log } = deps;
  const active: Record<MeasurementKind, number> = { speedtest: 0, probe: 0, traceroute: 0 };

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

  /** Validates the request (BadInput naming the field) and takes a slot (TooManyRequests when none is free). */
  function prepare(kind: MeasurementKind, body: unknown): PreparedMeasurement {
    const start = {
      speedtest: () => {
        const request = parseSpeedTestRequest(body);
        return {
          target: request.host ?? request.libreSpeedServer?.name ?? request.serverId ?? "closest server",
          run: (control: Control<unknown>) => executor.runSpeedTest(request, control),
        };
      },
      probe: () => {
        const request = parseProbeRequest(body);
        return { target: request.host, run: (control: Control<unknown>) => executor.runProbe(request, control) };
      },
      traceroute: () => {
        const request = parseTracerouteRequest(body);
        return { target: request.host, run: (control: Control<unknown>) => executor.runTraceroute(request, control) };
      },
    }[kind]();
    const release = reserve(kind);
    let started = false;
    return {
      kind,
      target: start.target,
      async run(control) {
        if (started) throw new Error("a prepared measurement runs only once");
        started = true;
        const began = performance.now();
        log.info(`${WHAT[kind]} started`, { target: start.target });
        try {
          const outcome = await start.run(control);
          log.info(`${WHAT[kind]} finished`, { target: start.target, ms: Math.round(performance.now() - began) });
          return outcome;
        } catch (e) {
          const how = control.signal.aborted ? "stopped by the hub" : "failed";
          log.info(`${WHAT[kind]} ${how}`, { target: start.target, error: (e as Error)?.message });
          throw e;
        } finally {
          release();
        }
      },
    };
  }

  return {
    capacity: (): MeasurementCapacity => ({ root: executor.probeHost.root, limits: { ...limits } }),
    listServers: executor.listServers,
    prepare,
  };
}

export type MeasureService = ReturnType<typeof createMeasureService>;
