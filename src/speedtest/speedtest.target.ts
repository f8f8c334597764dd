/**
 * What a speed test runs against, resolved from its options before anything starts: the provider, a listed server,
 * a typed or saved host, or another machine's LibreSpeed endpoint (an agent's, `agent-<id>`), checked for the
 * machine the test runs from.
 */
import { BadInput, NotFound } from "../core/errors";
import { formatTarget, parseTarget } from "../core/host";
import { LIBRESPEED_AGENT_PREFIX } from "../hub/machines";
import { PROVIDERS } from "../measure/providers/registry";
import type { LibreSpeedServerEntry } from "../protocol/measurements";
import type { IperfServersService } from "./iperf-servers.service";
import type { SpeedtestRepository } from "./speedtest.repository";
import type { TestOptions, TestType } from "./speedtest.schema";

/** Prefix of saved iperf3 server IDs in server lists and TestOptions.serverIds. */
export const SAVED_IPERF_PREFIX = "iperf-";

export interface TestTarget {
  testType: TestType;
  serverId?: string;
  host?: string;
  displayName: string;
  udp: boolean;
  /** An agent's LibreSpeed endpoint, tested instead of a listed server. */
  libreSpeedServer?: LibreSpeedServerEntry;
}

export interface TargetSources {
  repo: Pick<SpeedtestRepository, "findIperfServer">;
  iperfServers: Pick<IperfServersService, "find">;
  /** An agent's LibreSpeed entry (machines.ts); `forAgent` when the test runs from another agent. */
  libreSpeedEntry(agentId: number, o: { forAgent: boolean; signal: AbortSignal }): Promise<LibreSpeedServerEntry>;
}

/** `testType` comes from speedtest.service's testTypeOf, so both agree on the original's flags. */
export async function resolveTarget(
  sources: TargetSources,
  testType: TestType,
  options: TestOptions,
  runFrom: number | null,
): Promise<TestTarget> {
  const provider = PROVIDERS[testType];
  const requested = options.serverIds?.find((id) => id.trim() !== "");
  if (provider.target === "servers") {
    if (requested?.startsWith(LIBRESPEED_AGENT_PREFIX) && testType === "librespeed") {
      const agentId = Number(requested.slice(LIBRESPEED_AGENT_PREFIX.length));
      if (!Number.isInteger(agentId) || agentId < 1) throw new NotFound(`LibreSpeed server "${requested}" not found`);
      if (agentId === runFrom) throw new BadInput("serverIds: an agent cannot test against itself", "serverIds");
      const entry = await sources.libreSpeedEntry(agentId, {
        forAgent: runFrom !== null,
        signal: AbortSignal.timeout(15_000),
      });
      return { testType, serverId: requested, displayName: entry.name, udp: false, libreSpeedServer: entry };
    }
    return {
      testType,
      serverId: requested,
      displayName: options.serverName ?? requested ?? "closest server",
      udp: false,
    };
  }
  if (options.serverHost?.trim()) {
    const target = parseTarget(options.serverHost, "serverHost");
    // A typed address of a saved server is that server: its results carry its name.
    const saved = options.serverName ? undefined : await sources.iperfServers.find(target.host, target.port);
    return {
      testType,
      host: formatTarget(target),
      displayName: options.serverName || saved?.name || formatTarget(target),
      udp: Boolean(options.useUdp),
    };
  }
  if (provider.savedServers && requested?.startsWith(SAVED_IPERF_PREFIX)) {
    const saved = await sources.repo.findIperfServer(Number(requested.slice(SAVED_IPERF_PREFIX.length)));
    if (!saved) throw new NotFound(`iperf3 server "${requested}" not found`);
    return {
      testType,
      host: formatTarget({ host: saved.host, port: saved.port }),
      displayName: saved.name,
      udp: Boolean(options.useUdp),
    };
  }
  throw new BadInput(
    `serverHost: a test with ${provider.label} needs a host (host, host:port or [IPv6]:port)${provider.savedServers ? " or a saved server" : ""}`,
    "serverHost",
  );
}
