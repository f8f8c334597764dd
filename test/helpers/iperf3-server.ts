/** Real iperf3 processes on 127.0.0.1 for tests, with their output drained so they never block. */
import type { Subprocess } from "bun";
import { pidsOf } from "./processes";
import { freePort } from "./server-process";

/** An iperf3 process (server or client) whose stdout is collected as it arrives. */
export class Iperf3Process {
  private output = "";
  private readonly drained: Promise<void>;
  private readonly proc: Subprocess<"ignore", "pipe", "ignore">;

  constructor(argv: readonly string[]) {
    const proc = Bun.spawn(["iperf3", ...argv, "--forceflush"], { stdin: "ignore", stdout: "pipe", stderr: "ignore" });
    this.proc = proc;
    this.drained = (async () => {
      const reader = proc.stdout.getReader();
      const decoder = new TextDecoder();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        this.output += decoder.decode(chunk.value, { stream: true });
    })();
  }

  /** Waits until the output matches `pattern`; throws if iperf3 exits or `timeoutMs` passes first. */
  async waitFor(pattern: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.proc.exitCode !== null || Date.now() > deadline)
        throw new Error(`iperf3 never printed ${pattern}; output so far:\n${this.output}`);
      await Bun.sleep(20);
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    await this.proc.exited;
    await this.drained;
  }
}

/** `iperf3 -s` on a free port, ready to accept tests. */
export class Iperf3Server extends Iperf3Process {
  private constructor(readonly port: number) {
    super(["-s", "-p", String(port)]);
  }

  static async start(): Promise<Iperf3Server> {
    const server = new Iperf3Server(freePort());
    await server.waitFor(new RegExp(`Server listening on ${server.port}`));
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}

/** PIDs of iperf3 clients aimed at `port` (the server itself runs with -s). */
export function iperf3ClientPids(port: number): number[] {
  return pidsOf("iperf3", ["-c", String(port)]);
}
