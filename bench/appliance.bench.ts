/**
 * The appliance's foundation figures: binary size, cold start to the first /health 200, idle RSS of `serve`, and
 * login-page throughput and p99 latency against a bare Bun.serve hello measured back-to-back in the same run.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { compileScript, ensureAppBinary, uncommittedBuildInputs } from "./lib/build";
import { type LoadGenerator, type LoadOptions, type LoadResult, pickLoadGenerator } from "./lib/load";
import { freePort, LOOPBACK } from "./lib/net";
import { benchDir } from "./lib/paths";
import { type Child, runCommand, startChild, waitForOk } from "./lib/process";
import { readStatusBytes } from "./lib/procfs";
import {
  type Benchmark,
  formatMB,
  formatMiB,
  formatMs,
  formatPercent,
  formatPoints,
  formatRate,
  info,
  judge,
  type Measurement,
  progress,
} from "./lib/report";
import { median, summarize } from "./lib/stats";
import { makeTempDir, removeTempDir, withTempDir } from "./lib/temp";

const TARGET_START_MS = 150;
const TARGET_IDLE_RSS_BYTES = 70e6;
const TARGET_THROUGHPUT_RATIO = 0.7;

const START_SAMPLES = 15;
const HEALTH_POLL_MS = 5;
const START_TIMEOUT_MS = 10_000;
const WARMUP_REQUESTS = 200;
const SETTLE_MS = 3_000;
const LOAD: LoadOptions = { durationS: 5, connections: 50, threads: 2 };
const LOAD_WARMUP: LoadOptions = { ...LOAD, durationS: 1 };
const LOAD_ROUNDS = 3;

/** A server binary under test, started in its own folder on its own port. */
interface Subject {
  readonly label: string;
  readonly command: readonly string[];
  /** The path timed for load; start-up is timed to the first 200 from /health. */
  readonly loadPath: string;
  env(dir: string, port: number): Record<string, string>;
  /** Runs in the fresh folder before the server starts. */
  prepare?(dir: string, env: Record<string, string>): Promise<void>;
}

interface Running {
  readonly child: Child;
  readonly baseUrl: string;
  readonly startMs: number;
}

function appSubject(binary: string, { withUser }: { withUser: boolean }): Subject {
  return {
    label: "netronome serve",
    command: [binary, "serve"],
    loadPath: "/login",
    // HOME is the fresh folder so no config file of the machine's user is picked up.
    env: (dir, port) => ({
      PATH: process.env.PATH ?? "",
      HOME: dir,
      NETRONOME__HOST: LOOPBACK,
      NETRONOME__PORT: String(port),
      NETRONOME__DB_PATH: join(dir, "netronome.db"),
    }),
    // Without a user, /login redirects to /register; the benchmark wants the real login page.
    ...(withUser && {
      prepare: async (dir: string, env: Record<string, string>) => {
        await runCommand([binary, "create-user", "bench"], {
          cwd: dir,
          env,
          stdin: "password123\n",
          timeoutMs: 30_000,
        });
      },
    }),
  };
}

function helloSubject(binary: string): Subject {
  return {
    label: "bare Bun.serve hello",
    command: [binary],
    loadPath: "/",
    env: (dir, port) => ({ PATH: process.env.PATH ?? "", HOME: dir, PORT: String(port) }),
  };
}

async function start(subject: Subject, dir: string): Promise<Running> {
  const port = freePort();
  const env = subject.env(dir, port);
  await subject.prepare?.(dir, env);
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const spawnedAt = performance.now();
  const child = startChild(subject.command, { cwd: dir, env, logPath: join(dir, "server.log") });
  try {
    const healthyAt = await waitForOk(`${baseUrl}/health`, child, {
      intervalMs: HEALTH_POLL_MS,
      timeoutMs: START_TIMEOUT_MS,
    });
    return { child, baseUrl, startMs: healthyAt - spawnedAt };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function timeOneStart(subject: Subject): Promise<number> {
  return await withTempDir("start", async (dir) => {
    const running = await start(subject, dir);
    await running.child.stop();
    return running.startMs;
  });
}

/**
 * `samples` start-up times per subject, each start from a fresh folder. The subjects take turns, so a busy spell on
 * the shared machine hits them alike; one discarded round first puts each binary in the page cache.
 */
async function measureStarts<K extends string>(
  subjects: Record<K, Subject>,
  samples: number,
): Promise<Record<K, number[]>> {
  const entries = Object.entries(subjects) as [K, Subject][];
  const times = Object.fromEntries(entries.map(([key]) => [key, []])) as unknown as Record<K, number[]>;
  for (let round = 0; round <= samples; round++) {
    for (const [key, subject] of entries) {
      const startMs = await timeOneStart(subject);
      if (round > 0) times[key].push(startMs);
    }
  }
  return times;
}

/** RSS after a short sequential warm-up of the load path and a pause for the runtime to settle. */
async function settledRss(subject: Subject, running: Running): Promise<number> {
  for (let i = 0; i < WARMUP_REQUESTS; i++) {
    const response = await fetch(`${running.baseUrl}${subject.loadPath}`);
    await response.arrayBuffer();
  }
  await Bun.sleep(SETTLE_MS);
  return readStatusBytes(running.child.pid, "VmRSS");
}

async function assertServes(subject: Subject, running: Running): Promise<void> {
  const response = await fetch(`${running.baseUrl}${subject.loadPath}`, { redirect: "manual" });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${subject.label} answered ${subject.loadPath} with ${response.status}`);
}

function checkedLoad(result: LoadResult, label: string): LoadResult {
  if (result.failures > 0) throw new Error(`${label}: ${result.failures} failed requests under load`);
  return result;
}

interface LoadRounds {
  readonly app: LoadResult[];
  readonly hello: LoadResult[];
}

/** Alternates which server goes first in each round, so drift in the machine's load hits both alike. */
async function measureLoadRounds(generator: LoadGenerator, app: string, hello: string): Promise<LoadRounds> {
  await generator.run(hello, LOAD_WARMUP);
  await generator.run(app, LOAD_WARMUP);
  const rounds: LoadRounds = { app: [], hello: [] };
  for (let round = 0; round < LOAD_ROUNDS; round++) {
    progress(`load round ${round + 1} of ${LOAD_ROUNDS}`);
    const order = round % 2 === 0 ? (["hello", "app"] as const) : (["app", "hello"] as const);
    for (const which of order) {
      const url = which === "app" ? app : hello;
      rounds[which].push(checkedLoad(await generator.run(url, LOAD), url));
    }
  }
  return rounds;
}

/** Version, commit and build time from `netronome version`, and whether the sources matched that commit. */
async function describeBuild(binary: string): Promise<string> {
  const output = await runCommand([binary, "version"], { cwd: "/", env: {}, timeoutMs: 10_000 });
  const line = (key: string) => output.match(new RegExp(`^${key}:\\s+(\\S+)`, "m"))?.[1] ?? "unknown";
  const changes = await uncommittedBuildInputs();
  const sources = changes ? `plus ${changes} uncommitted changed files` : "with no uncommitted changes";
  return `${output.split("\n")[0]}, commit ${line("commit")} ${sources}, built ${line("built")} by scripts/build.sh`;
}

export default {
  title: "Appliance: binary size, start-up, idle memory, login page throughput",
  async run() {
    const binary = await ensureAppBinary();
    const build = await describeBuild(binary);
    const generator = await pickLoadGenerator();
    if (generator.isFallback) progress(`wrk not found: ${generator.description}`);
    const helloDir = makeTempDir("hello");
    const appDir = makeTempDir("app");
    const servers: Running[] = [];
    try {
      progress("compiling the bare Bun.serve hello");
      const helloBinary = await compileScript(join(benchDir, "hello-server.ts"), join(helloDir, "hello"));
      const hello = helloSubject(helloBinary);

      progress(`timing ${START_SAMPLES} cold starts of each binary`);
      const startTimes = await measureStarts({ app: appSubject(binary, { withUser: false }), hello }, START_SAMPLES);
      const appStarts = summarize(startTimes.app);
      const helloStarts = summarize(startTimes.hello);

      progress("measuring idle RSS");
      const loginApp = appSubject(binary, { withUser: true });
      const appServer = await start(loginApp, appDir);
      servers.push(appServer);
      const helloServer = await start(hello, helloDir);
      servers.push(helloServer);
      await assertServes(loginApp, appServer);
      const [appIdleRss, helloIdleRss] = await Promise.all([
        settledRss(loginApp, appServer),
        settledRss(hello, helloServer),
      ]);

      const rounds = await measureLoadRounds(
        generator,
        `${appServer.baseUrl}${loginApp.loadPath}`,
        `${helloServer.baseUrl}${hello.loadPath}`,
      );
      const appRssAfterLoad = readStatusBytes(appServer.child.pid, "VmRSS");
      const ratios = rounds.app.map((result, i) => result.requestsPerSecond / rounds.hello[i]!.requestsPerSecond);
      const rate = (results: LoadResult[]) => median(results.map((r) => r.requestsPerSecond));
      const p99 = (results: LoadResult[]) => median(results.map((r) => r.p99Ms));

      const runtimeSize = statSync(process.execPath).size;
      const binarySize = statSync(binary).size;
      const measurements: Measurement[] = [
        info(
          "Binary size (dist/netronome)",
          `${formatMB(binarySize)} (${formatMiB(binarySize)}; the Bun runtime alone is ${formatMB(runtimeSize)})`,
        ),
        judge("Cold start to first /health 200, median", appStarts.median, { atMost: TARGET_START_MS }, formatMs, {
          detail: `(p95 ${formatMs(appStarts.p95)}, n = ${appStarts.count})`,
        }),
        info(
          "Bare hello cold start, median",
          `${formatMs(helloStarts.median)} (p95 ${formatMs(helloStarts.p95)}, n = ${helloStarts.count})`,
        ),
        judge("Idle RSS of serve", appIdleRss, { atMost: TARGET_IDLE_RSS_BYTES }, formatMB, {
          detail: `(${formatMiB(appIdleRss)})`,
        }),
        info("Bare hello idle RSS", formatMB(helloIdleRss)),
        info("RSS of serve after the load rounds", formatMB(appRssAfterLoad)),
        info("Login page throughput, median", formatRate(rate(rounds.app))),
        info("Bare hello throughput, median", formatRate(rate(rounds.hello))),
        judge(
          "Login page / bare hello throughput",
          median(ratios),
          { atLeast: TARGET_THROUGHPUT_RATIO },
          formatPercent,
          { detail: `(rounds: ${ratios.map(formatPercent).join(", ")})`, formatGap: formatPoints },
        ),
        info("Login page p99 latency, median", formatMs(p99(rounds.app))),
        info("Bare hello p99 latency, median", formatMs(p99(rounds.hello))),
      ];
      const notes = [
        `dist/netronome is ${build}; the hello (bench/hello-server.ts) is compiled with plain \`bun build --compile\`. Both listen on ${LOOPBACK}.`,
        `Start-up: time from spawn to the first 200 from /health, polled every ${HEALTH_POLL_MS} ms; each start runs in a fresh temporary folder with its own SQLite file (so migrations are included); the two binaries take turns, after one discarded start each that puts them in the page cache.`,
        `Idle RSS: VmRSS from /proc/<pid>/status after ${WARMUP_REQUESTS} sequential requests to the load path and ${SETTLE_MS / 1000} s of rest; the serve instance has one user from before it started, so /login is the real sign-in page (200), which Bun's router then serves as a static document.`,
        `Throughput: ${generator.description}, ${LOAD.threads} threads, ${LOAD.connections} connections, ${LOAD.durationS} s per run; after a ${LOAD_WARMUP.durationS} s warm-up of each server, ${LOAD_ROUNDS} rounds alternate which server goes first. The ratio is the median of the per-round ratios; the load generator and the server share the machine's CPUs.`,
        "Start-up and throughput targets are judged on medians; p95 and the per-round figures show the spread.",
      ];
      return { measurements, notes };
    } finally {
      await Promise.all(servers.map((server) => server.child.stop()));
      for (const dir of [helloDir, appDir]) removeTempDir(dir);
    }
  },
} satisfies Benchmark;
