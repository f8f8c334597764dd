/**
 * What an agent's measurement endpoints answer, read into the protocol's types before the hub stores or shows it.
 * Stricter than the documents' readers (agent-payloads.ts): a measurement is stored as a result, so a figure that is
 * not a finite number in the range a measurement can have (a percentage from 0 to 100, a count that is a whole number,
 * a time that is not negative; null where the protocol allows it) makes the whole answer unreadable rather than a
 * zero or a loss of 250 %. Strings are cut to a sane length and lists capped.
 */
import { isProbeMethod, PROBE_METHODS, type ProbeMethod } from "../measure/probes/registry";
import type { AgentLibreSpeed } from "../protocol/agent";
import type {
  MeasurementFailure,
  ProbeHop,
  ProbeOutcome,
  ProbeProgress,
  SpeedTestMeasurement,
  SpeedTestProgress,
  SpeedTestServer,
  TracerouteHop,
  TracerouteOutcome,
  TracerouteProgress,
  TracerouteResponder,
} from "../protocol/measurements";
import { PayloadInvalid } from "./agent-payloads";

type Obj = Record<string, unknown>;

const MAX_TEXT = 256;
const MAX_MESSAGE = 1000;
const MAX_HOPS = 255;
/** A run of 1000 probes (the most a monitor sends) has at most this many RTTs. */
const MAX_SAMPLES = 1000;
const MAX_SERVERS = 5000;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new PayloadInvalid(`${what} is not an object`);
  return v as Obj;
}

/** The ranges figures are read in: what a measurement can produce, and what the results' columns can hold. */
const RANGES = {
  any: [-Number.MAX_VALUE, Number.MAX_VALUE],
  /** Times (ms) and rates (Mbit/s): never negative. */
  positive: [0, Number.MAX_VALUE],
  percent: [0, 100],
  /** iperf3 reports datagrams that arrived twice or out of order as a negative loss, and so does a local run. */
  loss: [-100, 100],
  /** Packets and probes: whole numbers within what a double holds exactly. */
  count: [0, Number.MAX_SAFE_INTEGER],
  /** Bytes moved (stored rounded, in a 64-bit column). */
  bytes: [0, Number.MAX_SAFE_INTEGER],
  /** A run's duration is stored rounded in a 32-bit column: about 24 days. */
  durationMs: [0, 2 ** 31 - 1],
  hop: [1, 255],
} as const;
type Range = keyof typeof RANGES;
const WHOLE: ReadonlySet<Range> = new Set(["count", "hop"]);

function num(o: Obj, key: string, range: Range = "any"): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new PayloadInvalid(`${key} is not a number`);
  const [min, max] = RANGES[range];
  if (v < min || v > max || (WHOLE.has(range) && !Number.isInteger(v)))
    throw new PayloadInvalid(`${key} is ${v}, which no measurement gives`);
  return v;
}

const nullableNum = (o: Obj, key: string, range: Range = "any"): number | null =>
  o[key] === null ? null : num(o, key, range);

function text(o: Obj, key: string, max = MAX_TEXT): string {
  const v = o[key];
  if (typeof v !== "string") throw new PayloadInvalid(`${key} is not a string`);
  return v.slice(0, max);
}

const nullableText = (o: Obj, key: string): string | null =>
  o[key] === null || o[key] === undefined ? null : text(o, key);

function list<T>(v: unknown, key: string, max: number, read: (item: unknown) => T): T[] {
  if (!Array.isArray(v)) throw new PayloadInvalid(`${key} is not a list`);
  return v.slice(0, max).map(read);
}

function method(o: Obj): ProbeMethod {
  const m = o.method;
  if (typeof m !== "string" || !isProbeMethod(m)) throw new PayloadInvalid(`method ${String(m)} is unknown here`);
  return m;
}

export function readSpeedTestProgress(v: unknown): SpeedTestProgress {
  const o = obj(v, "progress");
  const phase = o.phase;
  if (phase !== "latency" && phase !== "download" && phase !== "upload") throw new PayloadInvalid("phase is unknown");
  return {
    phase,
    percent: Math.min(100, Math.max(0, num(o, "percent"))),
    ...(o.mbps !== undefined ? { mbps: num(o, "mbps", "positive") } : {}),
    ...(o.latencyMs !== undefined ? { latencyMs: num(o, "latencyMs", "positive") } : {}),
  };
}

export function readSpeedTestMeasurement(v: unknown): SpeedTestMeasurement {
  const o = obj(v, "measurement");
  return {
    serverId: text(o, "serverId"),
    serverName: text(o, "serverName"),
    serverHost: text(o, "serverHost"),
    downloadMbps: nullableNum(o, "downloadMbps", "positive"),
    uploadMbps: nullableNum(o, "uploadMbps", "positive"),
    latencyMs: nullableNum(o, "latencyMs", "positive"),
    jitterMs: nullableNum(o, "jitterMs", "positive"),
    packetLoss: nullableNum(o, "packetLoss", "loss"),
    isp: nullableText(o, "isp"),
    bytesDownloaded: num(o, "bytesDownloaded", "bytes"),
    bytesUploaded: num(o, "bytesUploaded", "bytes"),
    durationMs: num(o, "durationMs", "durationMs"),
  };
}

export function readServers(v: unknown): SpeedTestServer[] {
  return list(v, "servers", MAX_SERVERS, (item) => {
    const o = obj(item, "server");
    const flag = (key: string) => o[key] === true;
    return {
      id: text(o, "id"),
      name: text(o, "name"),
      host: text(o, "host"),
      distance: num(o, "distance"),
      country: text(o, "country"),
      sponsor: text(o, "sponsor"),
      url: text(o, "url", 2048),
      lat: num(o, "lat"),
      lon: num(o, "lon"),
      isIperf: flag("isIperf"),
      isLibrespeed: flag("isLibrespeed"),
      isPublic: flag("isPublic"),
    };
  });
}

export function readProbeProgress(v: unknown): ProbeProgress {
  const o = obj(v, "progress");
  return {
    method: method(o),
    sent: num(o, "sent", "count"),
    received: num(o, "received", "count"),
    percent: Math.min(100, Math.max(0, num(o, "percent"))),
    hopCount: nullableNum(o, "hopCount", "count"),
  };
}

function readProbeHop(v: unknown): ProbeHop {
  const o = obj(v, "hop");
  return {
    number: num(o, "number", "hop"),
    host: nullableText(o, "host"),
    ip: nullableText(o, "ip"),
    loss: num(o, "loss", "percent"),
    sent: num(o, "sent", "count"),
    received: num(o, "received", "count"),
    last: nullableNum(o, "last", "positive"),
    avg: nullableNum(o, "avg", "positive"),
    best: nullableNum(o, "best", "positive"),
    worst: nullableNum(o, "worst", "positive"),
    stddev: nullableNum(o, "stddev", "positive"),
  };
}

export function readProbeOutcome(v: unknown): ProbeOutcome {
  const o = obj(v, "outcome");
  return {
    method: method(o),
    ip: text(o, "ip"),
    packetLoss: num(o, "packetLoss", "percent"),
    packetsSent: num(o, "packetsSent", "count"),
    packetsRecv: num(o, "packetsRecv", "count"),
    minRtt: nullableNum(o, "minRtt", "positive"),
    avgRtt: nullableNum(o, "avgRtt", "positive"),
    maxRtt: nullableNum(o, "maxRtt", "positive"),
    stdDevRtt: nullableNum(o, "stdDevRtt", "positive"),
    rttSamplesMs: list(o.rttSamplesMs, "rttSamplesMs", MAX_SAMPLES, (s) => num({ s }, "s", "positive")),
    hops: o.hops === null ? null : list(o.hops, "hops", MAX_HOPS, readProbeHop),
    ...(o.fallbackReason !== undefined ? { fallbackReason: text(o, "fallbackReason", MAX_MESSAGE) } : {}),
  };
}

function readResponder(v: unknown): TracerouteResponder {
  const o = obj(v, "responder");
  return {
    host: text(o, "host"),
    ip: text(o, "ip"),
    rtts: list(o.rtts, "rtts", 10, (r) => num({ r }, "r", "positive")),
  };
}

function readTracerouteHop(v: unknown): TracerouteHop {
  const o = obj(v, "hop");
  return {
    number: num(o, "number", "hop"),
    host: nullableText(o, "host"),
    ip: nullableText(o, "ip"),
    rtts: list(o.rtts, "rtts", 10, (r) => (r === null ? null : num({ r }, "r", "positive"))),
    loss: num(o, "loss", "percent"),
    annotations: list(o.annotations, "annotations", 10, (a) => text({ a }, "a", 32)),
    responders: list(o.responders, "responders", 10, readResponder),
    timeout: o.timeout === true,
  };
}

export function readTracerouteProgress(v: unknown): TracerouteProgress {
  const o = obj(v, "progress");
  if (o.type === "resolved") return { type: "resolved", ip: text(o, "ip") };
  if (o.type === "hop") return { type: "hop", hop: readTracerouteHop(o.hop) };
  throw new PayloadInvalid("progress type is unknown");
}

export function readTracerouteOutcome(v: unknown): TracerouteOutcome {
  const o = obj(v, "outcome");
  return {
    ip: nullableText(o, "ip"),
    hops: list(o.hops, "hops", MAX_HOPS, readTracerouteHop),
    terminatedEarly: o.terminatedEarly === true,
    timedOut: o.timedOut === true,
    durationMs: num(o, "durationMs", "positive"),
  };
}

const ENDPOINT = /^[A-Za-z0-9._~-]{1,64}$/;

/** The agent's LibreSpeed entry: a path under the agent and plain endpoint names, nothing that leaves the agent. */
export function readLibreSpeedInfo(v: unknown): AgentLibreSpeed {
  const o = obj(v, "LibreSpeed entry");
  const path = text(o, "path", 512);
  if (!/^\/[A-Za-z0-9._~/-]*\/$/.test(path) || path.includes("//"))
    throw new PayloadInvalid("path is not a plain path");
  const endpoint = (key: string) => {
    const value = text(o, key, 64);
    if (!ENDPOINT.test(value)) throw new PayloadInvalid(`${key} is not a plain name`);
    return value;
  };
  const secret = o.secret === "token" ? "token" : "api_key";
  return {
    path,
    dlURL: endpoint("dlURL"),
    ulURL: endpoint("ulURL"),
    pingURL: endpoint("pingURL"),
    getIpURL: endpoint("getIpURL"),
    secret,
  };
}

const FAILURE_KINDS = ["bad_input", "not_found", "unavailable", "failed"] as const;

export function readFailure(v: unknown, measurement: MeasurementFailure["measurement"]): MeasurementFailure {
  const o = obj(v, "failure");
  const kind = FAILURE_KINDS.find((k) => k === o.kind);
  if (!kind) throw new PayloadInvalid("failure kind is unknown");
  const m = typeof o.method === "string" && isProbeMethod(o.method) ? o.method : PROBE_METHODS[0];
  return {
    kind,
    measurement,
    message: text(o, "message", MAX_MESSAGE),
    ...(typeof o.field === "string" ? { field: o.field.slice(0, 64) } : {}),
    ...(measurement === "probe" ? { method: m } : {}),
  };
}
