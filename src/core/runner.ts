/**
 * The one way to run a child tool (iperf3, ping, mtr, traceroute, vnstat):
 * an argv array (never a shell), LC_ALL=C for stable output, its own process
 * group so that a timeout or an abort kills the tool and everything it spawned,
 * and output delivered line by line as it arrives.
 */

export class CommandNotFound extends Error {
  constructor(readonly command: string) {
    super(`${command} is not installed (or not on PATH)`);
  }
}

export interface RunOptions {
  /** Kill the process group after this long; the result then has timedOut = true. */
  timeoutMs?: number;
  /** Aborting kills the process group and makes run() reject with the signal's reason. */
  signal?: AbortSignal;
  /** Called for every complete line, as soon as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Called with raw decoded output, for tools whose lines end late (traceroute writes "\n" before each hop). */
  onChunk?: (text: string, stream: "stdout" | "stderr") => void;
  env?: Record<string, string>;
  /** Time between the first signal and SIGKILL. */
  killGraceMs?: number;
  /** First signal at the time limit (SIGTERM unless given): SIGINT lets ping print its statistics on the way out. */
  timeoutSignal?: NodeJS.Signals;
  /** Output kept in the result per stream; more is dropped (line callbacks still see it). */
  maxOutputBytes?: number;
}

export interface RunResult {
  exitCode: number | null;
  signalCode: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

const EXTRA_PATH = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

/** Finds a tool on PATH (plus the sbin folders, where some distributions put traceroute and friends). */
export function findCommand(name: string): string | null {
  const path = [process.env.PATH ?? "", ...EXTRA_PATH].join(":");
  return Bun.which(name, { PATH: path });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  name: "stdout" | "stderr",
  opts: RunOptions,
  limit: number,
): Promise<string> {
  let kept = "";
  let carry = "";
  const decoder = new TextDecoder();
  const deliver = (text: string) => {
    if (kept.length < limit) kept += text.slice(0, limit - kept.length);
    opts.onChunk?.(text, name);
    if (!opts.onLine) return;
    carry += text;
    let nl = carry.indexOf("\n");
    while (nl !== -1) {
      opts.onLine(carry.slice(0, nl).replace(/\r$/, ""), name);
      carry = carry.slice(nl + 1);
      nl = carry.indexOf("\n");
    }
  };
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    deliver(decoder.decode(value, { stream: true }));
  }
  deliver(decoder.decode());
  if (carry && opts.onLine) opts.onLine(carry.replace(/\r$/, ""), name);
  return kept;
}

export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  if (argv.length === 0) throw new Error("run: empty argv");
  opts.signal?.throwIfAborted();
  const executable = findCommand(argv[0]!);
  if (!executable) throw new CommandNotFound(argv[0]!);
  const started = performance.now();
  const proc = Bun.spawn([executable, ...argv.slice(1)], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: true,
    env: { ...process.env, LC_ALL: "C", LANG: "C", ...opts.env },
  });
  const grace = opts.killGraceMs ?? 2000;
  let timedOut = false;
  let termTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (signal: NodeJS.Signals = "SIGTERM") => {
    killGroup(proc.pid, signal);
    termTimer ??= setTimeout(() => killGroup(proc.pid, "SIGKILL"), grace);
  };
  const timeout = opts.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        stop(opts.timeoutSignal);
      }, opts.timeoutMs)
    : undefined;
  const onAbort = () => stop();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const limit = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  const stdout = pump(proc.stdout, "stdout", opts, limit);
  const stderr = pump(proc.stderr, "stderr", opts, limit);
  try {
    await proc.exited;
    // Children that outlived the leader would hold the pipes open: end the whole group before draining.
    killGroup(proc.pid, "SIGKILL");
    const [out, err] = await Promise.all([stdout, stderr]);
    opts.signal?.throwIfAborted();
    return {
      exitCode: proc.exitCode,
      signalCode: proc.signalCode === null ? null : String(proc.signalCode),
      stdout: out,
      stderr: err,
      timedOut,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timeout);
    clearTimeout(termTimer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
