/**
 * Runs `netronome agent` as a real process (from source or the compiled binary) on a free loopback port, with HOME
 * in a fresh folder (so its peaks file and any ~/.vnstatrc are the test's), and reads its live stream.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { LiveSample } from "../../src/protocol/agent";
import { childrenOf } from "./processes";
import { freePort } from "./server-process";

const MAIN = join(import.meta.dir, "../../src/main.ts");
export const TEST_API_KEY = "test-key-0123456789abcdef";

export interface AgentProcess {
  url: string;
  port: number;
  home: string;
  proc: Subprocess;
  /** GET with the test key (or `key`; null sends none). */
  get(
    path: string,
    opts?: { key?: string | null; headers?: Record<string, string>; method?: string },
  ): Promise<Response>;
  json<T>(path: string): Promise<T>;
  live(query?: string): Promise<LiveStream>;
  /** Direct child processes (vnstat). */
  children(): number[];
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export interface StartAgentOptions {
  /** The compiled binary; default: src/main.ts with this Bun. */
  binary?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Reuse a HOME (to restart an agent with its state). */
  home?: string;
  /** The API key passed with --api-key; null starts an agent without one. */
  key?: string | null;
  /** The port to listen on (to restart an agent where a hub expects it); default: a free one. */
  port?: number;
}

export async function startAgent(opts: StartAgentOptions = {}): Promise<AgentProcess> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), "netronome-agent-"));
  const port = opts.port ?? freePort();
  const key = opts.key === undefined ? TEST_API_KEY : opts.key;
  const command = opts.binary ? [opts.binary] : [process.execPath, MAIN];
  const logPath = join(home, `agent-${port}.log`);
  const logFd = openSync(logPath, "a");
  let proc: Subprocess;
  try {
    proc = Bun.spawn(
      [
        ...command,
        "agent",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        ...(key ? ["--api-key", key] : []),
        ...(opts.args ?? []),
      ],
      {
        cwd: home,
        stdin: "ignore",
        stdout: logFd,
        stderr: logFd,
        env: { PATH: process.env.PATH ?? "", HOME: home, ...opts.env },
      },
    );
  } finally {
    closeSync(logFd);
  }
  const url = `http://127.0.0.1:${port}`;
  const log = () => readFileSync(logPath, "utf8");
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`agent exited early (${proc.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`agent did not answer within 20 s:\n${log()}`);
    }
    await Bun.sleep(25);
  }
  const get: AgentProcess["get"] = (path, o = {}) => {
    const k = o.key === undefined ? key : o.key;
    return fetch(`${url}${path}`, {
      method: o.method ?? "GET",
      headers: { ...(k ? { "X-API-Key": k } : {}), ...o.headers },
    });
  };
  return {
    url,
    port,
    home,
    proc,
    get,
    async json<T>(path: string) {
      const res = await get(path);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    live: async (query = "stream=live-data") => LiveStream.open(await get(`/events?${query}`)),
    children: () => childrenOf(proc.pid),
    log,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      const code = await proc.exited;
      if (!opts.home) rmSync(home, { recursive: true, force: true });
      return code;
    },
  };
}

/** An open live-data stream: its events and comment lines as they arrive. */
export class LiveStream {
  readonly samples: { sample: LiveSample; at: number }[] = [];
  readonly comments: { text: string; at: number }[] = [];
  readonly raw: string[] = [];
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly done: Promise<void>;

  private constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
    this.done = this.pump();
  }

  static open(response: Response): LiveStream {
    if (!response.ok) throw new Error(`live stream: ${response.status}`);
    return new LiveStream(response);
  }

  private async pump() {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) return;
        this.buffer += typeof value === "string" ? value : decoder.decode(value, { stream: true });
        let end = this.buffer.indexOf("\n\n");
        while (end !== -1) {
          this.handle(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
          end = this.buffer.indexOf("\n\n");
        }
      }
    } catch {
      // Closed by cancel().
    }
  }

  private handle(block: string) {
    this.raw.push(block);
    const at = Date.now();
    const data: string[] = [];
    let event = "message";
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) this.comments.push({ text: line.slice(1).trim(), at });
      else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length && event === "message")
      this.samples.push({ sample: JSON.parse(data.join("\n")) as LiveSample, at });
  }

  /** Waits until `count` samples have arrived in total. */
  async waitForSamples(count: number, timeoutMs = 15_000): Promise<LiveSample[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.samples.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.samples.length} of ${count} live samples within ${timeoutMs} ms`);
      await Bun.sleep(50);
    }
    return this.samples.map((s) => s.sample);
  }

  /** Resolves when the server ends the stream. */
  ended(): Promise<void> {
    return this.done;
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => {});
    await this.done;
  }
}
