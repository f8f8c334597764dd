/**
 * The servers of the accuracy benchmark, inside the shaped link's namespace: iperf3 -s and the speedtest.net and
 * LibreSpeed protocol servers of test/servers, each on the namespace's 127.0.0.1 and forwarded to its address.
 */
import { join } from "node:path";
import { projectRoot } from "./paths";
import type { Child } from "./process";
import type { ShapedLink } from "./shaped-link";

const START_TIMEOUT_MS = 15_000;
/** Ports inside the server namespace, which is fresh, so fixed ports cannot collide. */
export const IPERF3_PORT = 5201;
export const SPEEDTESTNET_PORT = 8080;
export const LIBRESPEED_PORT = 8081;

/** Waits until a child's log contains `text` (its "listening" line). */
export async function waitForOutput(child: Child, text: string): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (!(await Bun.file(child.logPath).text()).includes(text)) {
    if (!child.isRunning()) throw new Error(`process exited before saying "${text}":\n${child.logTail()}`);
    if (performance.now() > deadline)
      throw new Error(`no "${text}" within ${START_TIMEOUT_MS} ms:\n${child.logTail()}`);
    await Bun.sleep(50);
  }
}

export interface Servers {
  readonly iperf3: Child;
  readonly all: readonly Child[];
}

export async function startServers(link: ShapedLink, logDir: string): Promise<Servers> {
  const children: Child[] = [];
  const start = async (label: string, command: string[], port: number, ready: string, env?: Record<string, string>) => {
    const child = link.startInside(command, join(logDir, `${label}.log`), env);
    children.push(child);
    await waitForOutput(child, ready);
    await link.forwardPort(port);
    return child;
  };
  try {
    const iperf3 = await start(
      "iperf3",
      ["iperf3", "-s", "-B", "127.0.0.1", "-p", String(IPERF3_PORT), "--forceflush"],
      IPERF3_PORT,
      "Server listening",
    );
    for (const [label, script, port] of [
      ["speedtestnet", "test/servers/speedtestnet-server.ts", SPEEDTESTNET_PORT],
      ["librespeed", "test/servers/librespeed-server.ts", LIBRESPEED_PORT],
    ] as const) {
      await start(label, [process.execPath, join(projectRoot, script)], port, `"url":"http://127.0.0.1:${port}"`, {
        PORT: String(port),
      });
    }
    return { iperf3, all: children };
  } catch (error) {
    await Promise.all(children.map((child) => child.stop()));
    throw error;
  }
}
