/**
 * What the agent's measurements need at run time (the providers, probes and tools' parsers), loaded on the first
 * measurement request rather than at start: an agent that is never asked to measure does not keep that code in
 * memory.
 */
import { createLocalExecutor, type Executor } from "../measure/executor";
import { toFailure } from "../measure/failure";
import { createProviders, isProviderId } from "../measure/providers/registry";
import { parseProbeRequest, parseSpeedTestRequest, parseTracerouteRequest } from "../measure/requests";
import type { MeasureSettings } from "./options";

export interface MeasureRuntime {
  executor: Executor;
  parse: {
    speedtest: typeof parseSpeedTestRequest;
    probe: typeof parseProbeRequest;
    traceroute: typeof parseTracerouteRequest;
  };
  toFailure: typeof toFailure;
  isProviderId: typeof isProviderId;
}

export function createMeasureRuntime(settings: MeasureSettings): MeasureRuntime {
  const providers = createProviders({ speedtest: settings.speedtest, dir: settings.configDir });
  return {
    executor: createLocalExecutor({ providers }),
    parse: { speedtest: parseSpeedTestRequest, probe: parseProbeRequest, traceroute: parseTracerouteRequest },
    toFailure,
    isProviderId,
  };
}
