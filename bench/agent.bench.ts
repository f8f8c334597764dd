/**
 * The agent's idle footprint: the compiled binary running `agent` as installed (a config file with a key), with one
 * client holding the live stream and polling /system/hardware every 30 s, next to a naive Elysia + systeminformation
 * agent compiled and watched the same way in the same run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileScript, ensureAppBinary, uncommittedBuildInputs } from "./lib/build";
import { freePort, LOOPBACK } from "./lib/net";
import { benchDir } from "./lib/paths";
import { type Child, runCommand, startChild, waitForOk } from "./lib/process";
import { readStatusBytes } from "./lib/procfs";
import { type Benchmark, formatMB, info, judge, type Measurement, progress } from "./lib/report";
import { median } from "./lib/stats";
import { makeTempDir, removeTempDir } from "./lib/temp";

const TARGET_RSS_BYTES = 45e6;
const TARGET_CPU_SHARE = 0.005;
/** Start-up settles and the agent's first release of start-up pages (10 s after it starts) happens. */
const SETTLE_MS = 20_000;
const WINDOW_MS = 180_000;
const HARDWARE_POLL_MS = 30_000;
const RSS_SAMPLE_MS = 5_000;
const API_KEY = "bench-key-0123456789abcdef";
const CLOCK_TICKS_PER_SECOND = 100;

interface Subject {
  readonly label: string;
  readonly child: Child;
  readonly baseUrl: string;
  readonly headers: Record<string, string>;
}

interface Watch {
  rssSamples: number[];
  cpuSeconds: number;
  childCpuSeconds: number;
  childRss: number;
  hardwarePolls: number;
  liveEvents: number;
}

/** utime + stime of a process (and of its reaped children, cutime + cstime), in seconds. */
function cpuSeconds(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  // Fields 14–17 of /proc/<pid>/stat; the slice starts at field 3.
  return { own: (f[11]! + f[12]!) / CLOCK_TICKS_PER_SECOND, children: (f[13]! + f[14]!) / CLOCK_TICKS_PER_SECOND };
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const line of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/))
    if (line) out.push(Number(line));
  return out;
}

/** CPU seconds and RSS of the live children (vnstat) at this moment. */
function childUsage(pid: number): { cpu: number; rss: number } {
  let cpu = 0;
  let rss = 0;
  for (const child of childrenOf(pid)) {
    try {
      const c = cpuSeconds(child);
      cpu += c.own;
      rss += readStatusBytes(child, "VmRSS");
    } catch {
      // It ended meanwhile.
    }
  }
  return { cpu, rss };
}

async function openLive(subject: Subject, counter: { events: number }, signal: AbortSignal): Promise<void> {
  const res = await fetch(`${subject.baseUrl}/events?stream=live-data`, { headers: subject.headers, signal });
  if (!res.ok) throw new Error(`${subject.label}: live stream answered ${res.status}`);
  const reader = res.body!.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const text = typeof value === "string" ? value : new TextDecoder().decode(value);
        counter.events += text.split("event: message").length - 1;
      }
    } catch {
      // Aborted at the end of the window.
    }
  })();
}

async function pollHardware(subject: Subject): Promise<void> {
  const res = await fetch(`${subject.baseUrl}/system/hardware`, { headers: subject.headers });
  if (!res.ok) throw new Error(`${subject.label}: /system/hardware answered ${res.status}`);
  await res.arrayBuffer();
}

/** Holds the live stream and polls hardware every 30 s for the window, sampling RSS and CPU time. */
async function watch(subject: Subject): Promise<Watch & { rssBeforeRelease: number }> {
  const stop = new AbortController();
  const live = { events: 0 };
  await openLive(subject, live, stop.signal);
  await pollHardware(subject);
  await Bun.sleep(8_000);
  const rssBeforeRelease = readStatusBytes(subject.child.pid, "VmRSS");
  await Bun.sleep(SETTLE_MS - 8_000);
  const cpuStart = cpuSeconds(subject.child.pid);
  const childStart = childUsage(subject.child.pid);
  const eventsStart = live.events;
  const rssSamples: number[] = [];
  let polls = 0;
  const started = performance.now();
  let nextPoll = 0;
  while (performance.now() - started < WINDOW_MS) {
    const elapsed = performance.now() - started;
    if (elapsed >= nextPoll) {
      await pollHardware(subject);
      polls++;
      nextPoll += HARDWARE_POLL_MS;
    }
    rssSamples.push(readStatusBytes(subject.child.pid, "VmRSS"));
    await Bun.sleep(RSS_SAMPLE_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuEnd = cpuSeconds(subject.child.pid);
  const childEnd = childUsage(subject.child.pid);
  stop.abort();
  return {
    rssSamples,
    rssBeforeRelease,
    cpuSeconds: (cpuEnd.own - cpuStart.own) / seconds,
    childCpuSeconds: (childEnd.cpu - childStart.cpu) / seconds,
    childRss: childEnd.rss,
    hardwarePolls: polls,
    liveEvents: live.events - eventsStart,
  };
}

async function startSubject(
  label: string,
  command: string[],
  dir: string,
  env: Record<string, string>,
  headers: Record<string, string>,
  port: number,
): Promise<Subject> {
  const baseUrl = `http://${LOOPBACK}:${port}`;
  const child = startChild(command, { cwd: dir, env, logPath: join(dir, "subject.log") });
  await waitForOk(`${baseUrl}/`, child, { intervalMs: 20, timeoutMs: 15_000 });
  return { label, child, baseUrl, headers };
}

async function describeBuild(binary: string): Promise<string> {
  const output = await runCommand([binary, "version"], { cwd: "/", env: {}, timeoutMs: 10_000 });
  const commit = output.match(/^commit:\s+(\S+)/m)?.[1] ?? "unknown";
  const changes = await uncommittedBuildInputs();
  return `${output.split("\n")[0]}, commit ${commit}${changes ? ` plus ${changes} uncommitted changed files` : ""}`;
}

export default {
  title: "Agent: idle memory and CPU of `netronome agent`",
  async run() {
    const binary = await ensureAppBinary();
    const build = await describeBuild(binary);
    const agentDir = makeTempDir("agent");
    const naiveDir = makeTempDir("naive-agent");
    const subjects: Subject[] = [];
    try {
      progress("compiling the naive Elysia + systeminformation agent");
      const naiveBinary = await compileScript(join(benchDir, "naive-agent.ts"), join(naiveDir, "naive-agent"));
      const config = join(agentDir, "agent.toml");
      const agentPort = freePort();
      writeFileSync(config, `[agent]\nhost = "${LOOPBACK}"\nport = ${agentPort}\napi_key = "${API_KEY}"\n`);
      const naivePort = freePort();
      const env = (dir: string) => ({ PATH: process.env.PATH ?? "", HOME: dir });
      subjects.push(
        await startSubject(
          "agent",
          [binary, "agent", "--config", config],
          agentDir,
          env(agentDir),
          { "X-API-Key": API_KEY },
          agentPort,
        ),
        await startSubject(
          "naive",
          [naiveBinary],
          naiveDir,
          { ...env(naiveDir), PORT: String(naivePort) },
          {},
          naivePort,
        ),
      );
      progress(
        `watching both for ${(SETTLE_MS + WINDOW_MS) / 1000} s: a live-stream client each, /system/hardware every 30 s`,
      );
      const [agent, naive] = await Promise.all(subjects.map(watch));
      const rss = median(agent!.rssSamples);
      const naiveRss = median(naive!.rssSamples);
      const measurements: Measurement[] = [
        judge("Agent idle RSS, median over the window", rss, { atMost: TARGET_RSS_BYTES }, formatMB, {
          detail: `(max ${formatMB(Math.max(...agent!.rssSamples))}; ${(rss / naiveRss).toFixed(2)} × the naive agent)`,
        }),
        judge(
          "Agent CPU, share of one core",
          agent!.cpuSeconds,
          { atMost: TARGET_CPU_SHARE },
          (v) => `${(v * 100).toFixed(3)} %`,
          {
            detail: `(${(agent!.cpuSeconds / Math.max(naive!.cpuSeconds, 1e-9)).toFixed(2)} × the naive agent)`,
          },
        ),
        info("Agent RSS 8 s after start (before it releases start-up pages)", formatMB(agent!.rssBeforeRelease)),
        info(
          "vnstat child: CPU, RSS",
          `${(agent!.childCpuSeconds * 100).toFixed(3)} % of one core, ${formatMB(agent!.childRss)}`,
        ),
        info(
          "Naive Elysia + systeminformation agent: RSS (median, max)",
          `${formatMB(naiveRss)}, ${formatMB(Math.max(...naive!.rssSamples))}`,
        ),
        info("Naive agent CPU, share of one core", `${(naive!.cpuSeconds * 100).toFixed(3)} %`),
        info("Live events received in the window (agent, naive)", `${agent!.liveEvents}, ${naive!.liveEvents}`),
        info("Hardware polls in the window", String(agent!.hardwarePolls)),
      ];
      const notes = [
        `dist/netronome is ${build}; it runs \`netronome agent --config agent.toml\` (listening on ${LOOPBACK}, an API key, the default route's interface); with vnstat installed, live data comes from \`vnstat --live --json\` (a sample every 2 s). The naive agent (bench/naive-agent.ts: Elysia, systeminformation, 1 Hz from /proc/net/dev) is compiled with plain \`bun build --compile\`.`,
        `Each process gets one client holding its live stream and asking for /system/hardware every ${HARDWARE_POLL_MS / 1000} s. After ${SETTLE_MS / 1000} s of settling, RSS (VmRSS) is sampled every ${RSS_SAMPLE_MS / 1000} s and CPU time (utime + stime from /proc/<pid>/stat) is taken over a ${WINDOW_MS / 1000} s window; both processes run at the same time.`,
        "The agent's own figures exclude its vnstat child, shown apart. Ten seconds after start, and every five minutes, the agent asks the kernel (madvise MADV_PAGEOUT) to reclaim the executable's pages that start-up touched: they are the Bun runtime's read-only code and data, which come back from the page cache if used again. The RSS before that release is shown for comparison.",
        "CPU time is counted per process, so other work on the shared machine does not inflate it; RSS does not depend on load.",
      ];
      return { measurements, notes };
    } finally {
      await Promise.all(subjects.map((s) => s.child.stop()));
      for (const dir of [agentDir, naiveDir]) removeTempDir(dir);
    }
  },
} satisfies Benchmark;
