/**
 * The JSON shapes of traceroute: the original's fields (`rtt1`–`rtt3` numeric,
 * 0 for a lost probe; `*` as host and IP of a silent hop; `as`, `location` and
 * `countryCode` only when known) plus what the original could not report:
 * every probe's RTT (null when lost), loss, annotations and all responders.
 */
import type { TraceHop, TraceResult, TraceSnapshot } from "./traceroute.service";

export function hopJson(hop: TraceHop) {
  const rtt = (index: number) => hop.rtts[index] ?? 0;
  return {
    number: hop.number,
    host: hop.host ?? "*",
    ip: hop.ip ?? "*",
    rtt1: rtt(0),
    rtt2: rtt(1),
    rtt3: rtt(2),
    timeout: hop.timeout,
    ...(hop.as ? { as: hop.as } : {}),
    ...(hop.country ? { location: hop.country } : {}),
    ...(hop.countryCode ? { countryCode: hop.countryCode } : {}),
    ...(hop.flag ? { flag: hop.flag } : {}),
    ...(hop.asn !== undefined ? { asn: hop.asn } : {}),
    rtts: hop.rtts,
    loss: hop.loss,
    annotations: hop.annotations,
    responders: hop.responders,
  };
}

/** GET /api/traceroute: `{destination, ip, hops, totalHops, complete}` and why the trace ended. */
export function tracerouteJson(r: TraceResult) {
  return {
    destination: r.destination,
    ip: r.ip ?? "",
    hops: r.hops.map(hopJson),
    totalHops: r.hops.length,
    complete: r.complete,
    terminatedEarly: r.terminatedEarly,
    timedOut: r.timedOut,
    maxHops: r.maxHops,
    durationMs: Math.round(r.durationMs),
    /** Extension: where the trace ran (null: this server). */
    agentId: r.agentId,
    from: r.from,
  };
}

/** The original's TracerouteUpdate for GET /api/traceroute/status; `progress` is percent of the hop limit. */
export function statusJson(s: TraceSnapshot | undefined) {
  if (!s) return { type: "traceroute", isComplete: true, progress: 0, currentHop: 0, totalHops: 0, hops: [] };
  const currentHop = s.hops.at(-1)?.number ?? 0;
  return {
    type: "traceroute",
    host: s.destination,
    destination: s.destination,
    ip: s.ip ?? "",
    progress: s.running ? Math.min(100, (currentHop / s.maxHops) * 100) : 100,
    isComplete: !s.running,
    currentHop,
    totalHops: s.hops.length,
    hops: s.hops.map(hopJson),
    terminatedEarly: s.terminatedEarly,
    agentId: s.agentId,
    from: s.from,
  };
}
