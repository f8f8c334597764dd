/**
 * Closed-loop HTTP load against a loopback URL: wrk when it is installed (Debian package `wrk`), otherwise a
 * Bun-based generator in its own process. Every run is bounded by its duration and killed if it overstays.
 */
import { join } from "node:path";
import { assertLoopback } from "./net";
import { runCommand } from "./process";

export interface LoadOptions {
  readonly durationS: number;
  readonly connections: number;
  /** wrk threads; the Bun generator is single-threaded. */
  readonly threads: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  /** Responses with a status of 400 or more, plus connect/read/write errors and timeouts. */
  readonly failures: number;
}

export interface LoadGenerator {
  /** How the load was made, for the results' method notes. */
  readonly description: string;
  readonly isFallback: boolean;
  run(url: string, options: LoadOptions): Promise<LoadResult>;
}

/** Time a generator may take beyond its nominal duration before it is killed (start-up, draining, report). */
const OVERSTAY_MS = 15_000;
/** Upper bound on requests per Bun-generator connection, so even a very fast target ends the loop by count. */
const MAX_REQUESTS_PER_CONNECTION = 1_000_000;

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

function parseDurationMs(text: string): number {
  const match = text.match(/^([\d.]+)(us|ms|s|m|h)$/);
  if (!match?.[1] || !match[2]) throw new Error(`unrecognised wrk duration "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2]]!;
}

/** Reads the figures out of `wrk --latency` output. */
export function parseWrkOutput(output: string): LoadResult {
  const field = (pattern: RegExp, what: string) => {
    const value = output.match(pattern)?.[1];
    if (value === undefined) throw new Error(`wrk output has no ${what}:\n${output}`);
    return value;
  };
  const socketErrors = output.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socketFailures = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: Number(field(/(\d+) requests in /, "request count")),
    requestsPerSecond: Number(field(/Requests\/sec:\s+([\d.]+)/, "Requests/sec")),
    p99Ms: parseDurationMs(field(/^\s+99(?:\.0+)?%\s+(\S+)$/m, "99% latency (was --latency passed?)")),
    failures: Number(output.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0) + socketFailures,
  };
}

function wrkGenerator(wrk: string, version: string): LoadGenerator {
  return {
    description: `${version} --latency`,
    isFallback: false,
    async run(url, { durationS, connections, threads }) {
      assertLoopback(url);
      const args = [`-t${threads}`, `-c${connections}`, `-d${durationS}s`, "--latency", url];
      const output = await runCommand([wrk, ...args], {
        cwd: "/",
        env: {},
        timeoutMs: durationS * 1_000 + OVERSTAY_MS,
      });
      return parseWrkOutput(output);
    },
  };
}

function bunGenerator(): LoadGenerator {
  const worker = join(import.meta.dir, "load-worker.ts");
  return {
    description:
      "the Bun closed-loop generator bench/lib/load-worker.ts (one process) because wrk is not installed (apt-get install wrk); it costs more CPU than wrk, which lowers every figure",
    isFallback: true,
    async run(url, { durationS, connections }) {
      assertLoopback(url);
      const args = [url, String(connections), String(durationS * 1_000), String(MAX_REQUESTS_PER_CONNECTION)];
      const output = await runCommand([process.execPath, worker, ...args], {
        cwd: "/",
        env: {},
        timeoutMs: durationS * 1_000 + OVERSTAY_MS,
      });
      return JSON.parse(output) as LoadResult;
    },
  };
}

export async function pickLoadGenerator(): Promise<LoadGenerator> {
  const wrk = Bun.which("wrk");
  if (!wrk) return bunGenerator();
  // `wrk -v` prints its banner and exits non-zero, so read the output directly.
  const banner = Bun.spawnSync([wrk, "-v"]).stdout.toString();
  const version = banner.match(/^wrk \S+/)?.[0] ?? "wrk";
  return wrkGenerator(wrk, version);
}
