/**
 * An Executor that measures on an agent, through its measurement endpoints (MEASURE_PATHS): the request goes out
 * as JSON, progress comes back as events and reaches the caller as the local executor's would, and the run ends in
 * exactly what a local run returns or throws. A failure the agent reports is rebuilt with measure/failure.ts;
 * an agent that cannot be asked, refuses, is busy, or goes silent or away mid-run (a restart) throws
 * MachineUnavailable, so nothing half-measured is ever returned. Aborting closes the stream, which stops the
 * agent's tools.
 */
import { BadInput } from "../core/errors";
import { SseLineTooLong, SseParser } from "../core/sse-reader";
import type { Control, Executor } from "../measure/executor";
import { MachineUnavailable } from "../measure/executor";
import { fromFailure } from "../measure/failure";
import { MEASURE_EVENTS, MEASURE_PATHS, type MeasurementCapacity } from "../protocol/agent";
import type { MeasurementFailure, ProbeHost } from "../protocol/measurements";
import { AgentRequestFailed, type AgentTarget, getAgentJson, openAgentStream, plainNetworkError } from "./agent-client";
import {
  readFailure,
  readProbeOutcome,
  readProbeProgress,
  readServers,
  readSpeedTestMeasurement,
  readSpeedTestProgress,
  readTracerouteOutcome,
  readTracerouteProgress,
} from "./agent-measurements";
import { PayloadInvalid } from "./agent-payloads";

/** The agent sends a heartbeat every 15 s; a stream silent for this long has lost its agent. */
export const MEASUREMENT_SILENCE_MS = 45_000;
/**
 * Progress that says where a run is now (a speed test's rate, a probe's count) closer together than this is dropped
 * unread: agents report every 250 ms, and each one reaches every open page.
 */
const MIN_PROGRESS_GAP_MS = 100;
/**
 * A measurement's stream carries progress events and one outcome: a trace of 255 hops is well below the burst, and
 * progress a few hundred bytes a second. A stream that sends more than this on average is a flood that would spend
 * the hub's time parsing it: the run is given up.
 */
const STREAM_BURST_BYTES = 4 << 20;
const STREAM_BYTES_PER_SECOND = 64 << 10;
/** Server lists come from the internet on the agent's side: they may take a while. */
const SERVER_LIST_TIMEOUT_MS = 60_000;

export interface AgentMachine {
  /** How pages and messages name the agent. */
  name: string;
  /** Where to reach it now (its stored URL and key may change between runs). */
  target(): AgentTarget;
  /** What its GET / said about measurements, when it was last read. */
  capacity(): MeasurementCapacity | undefined;
}

type Kind = MeasurementFailure["measurement"];

interface Readers<Progress, Outcome> {
  progress(v: unknown): Progress;
  outcome(v: unknown): Outcome;
  /** Each progress event replaces the last (not a trace's hops, which add up): ones too close are dropped. */
  latestOnly: boolean;
}

/** What a refused or failed request means for a measurement: the error a local run would throw, or unavailability. */
function requestFailure(error: AgentRequestFailed, name: string, kind: Kind): Error {
  const details = error.details;
  if (error.status === 400 && typeof details?.message === "string")
    return new BadInput(details.message, typeof details.field === "string" ? details.field : undefined);
  if (error.status === 502 && details?.failure) return fromFailure(readFailure(details.failure, kind));
  if (error.status === 429) return new MachineUnavailable("busy", `agent "${name}" is busy: ${error.message}`);
  if (error.kind === "unauthorized")
    return new MachineUnavailable("refused", `agent "${name}" refused the hub's API key`);
  if (error.kind === "not_found")
    return new MachineUnavailable(
      "refused",
      `agent "${name}" runs no measurements (it needs an API key, and a version that has them, without disable_measurements)`,
    );
  return new MachineUnavailable("unreachable", `agent "${name}" is unreachable: ${error.message}`);
}

const lost = (name: string, why: string) =>
  new MachineUnavailable("lost", `the connection to agent "${name}" was lost during the measurement (${why})`);

/** Reads a measurement's events to its one outcome or failure; anything else ending the stream is a loss. */
async function readRun<Progress, Outcome>(
  body: ReadableStream<Uint8Array>,
  machine: AgentMachine,
  kind: Kind,
  readers: Readers<Progress, Outcome>,
  control: Control<Progress>,
  silenceMs: number,
): Promise<Outcome> {
  const parser = new SseParser(1 << 20);
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let silent = false;
  const silence = () =>
    setTimeout(() => {
      silent = true;
      void reader.cancel().catch(() => {});
    }, silenceMs);
  let watchdog = silence();
  const heard = () => {
    clearTimeout(watchdog);
    watchdog = silence();
  };
  const stop = () => void reader.cancel().catch(() => {});
  control.signal.addEventListener("abort", stop, { once: true });
  let allowance = STREAM_BURST_BYTES;
  let refilled = Date.now();
  let lastProgress = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        control.signal.throwIfAborted();
        throw lost(machine.name, plainNetworkError(error));
      }
      control.signal.throwIfAborted();
      if (chunk.done) throw lost(machine.name, silent ? "it went silent" : "it closed the stream; did it restart?");
      heard();
      const now = Date.now();
      allowance = Math.min(STREAM_BURST_BYTES, allowance + ((now - refilled) * STREAM_BYTES_PER_SECOND) / 1000);
      refilled = now;
      allowance -= chunk.value.byteLength;
      if (allowance < 0)
        throw new MachineUnavailable("lost", `agent "${machine.name}" sends far more than a measurement needs`);
      for (const item of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (item.kind !== "event") continue;
        const { event, data } = item.event;
        if (event === MEASURE_EVENTS.progress) {
          if (readers.latestOnly && now - lastProgress < MIN_PROGRESS_GAP_MS) continue;
          lastProgress = now;
          control.onProgress?.(readers.progress(JSON.parse(data)));
          continue;
        }
        const value = JSON.parse(data) as unknown;
        if (event === MEASURE_EVENTS.outcome) return readers.outcome(value);
        else if (event === MEASURE_EVENTS.failure) throw fromFailure(readFailure(value, kind));
      }
    }
  } catch (error) {
    if (error instanceof PayloadInvalid || error instanceof SyntaxError || error instanceof SseLineTooLong)
      throw new MachineUnavailable(
        "lost",
        `agent "${machine.name}" sent an answer this hub cannot read: ${error.message}`,
      );
    throw error;
  } finally {
    clearTimeout(watchdog);
    control.signal.removeEventListener("abort", stop);
    await reader.cancel().catch(() => {});
  }
}

export function createAgentExecutor(
  machine: AgentMachine,
  { silenceMs = MEASUREMENT_SILENCE_MS }: { silenceMs?: number } = {},
): Executor {
  async function run<Progress, Outcome>(
    kind: Kind,
    path: string,
    request: unknown,
    readers: Readers<Progress, Outcome>,
    control: Control<Progress>,
  ): Promise<Outcome> {
    control.signal.throwIfAborted();
    let body: ReadableStream<Uint8Array>;
    try {
      body = await openAgentStream(machine.target(), path, { signal: control.signal, json: request });
    } catch (error) {
      control.signal.throwIfAborted();
      if (error instanceof AgentRequestFailed) throw requestFailure(error, machine.name, kind);
      throw error;
    }
    return readRun(body, machine, kind, readers, control, silenceMs);
  }

  return {
    get probeHost(): ProbeHost {
      // Until the agent has said otherwise, plan as for a machine without root (the slower, safer plan).
      return { root: machine.capacity()?.root ?? false };
    },

    async listServers(provider, signal) {
      try {
        const body = await getAgentJson(machine.target(), MEASURE_PATHS.measure_servers, {
          signal,
          timeoutMs: SERVER_LIST_TIMEOUT_MS,
          query: { provider },
        });
        return readServers(body);
      } catch (error) {
        signal.throwIfAborted();
        if (error instanceof AgentRequestFailed) throw requestFailure(error, machine.name, "speedtest");
        if (error instanceof PayloadInvalid)
          throw new MachineUnavailable("lost", `agent "${machine.name}" sent a server list this hub cannot read`);
        throw error;
      }
    },

    runSpeedTest: (request, control) =>
      run(
        "speedtest",
        MEASURE_PATHS.measure_speedtest,
        request,
        { progress: readSpeedTestProgress, outcome: readSpeedTestMeasurement, latestOnly: true },
        control,
      ),

    runProbe: (request, control) =>
      run(
        "probe",
        MEASURE_PATHS.measure_probe,
        request,
        { progress: readProbeProgress, outcome: readProbeOutcome, latestOnly: true },
        control,
      ),

    runTraceroute: (request, control) =>
      run(
        "traceroute",
        MEASURE_PATHS.measure_traceroute,
        request,
        { progress: readTracerouteProgress, outcome: readTracerouteOutcome, latestOnly: false },
        control,
      ),
  };
}
