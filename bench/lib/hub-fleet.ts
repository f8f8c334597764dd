/**
 * The pieces of the hub benchmark: a fleet of simulated agents in one child process (test/servers/agent-server.ts,
 * each sample stamped with its send time), the hub binary on SQLite or PostgreSQL, and a browser-like reader of
 * its /events stream that measures how long each live sample took from the agent to the reader.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SseParser } from "../../src/core/sse-reader";
import { LOOPBACK } from "./net";
import { projectRoot } from "./paths";
import { type Child, startChild, waitForOk } from "./process";

export interface Fleet {
  child: Child;
  ports: number[];
}

/** Starts `count` simulated agents sampling every `intervalMs`; resolves when they all listen. */
export async function startFleet(count: number, intervalMs: number, dir: string): Promise<Fleet> {
  const logPath = join(dir, "agents.log");
  const child = startChild(
    [
      process.execPath,
      "test/servers/agent-server.ts",
      "--count",
      String(count),
      "--interval",
      String(intervalMs),
      "--stamp",
    ],
    { cwd: projectRoot, env: { PATH: process.env.PATH ?? "" }, logPath },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const line = readFileSync(logPath, "utf8")
      .split("\n")
      .find((l) => l.startsWith("{"));
    if (line) return { child, ports: (JSON.parse(line) as { ports: number[] }).ports };
    if (!child.isRunning()) throw new Error(`the simulated agents did not start:\n${child.logTail()}`);
    if (Date.now() > deadline) throw new Error("the simulated agents did not start within 20 s");
    await Bun.sleep(50);
  }
}

export interface Hub {
  child: Child;
  url: string;
  cookie: string;
}

/** Starts the hub binary in `dir` with `env` (database settings), creates the account and signs in. */
export async function startHub(binary: string, dir: string, port: number, env: Record<string, string>): Promise<Hub> {
  const child = startChild([binary, "serve"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, NETRONOME__HOST: LOOPBACK, NETRONOME__PORT: String(port), ...env },
    logPath: join(dir, "hub.log"),
  });
  const url = `http://${LOOPBACK}:${port}`;
  await waitForOk(`${url}/health`, child, { intervalMs: 50, timeoutMs: 30_000 });
  const account = { username: "bench", password: "password123" };
  await fetch(`${url}/register`, {
    method: "POST",
    body: new URLSearchParams({ ...account, confirm: account.password }),
    redirect: "manual",
  });
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(account),
  });
  if (!login.ok) throw new Error(`signing in to the hub failed: HTTP ${login.status}`);
  return { child, url, cookie: login.headers.getSetCookie()[0]!.split(";")[0]! };
}

export async function hubJson(hub: Hub, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${hub.url}${path}`, {
    ...init,
    headers: { cookie: hub.cookie, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Adds one agent per port and waits until every one of them is online. */
export async function addAgents(hub: Hub, ports: readonly number[]): Promise<number> {
  const started = performance.now();
  for (const [i, port] of ports.entries())
    await hubJson(hub, "/api/monitor/agents", {
      method: "POST",
      body: JSON.stringify({ name: `bench-${i + 1}`, url: `http://${LOOPBACK}:${port}` }),
    });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const list = (await hubJson(hub, "/api/monitor/agents")) as { state: string | null }[];
    const online = list.filter((a) => a.state === "online").length;
    if (online === ports.length) return performance.now() - started;
    if (Date.now() > deadline) throw new Error(`only ${online} of ${ports.length} agents came online within 60 s`);
    await Bun.sleep(250);
  }
}

export interface LagReader {
  /** Starts counting (samples before this are the warm-up). */
  measure(): void;
  /** Stops reading; returns the lags (ms, agent send → reader) and hub-to-reader parts measured since measure(). */
  stop(): Promise<{ lags: number[]; hubToReader: number[]; events: number }>;
}

/** Reads /events like a browser tab and times every agent-live event against the stamp its agent put in it. */
export async function readEvents(hub: Hub): Promise<LagReader> {
  const abort = new AbortController();
  const res = await fetch(`${hub.url}/events`, {
    headers: { cookie: hub.cookie, accept: "text/event-stream" },
    signal: abort.signal,
  });
  if (!res.ok || !res.body) throw new Error(`/events: HTTP ${res.status}`);
  const lags: number[] = [];
  const hubToReader: number[] = [];
  let counting = false;
  let events = 0;
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  const done = (async () => {
    try {
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) break;
        const now = Date.now();
        for (const item of parser.push(decoder.decode(value, { stream: true }))) {
          if (item.kind !== "event" || item.event.event !== "agent-live" || !counting) continue;
          const d = JSON.parse(item.event.data) as { at: number; rx: number };
          events++;
          lags.push(now - d.rx);
          hubToReader.push(now - d.at);
        }
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
  })();
  return {
    measure() {
      counting = true;
    },
    async stop() {
      abort.abort();
      await done;
      return { lags, hubToReader, events };
    },
  };
}

/** User + system CPU time of a process so far, in seconds (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
