/**
 * Unauthenticated memory exhaustion, the attack of issue 9: parallel 100 MB posts without a session, first to
 * /login (the figures: RSS past 2 GB, /health at 4 s), then to protected routes, against the compiled
 * binary. Measured: the server's RSS while it lasts and the latency of /health, polled all along, against the same
 * figures at rest in the same run.
 */
import { join } from "node:path";
import { ensureAppBinary } from "./lib/build";
import { freePort, LOOPBACK } from "./lib/net";
import { benchDir } from "./lib/paths";
import { type Child, runCommand, startChild, waitForOk } from "./lib/process";
import { readStatusBytes } from "./lib/procfs";
import { type Benchmark, formatMB, formatMs, info, judge, type Measurement, progress } from "./lib/report";
import { percentile } from "./lib/stats";
import { withTempDir } from "./lib/temp";

const TARGET_RSS_BYTES = 150e6;
const TARGET_HEALTH_P99_MS = 50;

const ATTACKERS = 8;
const BODY_BYTES = 100 * 1024 * 1024;
const PHASE_MS = 10_000;
const REST_MS = 5_000;
const PROBE_INTERVAL_MS = 20;
const RSS_INTERVAL_MS = 100;
const PROTECTED = ["/api/schedules", "/api/speedtest", "/monitors", "/settings/password"];

interface Phase {
  healthMs: number[];
  healthFailures: number;
  peakRss: number;
  attack?: { requests: number; bytesSent: number; statuses: Record<string, number> };
}

/** Polls /health one request at a time and samples the server's RSS until `until` resolves. */
async function observe(baseUrl: string, child: Child, until: Promise<unknown>): Promise<Phase> {
  const phase: Phase = { healthMs: [], healthFailures: 0, peakRss: 0 };
  let over = false;
  void until.finally(() => {
    over = true;
  });
  const rss = setInterval(() => {
    phase.peakRss = Math.max(phase.peakRss, readStatusBytes(child.pid, "VmRSS"));
  }, RSS_INTERVAL_MS);
  try {
    while (!over) {
      const before = performance.now();
      try {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.status !== 200) phase.healthFailures++;
      } catch {
        phase.healthFailures++;
      }
      phase.healthMs.push(performance.now() - before);
      await Bun.sleep(PROBE_INTERVAL_MS);
    }
  } finally {
    clearInterval(rss);
  }
  phase.peakRss = Math.max(phase.peakRss, readStatusBytes(child.pid, "VmRSS"));
  return phase;
}

async function flood(baseUrl: string, paths: readonly string[]): Promise<NonNullable<Phase["attack"]>> {
  const worker = join(benchDir, "lib", "flood-worker.ts");
  const args = [baseUrl, String(ATTACKERS), String(PHASE_MS), String(BODY_BYTES), ...paths];
  const output = await runCommand([process.execPath, worker, ...args], {
    cwd: benchDir,
    env: { PATH: process.env.PATH ?? "" },
    timeoutMs: PHASE_MS + 60_000,
  });
  return JSON.parse(output.split("\n").at(-1)!);
}

const p99 = (phase: Phase) => percentile(phase.healthMs, 99);
const describeStatuses = (s: Record<string, number>) =>
  Object.entries(s)
    .sort(([, a], [, b]) => b - a)
    .map(([status, n]) => `${n.toLocaleString("en-US")} × ${status}`)
    .join(", ");

export default {
  title: "Attack: parallel 100 MB posts without a session",
  async run() {
    const binary = await ensureAppBinary();
    return await withTempDir("attack", async (dir) => {
      const port = freePort();
      const baseUrl = `http://${LOOPBACK}:${port}`;
      const env = { PATH: process.env.PATH ?? "", HOME: dir, NETRONOME__HOST: LOOPBACK, NETRONOME__PORT: String(port) };
      await runCommand([binary, "create-user", "bench"], { cwd: dir, env, stdin: "password123\n", timeoutMs: 30_000 });
      const child = startChild([binary, "serve"], { cwd: dir, env, logPath: join(dir, "server.log") });
      try {
        await waitForOk(`${baseUrl}/health`, child, { intervalMs: 20, timeoutMs: 10_000 });
        progress("at rest");
        const rest = await observe(baseUrl, child, Bun.sleep(REST_MS));
        const restHwm = readStatusBytes(child.pid, "VmHWM");
        progress(`${ATTACKERS} × ${BODY_BYTES / 2 ** 20} MiB posts to /login for ${PHASE_MS / 1000} s`);
        const loginAttack = flood(baseUrl, ["/login"]);
        const login = { ...(await observe(baseUrl, child, loginAttack)), attack: await loginAttack };
        progress(`the same against protected routes (${PROTECTED.join(", ")})`);
        const protectedAttack = flood(baseUrl, PROTECTED);
        const guarded = { ...(await observe(baseUrl, child, protectedAttack)), attack: await protectedAttack };
        const signIn = await fetch(`${baseUrl}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "bench", password: "password123" }),
        });
        if (signIn.status !== 200) throw new Error(`signing in after the attack failed: HTTP ${signIn.status}`);
        const hwm = readStatusBytes(child.pid, "VmHWM");

        const measurements: Measurement[] = [
          info("RSS at rest", formatMB(rest.peakRss)),
          judge("Peak RSS during the /login attack", login.peakRss, { atMost: TARGET_RSS_BYTES }, formatMB),
          judge("Peak RSS during the protected-route attack", guarded.peakRss, { atMost: TARGET_RSS_BYTES }, formatMB),
          info("Highest RSS before the attacks (VmHWM: start-up and rest)", formatMB(restHwm)),
          judge(
            "Highest RSS of the process's life after both attacks (VmHWM)",
            hwm,
            { atMost: TARGET_RSS_BYTES },
            formatMB,
          ),
          info("/health p99 at rest", `${formatMs(p99(rest))} (n = ${rest.healthMs.length})`),
          judge("/health p99 during the /login attack", p99(login), { atMost: TARGET_HEALTH_P99_MS }, formatMs, {
            detail: `(n = ${login.healthMs.length}, ${login.healthFailures} failed; ${(p99(login) / p99(rest)).toFixed(1)} × at rest)`,
          }),
          judge(
            "/health p99 during the protected-route attack",
            p99(guarded),
            { atMost: TARGET_HEALTH_P99_MS },
            formatMs,
            {
              detail: `(n = ${guarded.healthMs.length}, ${guarded.healthFailures} failed; ${(p99(guarded) / p99(rest)).toFixed(1)} × at rest)`,
            },
          ),
          info(
            "Attack on /login",
            `${login.attack.requests.toLocaleString("en-US")} posts, ${formatMB(login.attack.bytesSent)} written by the attacker; answers: ${describeStatuses(login.attack.statuses)}`,
          ),
          info(
            "Attack on protected routes",
            `${guarded.attack.requests.toLocaleString("en-US")} posts, ${formatMB(guarded.attack.bytesSent)} written by the attacker; answers: ${describeStatuses(guarded.attack.statuses)}`,
          ),
        ];
        const notes = [
          `dist/netronome (scripts/build.sh) on ${LOOPBACK}, one user, SQLite in a fresh folder.`,
          `Each attack: bench/lib/flood-worker.ts in its own process, ${ATTACKERS} connections for ${PHASE_MS / 1000} s, each posting ${BODY_BYTES / 2 ** 20} MiB bodies without a session as fast as the socket takes them (half announce Content-Length, half stream chunked), a new connection after every answer or close.`,
          `Meanwhile the harness requests /health one at a time every ${PROBE_INTERVAL_MS} ms and reads VmRSS from /proc every ${RSS_INTERVAL_MS} ms; "at rest" is the same for ${REST_MS / 1000} s before the attacks. VmHWM is the kernel's high-water mark of RSS, so it also catches a peak between two samples.`,
          "Sign-in is checked to still work after both attacks. The attacker, the prober and the server share the machine's two cores.",
        ];
        return { measurements, notes };
      } finally {
        await child.stop();
      }
    });
  },
} satisfies Benchmark;
