/**
 * The hub at scale: 100 simulated agents sampling at 1 Hz into one hub (the compiled binary), on SQLite and on
 * PostgreSQL. Measures the hub's memory, how long a live sample takes from its agent to a browser's /events stream,
 * the hub's CPU, and (in this process, as monitor-history does) the cost of storing one poll.
 */
import postgres from "postgres";
import { configFrom } from "../src/config/load";
import { type DbHandle, type DbOptions, openDatabase } from "../src/db";
import { atomicBatch } from "../src/history/atomic";
import { gaugeOf } from "../src/history/gauges";
import { hardwareSamples } from "../src/hub/agent-metrics";
import { createAgentsRepository } from "../src/hub/agents.repository";
import { startFakeAgent } from "../test/servers/agent-server";
import { ensureAppBinary, uncommittedBuildInputs } from "./lib/build";
import { addAgents, cpuSeconds, readEvents, startFleet, startHub } from "./lib/hub-fleet";
import { freePort, LOOPBACK } from "./lib/net";
import { readStatusBytes } from "./lib/procfs";
import {
  type Benchmark,
  formatMB,
  formatMs,
  formatPercent,
  info,
  judge,
  type Measurement,
  progress,
} from "./lib/report";
import { percentile, type Summary, summarize } from "./lib/stats";
import { makeTempDir, removeTempDir } from "./lib/temp";

const TARGET_RSS_BYTES = 150e6;
const TARGET_LAG_P99_MS = 100;
const TARGET_WRITE_MS = 1;

const AGENTS = 100;
const SAMPLE_EVERY_MS = 1000;
const WARMUP_S = 15;
const WINDOW_S = 60;
const WRITE_SAMPLES = 500;
const WRITE_WARMUP = 20;
const POLL_EVERY_S = 30;

interface Dialect {
  label: string;
  /** The hub's database settings, as environment variables. */
  env: Record<string, string>;
  /** The same database for this process's write measurement. */
  options: DbOptions;
  cleanup(): Promise<void>;
}

function sqliteDialect(dir: string): Dialect {
  return {
    label: "SQLite",
    env: {},
    options: { ...configFrom({}).config.database, type: "sqlite", path: `${dir}/writes.db` },
    cleanup: async () => {},
  };
}

async function postgresDialect(url: string): Promise<Dialect> {
  const u = new URL(url);
  if (u.hostname !== LOOPBACK && u.hostname !== "localhost") throw new Error("the benchmark database must be local");
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const names = [`netronome_bench_hub_${process.pid}`, `netronome_bench_hubw_${process.pid}`];
  for (const name of names) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${name}`);
  }
  const connection = {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
  return {
    label: "PostgreSQL",
    env: {
      NETRONOME__DB_TYPE: "postgres",
      NETRONOME__DB_HOST: connection.host,
      NETRONOME__DB_PORT: String(connection.port),
      NETRONOME__DB_USER: connection.user,
      NETRONOME__DB_PASSWORD: connection.password,
      NETRONOME__DB_NAME: names[0]!,
    },
    options: { ...configFrom({}).config.database, type: "postgres", ...connection, dbname: names[1]! },
    cleanup: async () => {
      for (const name of names) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** 100 agents into one hub for a minute: memory, event lag to a browser stream, CPU. */
async function measureFleet(binary: string, ports: number[], dialect: Dialect, dir: string): Promise<Measurement[]> {
  const label = dialect.label;
  const hub = await startHub(binary, dir, freePort(), dialect.env);
  try {
    progress(`${label}: adding ${ports.length} agents`);
    const rampMs = await addAgents(hub, ports);
    const reader = await readEvents(hub);
    await Bun.sleep(WARMUP_S * 1000);
    reader.measure();
    const cpuBefore = cpuSeconds(hub.child.pid);
    const rss: number[] = [];
    progress(`${label}: measuring for ${WINDOW_S} s`);
    for (let s = 0; s < WINDOW_S; s++) {
      await Bun.sleep(1000);
      rss.push(readStatusBytes(hub.child.pid, "VmRSS"));
    }
    const cpu = (cpuSeconds(hub.child.pid) - cpuBefore) / WINDOW_S;
    const peak = readStatusBytes(hub.child.pid, "VmHWM");
    const { lags, hubToReader, events } = await reader.stop();
    const expected = (ports.length * (WINDOW_S * 1000)) / SAMPLE_EVERY_MS;
    const lag = summarize(lags);
    return [
      judge(
        `${label}: hub RSS with ${ports.length} agents, highest in the window`,
        Math.max(...rss),
        { atMost: TARGET_RSS_BYTES },
        formatMB,
        {
          detail: `(at the end ${formatMB(rss.at(-1)!)}; peak since start ${formatMB(peak)})`,
        },
      ),
      judge(
        `${label}: live sample from agent to /events reader, p99`,
        percentile(lags, 99),
        { atMost: TARGET_LAG_P99_MS },
        formatMs,
        {
          detail: `(median ${formatMs(lag.median)}, max ${formatMs(lag.max)}; hub to reader p99 ${formatMs(percentile(hubToReader, 99))})`,
        },
      ),
      info(
        `${label}: live events delivered in ${WINDOW_S} s`,
        `${events.toLocaleString("en-US")} of ${expected.toLocaleString("en-US")} sent (${formatPercent(events / expected)})`,
      ),
      info(
        `${label}: hub CPU while receiving, polling every ${POLL_EVERY_S} s and streaming`,
        `${formatPercent(cpu)} of one core`,
      ),
      info(`${label}: adding ${ports.length} agents until all were online`, formatMs(rampMs)),
    ];
  } finally {
    await hub.child.stop();
  }
}

/** Storing one poll as the hub does, in this process: system row, interfaces, hardware, peaks, raw samples, rollups. */
async function measureWrites(dialect: Dialect): Promise<Measurement[]> {
  const h: DbHandle = await openDatabase(dialect.options);
  const fake = startFakeAgent({ intervalMs: 60_000 });
  await fake.stop();
  try {
    const repo = createAgentsRepository(h);
    const agent = await repo.insert({ name: "w", url: "http://127.0.0.1:8200/events?stream=live-data" });
    const system = { ...fake.system, agentVersion: "0.1.0", protocolVersion: 1, bandwidthSource: "vnstat" };
    const start = Date.now() - (WRITE_SAMPLES + WRITE_WARMUP) * POLL_EVERY_S * 1000;
    const samplesOf = (i: number) => {
      const hardware = { ...fake.hardware, cpu: { ...fake.hardware.cpu, usage_percent: 10 + (i % 50) } };
      return {
        hardware,
        samples: [
          ...hardwareSamples(hardware),
          { metric: "rx" as const, label: "", figures: { count: 30, sum: 3.6e7, min: 9e5, max: 1.6e6 } },
          { metric: "tx" as const, label: "", figures: gaugeOf(3e5) },
        ],
      };
    };
    const at = (i: number) => new Date(start + i * POLL_EVERY_S * 1000);
    // A poll as most are stored: its history rows.
    const poll = (i: number) => repo.recordPoll({ agentId: agent.id, at: at(i), samples: samplesOf(i).samples });
    // A poll that also refreshes the stored documents (every 5 minutes, on a change, and when the agent goes offline).
    const pollWithDocs = (i: number) => {
      const { hardware, samples } = samplesOf(i);
      return repo.recordPoll({
        agentId: agent.id,
        at: at(WRITE_WARMUP + WRITE_SAMPLES + i),
        samples,
        system,
        hardware,
        peaks: fake.peaks,
        lastSeen: at(i),
      });
    };
    const baseline = () =>
      atomicBatch(h, (tx) => [tx.update(h.t.agents).set({ lastSeenAt: new Date() })], { relaxedDurability: true });
    // The three take turns, so that whatever else the machine does weighs on each alike.
    const tasks = [poll, pollWithDocs, baseline];
    const times = tasks.map((): number[] => []);
    for (let i = 0; i < WRITE_WARMUP + WRITE_SAMPLES; i++)
      for (const [k, task] of tasks.entries()) {
        const t0 = performance.now();
        await task(i);
        if (i >= WRITE_WARMUP) times[k]!.push(performance.now() - t0);
      }
    const [polls, withDocs, base] = times.map(summarize) as [Summary, Summary, Summary];
    const load = (polls.median * AGENTS) / (POLL_EVERY_S * 1000);
    return [
      judge(
        `${dialect.label}: store one poll (13 series: raw rows and both rollup buckets), median beyond the baseline`,
        polls.median - base.median,
        { atMost: TARGET_WRITE_MS },
        formatMs,
        {
          detail: `(${formatMs(polls.median)} in all, p95 ${formatMs(polls.p95)}, n = ${WRITE_SAMPLES}; ${AGENTS} agents every ${POLL_EVERY_S} s keep the writer busy ${formatPercent(load)} of the time)`,
        },
      ),
      info(
        `${dialect.label}: store a poll with the agent's documents (system, interfaces, hardware, peaks), median`,
        `${formatMs(withDocs.median)} (p95 ${formatMs(withDocs.p95)}; at most one poll in ten per agent)`,
      ),
      info(
        `${dialect.label}: baseline, a one-statement write transaction, median`,
        `${formatMs(base.median)} (p95 ${formatMs(base.p95)}); one poll costs ${(polls.median / base.median).toFixed(1)} × this`,
      ),
    ];
  } finally {
    await h.close();
  }
}

const benchmark: Benchmark = {
  title: "Hub: 100 agents at 1 Hz into one hub",
  async run() {
    const binary = await ensureAppBinary();
    const uncommitted = await uncommittedBuildInputs();
    const measurements: Measurement[] = [];
    const notes = [
      `The hub is dist/netronome (${uncommitted ? `${uncommitted} build inputs differ from the commit` : "built from the commit"}), started in a fresh folder with the defaults ([monitor] poll_interval 30 s, reconnect_interval 30 s, stale_after 20 s) on 127.0.0.1.`,
      `Agents: ${AGENTS} instances of test/servers/agent-server.ts in one Bun process, each serving the agent contract on its own port and sending one live sample per second with its send time (Date.now()) as the rx rate; the hub holds one SSE connection per agent and polls /system/info, /system/hardware and /stats/peaks every 30 s and the vnstat export hourly.`,
      `Lag: a browser-like client in this process reads the hub's /events stream (signed in, as a page does) and, for every agent-live event, subtracts the stamp from the time it read the event: agent → hub → bus → /events → reader. The first ${WARMUP_S} s after all agents are online are not counted; then ${WINDOW_S} s are.`,
      "RSS: VmRSS of the hub from /proc every second of the window; VmHWM is the peak since it started (including adding the agents).",
      `Store: AgentsRepository.recordPoll in this process on a database of the same kind, as the hub stores a poll: one statement for the raw rows and one merging both rollup buckets of every series in SQL, prepared once on the writer connection, in one transaction (on PostgreSQL BEGIN, the statements and COMMIT go out together: one round trip); ${WRITE_SAMPLES} sequential polls ${POLL_EVERY_S} s apart after ${WRITE_WARMUP} warm-up polls. The agent's documents (system row, interfaces, hardware, peaks) are stored with a poll only every 5 minutes, when they change, and when the agent goes offline (pages read the last poll from memory meanwhile); such a poll is timed separately. The baseline is the smallest write transaction on the same path: one UPDATE through atomicBatch, committed as a poll is (on PostgreSQL without waiting for the WAL flush). The three take turns, poll by poll. The budget is for what a poll adds beyond that baseline: the baseline is the machine's price of any commit (on PostgreSQL a round trip to the server), which doubles from one of our test machines to another while the statements' own cost does not.`,
      "The agents, the hub, PostgreSQL and the reader share this machine's CPUs.",
    ];
    const dir = makeTempDir("hub");
    progress(`starting ${AGENTS} simulated agents`);
    const fleet = await startFleet(AGENTS, SAMPLE_EVERY_MS, dir);
    const dialects: Dialect[] = [sqliteDialect(dir)];
    const pgUrl = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL;
    if (pgUrl) dialects.push(await postgresDialect(pgUrl));
    else
      notes.push(
        "PostgreSQL was skipped: set TEST_PG_URL (`source scripts/test-env.sh`) or BENCH_PG_URL to a local server.",
      );
    try {
      for (const dialect of dialects) {
        const hubDir = makeTempDir(`hub-${dialect.label.toLowerCase()}`);
        try {
          measurements.push(...(await measureFleet(binary, fleet.ports, dialect, hubDir)));
          progress(`${dialect.label}: timing stored polls`);
          measurements.push(...(await measureWrites(dialect)));
        } finally {
          removeTempDir(hubDir);
        }
      }
    } finally {
      await fleet.child.stop();
      for (const dialect of dialects) await dialect.cleanup();
      removeTempDir(dir);
    }
    return { measurements, notes };
  },
};

export default benchmark;

// `bun bench/hub.bench.ts writes`: only the stored-poll timings, on SQLite and (with TEST_PG_URL or BENCH_PG_URL) on
// PostgreSQL, printed and not recorded: a quick check while working on the write path.
if (import.meta.main && process.argv[2] === "writes") {
  const { terminalTable } = await import("./lib/markdown");
  const dir = makeTempDir("hub-writes");
  const dialects: Dialect[] = [sqliteDialect(dir)];
  const pgUrl = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL;
  if (pgUrl) dialects.push(await postgresDialect(pgUrl));
  try {
    for (const dialect of dialects) console.log(terminalTable(await measureWrites(dialect)));
  } finally {
    for (const dialect of dialects) await dialect.cleanup();
    removeTempDir(dir);
  }
}
