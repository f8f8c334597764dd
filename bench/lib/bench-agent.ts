/**
 * A `netronome agent` (the compiled binary) for benchmarks that measure through one: it listens on 127.0.0.1 with
 * an API key, takes its settings from NETRONOME__* variables, and is driven by the hub's own agent executor, so a
 * speed test "from the agent" goes the way it goes in the appliance (request, event stream, outcome).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createAgentExecutor } from "../../src/hub/agent-executor";
import type { Executor } from "../../src/measure/executor";
import type { SpeedTestProvider } from "../../src/measure/providers/provider";
import type { ProviderId } from "../../src/measure/providers/registry";
import { ensureAppBinary } from "./build";
import { freePort, LOOPBACK } from "./net";
import { type Child, startChild, waitForOk } from "./process";

const API_KEY = "bench-agent-key-0123456789abcdef";

export interface BenchAgent {
  readonly child: Child;
  readonly executor: Executor;
  /** A provider whose tests run on the agent (what the hub does for a test "run from" an agent). */
  provider(id: ProviderId): SpeedTestProvider;
}

/** Starts the agent with its HOME in `<parent>/agent`. */
export async function startBenchAgent(parent: string, env: Record<string, string>): Promise<BenchAgent> {
  const binary = await ensureAppBinary();
  const dir = join(parent, "agent");
  mkdirSync(dir);
  const port = freePort();
  const command = [binary, "agent", "--host", LOOPBACK, "--port", String(port), "--api-key", API_KEY];
  const child = startChild([...command, "--interface", "lo"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    logPath: join(dir, "agent.log"),
  });
  const url = `http://${LOOPBACK}:${port}`;
  await waitForOk(`${url}/`, child, { intervalMs: 20, timeoutMs: 15_000 });
  const executor = createAgentExecutor({
    name: "bench agent",
    target: () => ({ url, apiKey: API_KEY }),
    capacity: () => undefined,
  });
  return {
    child,
    executor,
    provider: (id) => ({
      listServers: (signal) => executor.listServers(id, signal),
      run: ({ signal, onProgress, serverId, host, udp, enableDownload, enableUpload }) =>
        executor.runSpeedTest(
          { provider: id, serverId, host, udp, enableDownload, enableUpload },
          { signal, onProgress },
        ),
    }),
  };
}
