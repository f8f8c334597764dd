/**
 * Child processes of a benchmark. Their output goes to a log file, because an unread pipe fills up and stalls a
 * chatty server mid-measurement; every child is tracked so an interrupted run leaves none behind.
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import type { Subprocess } from "bun";
import { assertLoopback } from "./net";

const STOP_GRACE_MS = 5_000;
const live = new Set<Subprocess>();

export interface Child {
  readonly pid: number;
  readonly logPath: string;
  isRunning(): boolean;
  /** The last lines the child wrote, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period; resolves to the exit code. */
  stop(): Promise<number>;
}

export interface StartOptions {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly logPath: string;
}

export function startChild(command: readonly string[], options: StartOptions): Child {
  const logFd = openSync(options.logPath, "a");
  let proc: Subprocess;
  try {
    proc = Bun.spawn([...command], {
      cwd: options.cwd,
      env: options.env,
      stdin: "ignore",
      stdout: logFd,
      stderr: logFd,
    });
  } finally {
    closeSync(logFd);
  }
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  const isRunning = () => proc.exitCode === null && proc.signalCode === null;
  return {
    pid: proc.pid,
    logPath: options.logPath,
    isRunning,
    logTail(lines = 20) {
      return readFileSync(options.logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    },
    async stop() {
      if (isRunning()) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** For exit and signal handlers: kills every child still running, without waiting. */
export function killAllChildren(): void {
  for (const proc of live) proc.kill("SIGKILL");
}

/** Runs a command to completion and returns its combined output; throws with that output when it fails. */
export async function runCommand(
  command: readonly string[],
  options: { cwd: string; env: Record<string, string>; stdin?: string; timeoutMs: number },
): Promise<string> {
  const proc = Bun.spawn([...command], {
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
    stdout: "pipe",
    stderr: "pipe",
    timeout: options.timeoutMs,
  });
  live.add(proc);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  live.delete(proc);
  const output = `${stdout}${stderr}`.trim();
  if (code !== 0) throw new Error(`${command.join(" ")} exited with ${code}:\n${output}`);
  return output;
}

/**
 * Polls `url` every `intervalMs` until it answers 200, and resolves to the moment it did (performance.now()).
 * Fails fast when the child exits, and after `timeoutMs`.
 */
export async function waitForOk(
  url: string,
  child: Child,
  { intervalMs, timeoutMs }: { intervalMs: number; timeoutMs: number },
): Promise<number> {
  assertLoopback(url);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!child.isRunning()) throw new Error(`process exited before ${url} answered:\n${child.logTail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await Bun.sleep(intervalMs);
  }
}
