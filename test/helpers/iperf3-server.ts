/** A real iperf3 server on 127.0.0.1 for tests, with its output drained so it never blocks; and a /proc scan for stray clients. */
import { readdirSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { freePort } from "./server-process";

export class Iperf3Server {
  private output = "";
  private readonly drained: Promise<void>;
  private constructor(
    readonly port: number,
    private readonly proc: Subprocess<"ignore", "pipe", "ignore">,
  ) {
    this.drained = (async () => {
      const reader = proc.stdout.getReader();
      const decoder = new TextDecoder();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        this.output += decoder.decode(chunk.value, { stream: true });
    })();
  }

  static async start(): Promise<Iperf3Server> {
    const port = freePort();
    const proc = Bun.spawn(["iperf3", "-s", "-p", String(port), "--forceflush"], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "ignore",
    });
    const server = new Iperf3Server(port, proc);
    const deadline = Date.now() + 5000;
    while (!server.output.includes(`Server listening on ${port}`)) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`iperf3 -s did not start: ${server.output}`);
      await Bun.sleep(20);
    }
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    await this.proc.exited;
    await this.drained;
  }
}

/** PIDs of iperf3 clients whose argv mentions `port` (the server itself runs with -s). */
export function iperf3ClientPids(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv[0]?.endsWith("iperf3") && argv.includes("-c") && argv.includes(String(port))) pids.push(Number(entry));
  }
  return pids;
}
