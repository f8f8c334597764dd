/**
 * One traceroute run: hops reported as soon as they are complete, and the trace ends at the destination, after
 * `maxSilentHops` silent hops in a row, at `timeoutSeconds`, or when the caller's signal aborts.
 */
import { type RunResult, run } from "../../core/runner";
import type {
  TracerouteHop,
  TracerouteOutcome,
  TracerouteProgress,
  TracerouteRequest,
} from "../../protocol/measurements";
import { checkTracerouteExit, shouldStopTraceroute, TracerouteStream, tracerouteArgv } from "./traceroute";

/**
 * Runs the trace. Throws BadInput for a request that cannot become an argv (before anything starts),
 * CommandNotFound without traceroute, TracerouteError when traceroute itself failed; aborting kills it and
 * rejects with the signal's reason.
 */
export async function runTraceroute(
  request: TracerouteRequest,
  control: { signal: AbortSignal; onProgress?: (event: TracerouteProgress) => void },
): Promise<TracerouteOutcome> {
  const argv = tracerouteArgv(request);
  const started = performance.now();
  const silence = new AbortController();
  let ip: string | null = null;
  const hops: TracerouteHop[] = [];
  // The header and the first hops can arrive in one chunk: the address is reported before any hop.
  const noteResolved = () => {
    if (ip !== null || !stream.header) return;
    ip = stream.header.ip;
    control.onProgress?.({ type: "resolved", ip });
  };
  const stream: TracerouteStream = new TracerouteStream({
    queries: request.queries,
    onHop: (hop) => {
      // Output already on its way when the early stop fired is not part of the trace.
      if (silence.signal.aborted) return;
      noteResolved();
      const index = hops.findIndex((h) => h.number === hop.number);
      if (index === -1) hops.push(hop);
      else hops[index] = hop;
      control.onProgress?.({ type: "hop", hop });
      if (shouldStopTraceroute(stream.completedHops, request.maxSilentHops)) silence.abort();
    },
  });
  let result: RunResult | undefined;
  let terminatedEarly = false;
  try {
    result = await run(argv, {
      timeoutMs: request.timeoutSeconds * 1000,
      signal: AbortSignal.any([control.signal, silence.signal]),
      onChunk: (text, source) => {
        if (source !== "stdout") return;
        stream.push(text);
        noteResolved();
      },
    });
    // A line cut short by the time limit would count its pending probes as lost; only a normal exit flushes it.
    if (!result.timedOut) stream.end();
    checkTracerouteExit(result, request.host);
  } catch (e) {
    if (control.signal.aborted || !silence.signal.aborted) throw e;
    terminatedEarly = true;
  }
  return {
    ip,
    hops,
    terminatedEarly,
    timedOut: result?.timedOut ?? false,
    durationMs: performance.now() - started,
  };
}
