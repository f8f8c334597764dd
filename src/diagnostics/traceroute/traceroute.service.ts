/**
 * Runs traceroutes, here or from an agent: the typed host is parsed and validated before anything is
 * spawned, at most `max_concurrent` traces run at once (each one is a process
 * anyone signed in can start), hops are enriched with GeoIP and reported as
 * soon as they are complete, and a trace ends at the destination, after
 * `max_silent_hops` silent hops in a row, at `timeout_seconds`, or when the
 * caller's signal aborts (the browser went away). Knows nothing about HTTP.
 */
import type { Config } from "../../config/schema";
import { AppError, TooManyRequests } from "../../core/errors";
import { parseTarget } from "../../core/host";
import type { Logger } from "../../core/log";
import { CommandNotFound } from "../../core/runner";
import type { Machine } from "../../hub/machines";
import { type Executor, MachineUnavailable } from "../../measure/executor";
import { TracerouteError } from "../../measure/probes/traceroute";
import type { TracerouteHop, TracerouteRequest } from "../../protocol/measurements";
import { Semaphore } from "../../scheduler/semaphore";
import { countryFlag, formatAsn, type GeoIp } from "../geoip";

export type TracerouteSettings = Config["traceroute"];

/** A hop with what the GeoIP databases know about its first responder. */
export interface TraceHop extends TracerouteHop {
  /** ISO 3166-1 alpha-2, e.g. "SE". */
  countryCode?: string;
  /** English country name. */
  country?: string;
  /** The country's flag emoji. */
  flag?: string;
  asn?: number;
  /** `AS15169 Google Inc.` */
  as?: string;
}

export interface TraceResult {
  /** The host that was traced, as parsed from the input (a URL's host name, say). */
  destination: string;
  /** The agent the trace ran from; null: this server. */
  agentId: number | null;
  /** "this server" or the agent's name. */
  from: string;
  /** The address traceroute resolved the destination to; null when it printed nothing. */
  ip: string | null;
  hops: TraceHop[];
  maxHops: number;
  /** The destination itself answered. */
  complete: boolean;
  /** Stopped after `max_silent_hops` silent hops in a row. */
  terminatedEarly: boolean;
  /** Stopped at `timeout_seconds`. */
  timedOut: boolean;
  durationMs: number;
}

/** The trace started last, for the original's polling endpoint. */
export interface TraceSnapshot extends TraceResult {
  running: boolean;
}

export interface TraceListeners {
  /** Aborting stops the trace and kills traceroute. */
  signal: AbortSignal;
  /** Called once traceroute has resolved the destination. */
  onResolved?: (ip: string) => void;
  /** Called for every hop as soon as it is complete (again, with the same number, if more of it arrives). */
  onHop?: (hop: TraceHop) => void;
}

/** A validated trace holding one of the concurrency slots; `run` must be called, once. */
export interface PreparedTrace {
  readonly destination: string;
  readonly from: string;
  readonly maxHops: number;
  run(listeners: TraceListeners): Promise<TraceResult>;
}

/** The caller went away (or the server is shutting down) before the trace finished. */
export class TraceCancelled extends AppError {
  constructor() {
    super(503, "cancelled", "the traceroute was cancelled");
  }
}

/** Adds country, flag and AS of the hop's first responder; it only reads the databases, it sends nothing. */
export function enrichHop(hop: TracerouteHop, geoip: GeoIp): TraceHop {
  if (!hop.ip) return hop;
  const info = geoip.lookup(hop.ip);
  const enriched: TraceHop = { ...hop };
  if (info.countryCode) {
    enriched.countryCode = info.countryCode;
    enriched.flag = countryFlag(info.countryCode);
  }
  if (info.country) enriched.country = info.country;
  if (info.asn !== undefined) {
    enriched.asn = info.asn;
    enriched.as = formatAsn(info.asn, info.asOrg);
  }
  return enriched;
}

/** True when any responder of any hop is the destination address. */
function reachedDestination(hops: readonly TracerouteHop[], ip: string | null): boolean {
  return ip !== null && hops.some((hop) => hop.responders.some((r) => r.ip === ip));
}

export function createTracerouteService(deps: {
  settings: TracerouteSettings;
  machines: { of(agentId: number | null | undefined): Promise<Machine> };
  geoip: GeoIp;
  log: Logger;
}) {
  const { settings, machines, geoip, log } = deps;
  const slots = new Semaphore(settings.max_concurrent);
  let latest: TraceSnapshot | undefined;

  async function execute(
    request: TracerouteRequest,
    machine: Machine,
    listeners: TraceListeners,
  ): Promise<TraceResult> {
    const executor: Executor = machine.executor;
    const snapshot: TraceSnapshot = {
      destination: request.host,
      agentId: machine.agentId,
      from: machine.name,
      ip: null,
      hops: [],
      maxHops: request.maxHops,
      complete: false,
      terminatedEarly: false,
      timedOut: false,
      durationMs: 0,
      running: true,
    };
    latest = snapshot;
    const started = performance.now();
    try {
      const outcome = await executor.runTraceroute(request, {
        signal: listeners.signal,
        onProgress: (event) => {
          if (event.type === "resolved") {
            snapshot.ip = event.ip;
            listeners.onResolved?.(event.ip);
            return;
          }
          const enriched = enrichHop(event.hop, geoip);
          const index = snapshot.hops.findIndex((h) => h.number === enriched.number);
          if (index === -1) snapshot.hops.push(enriched);
          else snapshot.hops[index] = enriched;
          listeners.onHop?.(enriched);
        },
      });
      snapshot.ip = outcome.ip;
      snapshot.hops = outcome.hops.map((hop) => enrichHop(hop, geoip));
      snapshot.terminatedEarly = outcome.terminatedEarly;
      snapshot.timedOut = outcome.timedOut;
    } catch (e) {
      if (listeners.signal.aborted) throw new TraceCancelled();
      if (e instanceof CommandNotFound) throw new AppError(503, "unavailable", e.message);
      if (e instanceof MachineUnavailable) throw new AppError(503, "agent_unavailable", e.message);
      if (e instanceof TracerouteError) throw new AppError(422, "traceroute_failed", e.message);
      throw e;
    } finally {
      snapshot.running = false;
      snapshot.durationMs = performance.now() - started;
    }
    snapshot.complete = reachedDestination(snapshot.hops, snapshot.ip);
    log.debug("traceroute finished", {
      destination: request.host,
      hops: snapshot.hops.length,
      complete: snapshot.complete,
      terminatedEarly: snapshot.terminatedEarly,
      timedOut: snapshot.timedOut,
    });
    const { running: _, ...outcome } = snapshot;
    return { ...outcome, hops: [...snapshot.hops] };
  }

  async function prepare(input: string, agentId: number | null = null): Promise<PreparedTrace> {
    // The host and the agent are checked before a slot is taken, so bad input never starts anything.
    const target = parseTarget(input, "host");
    const machine = await machines.of(agentId);
    const request: TracerouteRequest = {
      host: target.host,
      family: target.family,
      maxHops: settings.max_hops,
      waitSeconds: settings.wait_seconds,
      queries: settings.queries,
      numeric: !settings.resolve_hostnames,
      maxSilentHops: settings.max_silent_hops,
      timeoutSeconds: settings.timeout_seconds,
    };
    const release = slots.tryAcquire();
    if (!release)
      throw new TooManyRequests(
        `${settings.max_concurrent} traceroutes are already running; try again when one has finished`,
        5,
      );
    let started = false;
    return {
      destination: target.host,
      from: machine.name,
      maxHops: settings.max_hops,
      async run(listeners) {
        if (started) throw new Error("a prepared traceroute runs only once");
        started = true;
        try {
          return await execute(request, machine, listeners);
        } finally {
          release();
        }
      },
    };
  }

  return {
    /** Validates `input` and the agent, and reserves a slot; throws BadInput (`host`, `agentId`) or TooManyRequests. */
    prepare,

    /** Validates, runs and waits for a whole trace, here or from an agent. */
    async trace(input: string, listeners: TraceListeners, agentId: number | null = null): Promise<TraceResult> {
      return (await prepare(input, agentId)).run(listeners);
    },

    /** The trace started last (running or finished), if any. */
    latest(): TraceSnapshot | undefined {
      return latest && { ...latest, hops: [...latest.hops] };
    },
  };
}

export type TracerouteService = ReturnType<typeof createTracerouteService>;
