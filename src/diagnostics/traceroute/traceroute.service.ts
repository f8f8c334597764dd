/**
 * Runs traceroutes: the typed host is parsed and validated before anything is
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
import { CommandNotFound, type RunResult, run } from "../../core/runner";
import { Semaphore } from "../../scheduler/semaphore";
import { countryFlag, formatAsn, type GeoIp } from "../geoip";
import {
  checkTracerouteExit,
  shouldStopTraceroute,
  TracerouteError,
  type TracerouteHop,
  TracerouteStream,
  tracerouteArgv,
} from "../probes/traceroute";

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

export function createTracerouteService(deps: { settings: TracerouteSettings; geoip: GeoIp; log: Logger }) {
  const { settings, geoip, log } = deps;
  const slots = new Semaphore(settings.max_concurrent);
  let latest: TraceSnapshot | undefined;

  async function execute(destination: string, argv: string[], listeners: TraceListeners): Promise<TraceResult> {
    const snapshot: TraceSnapshot = {
      destination,
      ip: null,
      hops: [],
      maxHops: settings.max_hops,
      complete: false,
      terminatedEarly: false,
      timedOut: false,
      durationMs: 0,
      running: true,
    };
    latest = snapshot;
    const started = performance.now();
    const silence = new AbortController();
    // The header and the first hops can arrive in one chunk: the address is reported before any hop.
    const noteResolved = () => {
      if (snapshot.ip !== null || !stream.header) return;
      snapshot.ip = stream.header.ip;
      listeners.onResolved?.(snapshot.ip);
    };
    const stream: TracerouteStream = new TracerouteStream({
      queries: settings.queries,
      onHop: (hop) => {
        // Output already on its way when the early stop fired is not part of the trace.
        if (silence.signal.aborted) return;
        noteResolved();
        const enriched = enrichHop(hop, geoip);
        const index = snapshot.hops.findIndex((h) => h.number === hop.number);
        if (index === -1) snapshot.hops.push(enriched);
        else snapshot.hops[index] = enriched;
        listeners.onHop?.(enriched);
        if (shouldStopTraceroute(stream.completedHops, settings.max_silent_hops)) silence.abort();
      },
    });
    let result: RunResult | undefined;
    try {
      result = await run(argv, {
        timeoutMs: settings.timeout_seconds * 1000,
        signal: AbortSignal.any([listeners.signal, silence.signal]),
        onChunk: (text, source) => {
          if (source !== "stdout") return;
          stream.push(text);
          noteResolved();
        },
      });
      // A line cut short by the time limit would count its pending probes as lost; only a normal exit flushes it.
      if (!result.timedOut) stream.end();
      checkTracerouteExit(result, destination);
    } catch (e) {
      if (listeners.signal.aborted) throw new TraceCancelled();
      if (e instanceof CommandNotFound) throw new AppError(503, "unavailable", e.message);
      if (e instanceof TracerouteError) throw new AppError(422, "traceroute_failed", e.message);
      if (!silence.signal.aborted) throw e;
      snapshot.terminatedEarly = true;
    } finally {
      snapshot.running = false;
      snapshot.durationMs = performance.now() - started;
    }
    snapshot.timedOut = result?.timedOut ?? false;
    snapshot.complete = reachedDestination(snapshot.hops, snapshot.ip);
    log.debug("traceroute finished", {
      destination,
      hops: snapshot.hops.length,
      complete: snapshot.complete,
      terminatedEarly: snapshot.terminatedEarly,
      timedOut: snapshot.timedOut,
    });
    const { running: _, ...outcome } = snapshot;
    return { ...outcome, hops: [...snapshot.hops] };
  }

  function prepare(input: string): PreparedTrace {
    // Parsing and argv building validate the host before a slot is taken, so bad input never starts anything.
    const target = parseTarget(input, "host");
    const argv = tracerouteArgv({
      host: target.host,
      family: target.family,
      maxHops: settings.max_hops,
      waitSeconds: settings.wait_seconds,
      queries: settings.queries,
      numeric: !settings.resolve_hostnames,
    });
    const release = slots.tryAcquire();
    if (!release)
      throw new TooManyRequests(
        `${settings.max_concurrent} traceroutes are already running; try again when one has finished`,
        5,
      );
    let started = false;
    return {
      destination: target.host,
      maxHops: settings.max_hops,
      async run(listeners) {
        if (started) throw new Error("a prepared traceroute runs only once");
        started = true;
        try {
          return await execute(target.host, argv, listeners);
        } finally {
          release();
        }
      },
    };
  }

  return {
    /** Validates `input` and reserves a slot; throws BadInput (field `host`) or TooManyRequests. */
    prepare,

    /** Validates, runs and waits for a whole trace. */
    trace(input: string, listeners: TraceListeners): Promise<TraceResult> {
      return prepare(input).run(listeners);
    },

    /** The trace started last (running or finished), if any. */
    latest(): TraceSnapshot | undefined {
      return latest && { ...latest, hops: [...latest.hops] };
    },
  };
}

export type TracerouteService = ReturnType<typeof createTracerouteService>;
