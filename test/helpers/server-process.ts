/** Starts Netronome as a real process (from source or the compiled binary) on a free port, and stops it. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const MAIN = join(import.meta.dir, "../../src/main.ts");

export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

export interface ServerProcess {
  url: string;
  dir: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stderr(): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export async function startServer(
  command: string[],
  opts: { env?: Record<string, string>; cwd?: string; basePath?: string } = {},
): Promise<ServerProcess> {
  const dir = opts.cwd ?? mkdtempSync(join(tmpdir(), "netronome-proc-"));
  const port = freePort();
  const proc = Bun.spawn(command, {
    cwd: dir,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", HOME: dir, NETRONOME__PORT: String(port), ...opts.env },
  });
  const url = `http://127.0.0.1:${port}${opts.basePath ?? ""}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early: ${await new Response(proc.stderr).text()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error("server did not become healthy within 15 s");
    }
    await Bun.sleep(20);
  }
  let stderrText: Promise<string> | undefined;
  return {
    url,
    dir,
    proc,
    stderr: () => (stderrText ??= new Response(proc.stderr).text()),
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && !proc.killed) proc.kill(signal);
      const code = await proc.exited;
      if (!opts.cwd) rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** `netronome serve` run from source. */
export function startSourceServer(opts: Parameters<typeof startServer>[1] = {}): Promise<ServerProcess> {
  return startServer([process.execPath, MAIN, "serve"], opts);
}
