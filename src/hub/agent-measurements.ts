/**
 * What an agent's measurement endpoints answer, read into the protocol's types before the hub stores or shows it.
 * Stricter than the documents' readers (agent-payloads.ts): a measurement is stored as a result, so a figure that is
 * not a finite number (or null where the protocol allows it) makes the whole answer unreadable rather than a zero.
 * Strings are cut to a sane length and lists capped.
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

function num(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new PayloadInvalid(`${key} is not a number`);
  return v;
}

const nullableNum = (o: Obj, key: string): number | null => (o[key] === null ? null : num(o, key));

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
    ...(o.mbps !== undefined ? { mbps: num(o, "mbps") } : {}),
    ...(o.latencyMs !== undefined ? { latencyMs: num(o, "latencyMs") } : {}),
  };
}

export function readSpeedTestMeasurement(v: unknown): SpeedTestMeasurement {
  const o = obj(v, "measurement");
  return {
    serverId: text(o, "serverId"),
    serverName: text(o, "serverName"),
    serverHost: text(o, "serverHost"),
    downloadMbps: nullableNum(o, "downloadMbps"),
    uploadMbps: nullableNum(o, "uploadMbps"),
    latencyMs: nullableNum(o, "latencyMs"),
    jitterMs: nullableNum(o, "jitterMs"),
    packetLoss: nullableNum(o, "packetLoss"),
    isp: nullableText(o, "isp"),
    bytesDownloaded: num(o, "bytesDownloaded"),
    bytesUploaded: num(o, "bytesUploaded"),
    durationMs: num(o, "durationMs"),
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
    sent: num(o, "sent"),
    received: num(o, "received"),
    percent: Math.min(100, Math.max(0, num(o, "percent"))),
    hopCount: nullableNum(o, "hopCount"),
  };
}

function readProbeHop(v: unknown): ProbeHop {
  const o = obj(v, "hop");
  return {
    number: num(o, "number"),
    host: nullableText(o, "host"),
    ip: nullableText(o, "ip"),
    loss: num(o, "loss"),
    sent: num(o, "sent"),
    received: num(o, "received"),
    last: nullableNum(o, "last"),
    avg: nullableNum(o, "avg"),
    best: nullableNum(o, "best"),
    worst: nullableNum(o, "worst"),
    stddev: nullableNum(o, "stddev"),
  };
}

export function readProbeOutcome(v: unknown): ProbeOutcome {
  const o = obj(v, "outcome");
  return {
    method: method(o),
    ip: text(o, "ip"),
    packetLoss: num(o, "packetLoss"),
    packetsSent: num(o, "packetsSent"),
    packetsRecv: num(o, "packetsRecv"),
    minRtt: nullableNum(o, "minRtt"),
    avgRtt: nullableNum(o, "avgRtt"),
    maxRtt: nullableNum(o, "maxRtt"),
    stdDevRtt: nullableNum(o, "stdDevRtt"),
    rttSamplesMs: list(o.rttSamplesMs, "rttSamplesMs", MAX_SAMPLES, (s) => num({ s }, "s")),
    hops: o.hops === null ? null : list(o.hops, "hops", MAX_HOPS, readProbeHop),
    ...(o.fallbackReason !== undefined ? { fallbackReason: text(o, "fallbackReason", MAX_MESSAGE) } : {}),
  };
}

function readResponder(v: unknown): TracerouteResponder {
  const o = obj(v, "responder");
  return { host: text(o, "host"), ip: text(o, "ip"), rtts: list(o.rtts, "rtts", 10, (r) => num({ r }, "r")) };
}

function readTracerouteHop(v: unknown): TracerouteHop {
  const o = obj(v, "hop");
  return {
    number: num(o, "number"),
    host: nullableText(o, "host"),
    ip: nullableText(o, "ip"),
    rtts: list(o.rtts, "rtts", 10, (r) => (r === null ? null : num({ r }, "r"))),
    loss: num(o, "loss"),
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
    durationMs: num(o, "durationMs"),
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
