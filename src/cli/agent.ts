/** `netronome agent`: the monitoring agent a hub connects to (flags over `[agent]` config). */

import { startAgent } from "../agent/agent";
import { AgentFlagError, type AgentFlags, resolveAgentOptions, securityWarnings } from "../agent/options";
import { loadConfig } from "../config/load";
import { buildInfo } from "../core/build-info";
import { createLogger } from "../core/log";
import { boolFlag, listFlag, type ParsedArgs, stringFlag, UsageError } from "./args";

function flagsFrom(args: ParsedArgs): AgentFlags {
  return {
    host: stringFlag(args, "host"),
    port: stringFlag(args, "port"),
    interface: stringFlag(args, "interface"),
    apiKey: stringFlag(args, "api-key"),
    diskIncludes: listFlag(args, "disk-include"),
    diskExcludes: listFlag(args, "disk-exclude"),
    disableSystemMetrics: boolFlag(args, "disable-system-metrics"),
    disableMeasurements: boolFlag(args, "disable-measurements"),
    logLevel: stringFlag(args, "log-level"),
  };
}

export async function agent(args: ParsedArgs): Promise<number> {
  const loaded = loadConfig({ path: stringFlag(args, "config") });
  let options: ReturnType<typeof resolveAgentOptions>;
  try {
    options = resolveAgentOptions(loaded.config, flagsFrom(args), loaded.dir);
  } catch (e) {
    if (e instanceof AgentFlagError) throw new UsageError(`agent: ${e.message}`);
    throw e;
  }
  const log = createLogger(options.logLevel);
  for (const w of loaded.warnings) log.warn(w);
  log.info("starting the Netronome agent", {
    version: buildInfo.version,
    config: loaded.file ?? "(none: defaults, environment and flags)",
  });
  for (const w of securityWarnings(options)) log.warn(w);
  const running = await startAgent(options, log, { version: buildInfo.version });

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info("shutting down", { signal });
      await running.stop();
      log.info("stopped");
      resolve(0);
    };
    // Handlers stay installed: a repeated signal during shutdown must not kill the process mid-way.
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
  });
}
