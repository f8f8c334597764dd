/**
 * Failures as data and back: what an agent sends when a measurement produced nothing, and the error the hub's
 * services then see, of the same class a local run would have thrown (so they store, refuse or report it alike).
 */
import { BadInput, NotFound } from "../core/errors";
import { CommandNotFound } from "../core/runner";
import type { MeasurementFailure } from "../protocol/measurements";
import { ProbeFailed } from "./probes/loss-probe";
import { isProbeMethod, PROBE_METHODS } from "./probes/registry";
import { TracerouteError } from "./probes/traceroute";
import { ProviderError } from "./providers/provider";

/** The failure behind `error`, or null for what is not a measurement failure (an abort, a bug). */
export function toFailure(error: unknown, measurement: MeasurementFailure["measurement"]): MeasurementFailure | null {
  if (error instanceof BadInput)
    return { kind: "bad_input", measurement, message: error.message, ...(error.field ? { field: error.field } : {}) };
  if (error instanceof NotFound) return { kind: "not_found", measurement, message: error.message };
  if (error instanceof CommandNotFound) return { kind: "unavailable", measurement, message: error.command };
  if (error instanceof ProbeFailed)
    return { kind: "failed", measurement, message: error.message, method: error.method };
  if (error instanceof ProviderError || error instanceof TracerouteError)
    return { kind: "failed", measurement, message: error.message };
  return null;
}

/** The error a local run would have thrown for `failure`. */
export function fromFailure(failure: MeasurementFailure): Error {
  switch (failure.kind) {
    case "bad_input":
      return new BadInput(failure.message, failure.field);
    case "not_found":
      return new NotFound(failure.message);
    case "unavailable":
      return new CommandNotFound(failure.message);
    case "failed":
      if (failure.measurement === "probe")
        return new ProbeFailed(
          failure.message,
          failure.method && isProbeMethod(failure.method) ? failure.method : PROBE_METHODS[0],
        );
      if (failure.measurement === "traceroute") return new TracerouteError(failure.message);
      return new ProviderError(failure.message);
  }
}
