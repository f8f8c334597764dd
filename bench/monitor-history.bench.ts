/**
 * Long packet-loss history that stays fast: one year of a 10-second monitor (3,153,600 runs of 10 probes) loaded
 * the way the retention defaults keep it — hourly rollups for the whole year, 1-minute rollups for minute_days, raw
 * results with hop data for raw_days — into SQLite and PostgreSQL. Measures the one-year chart's query, the whole
 * chart API response over a real socket, and the cost of storing one result with its rollups.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { configFrom } from "../src/config/load";
import { buildInfo } from "../src/core/build-info";
import { silentLogger } from "../src/core/log";
import { type DbHandle, type DbOptions, openDatabase } from "../src/db";
import type { MonitorHop } from "../src/diagnostics/monitors/hops";
import { createMonitorsRepository } from "../src/diagnostics/monitors/monitors.repository";
import { atomic } from "../src/history/atomic";
import { createHistoryRepository } from "../src/history/history.repository";
import { mergeFigures, type RollupFigures, runFigures } from "../src/history/rollups";
import { createApp } from "../src/server/app";
import type { AppContext } from "../src/server/context";
import { LOOPBACK } from "./lib/net";
import { type Benchmark, formatMB, formatMs, info, judge, type Measurement, progress } from "./lib/report";
import { summarize } from "./lib/stats";
import { makeTempDir, removeTempDir } from "./lib/temp";

const TARGET_CHART_QUERY_P95_MS = 20;
const TARGET_API_P95_MS = 60;
const TARGET_WRITE_MS = 1;

const RUN_EVERY_S = 10;
const PROBES_PER_RUN = 10;
const DAYS = 365;
/** The [retention] defaults: raw results 7 days, 1-minute rollups 30 days, hourly rollups forever. */
const RAW_DAYS = 7;
const MINUTE_DAYS = 30;
const INSERT_BATCH = 500;
const WARMUP = 20;
const QUERY_SAMPLES = 200;
const API_SAMPLES = 200;
const WRITE_SAMPLES = 500;

const DAY_MS = 86_400_000;
const RUNS_PER_MINUTE = 60 / RUN_EVERY_S;

/** A small deterministic generator (mulberry32), so both databases get the same year. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 6-hop path as mtr reports it, for the raw rows' hop data. */
function hopsOf(rand: () => number): MonitorHop[] {
  return [1, 2, 3, 4, 5, 6].map((n) => {
    const avg = 0.4 + n * 3.4 + rand();
    return {
      number: n,
      host: n === 3 ? null : `10.${n}.${n}.1`,
      ip: n === 3 ? null : `10.${n}.${n}.1`,
      loss: n === 3 ? 100 : 0,
      sent: PROBES_PER_RUN,
      recv: n === 3 ? 0 : PROBES_PER_RUN,
      last: n === 3 ? null : avg,
      avg: n === 3 ? null : avg,
      best: n === 3 ? null : avg * 0.8,
      worst: n === 3 ? null : avg * 1.6,
      stddev: n === 3 ? null : avg * 0.1,
      ...(n === 6 ? { countryCode: "DE", flag: "🇩🇪", as: "AS3320 Deutsche Telekom AG" } : {}),
    };
  });
}

/**
 * One minute of runs: 6 runs of 10 probes to a destination ~20 ms away with a daily swing, a long tail and the
 * odd lost probe, plus a bad hour every few days.
 */
function minuteFigures(at: number, rand: () => number): RollupFigures {
  const hourOfDay = (at / 3_600_000) % 24;
  const median = 20 + 4 * Math.sin((hourOfDay / 24) * 2 * Math.PI);
  const lossRate = Math.floor(at / 3_600_000) % 97 === 0 ? 0.08 : 0.003;
  let figures: RollupFigures | undefined;
  for (let run = 0; run < RUNS_PER_MINUTE; run++) {
    const samples: number[] = [];
    for (let probe = 0; probe < PROBES_PER_RUN; probe++) {
      if (rand() < lossRate) continue;
      const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      samples.push(median * Math.exp(0.15 * normal));
    }
    const recv = samples.length;
    const one = runFigures({
      packetsSent: PROBES_PER_RUN,
      packetsRecv: recv,
      packetLoss: ((PROBES_PER_RUN - recv) / PROBES_PER_RUN) * 100,
      rttSamplesMs: samples,
    });
    figures = figures ? mergeFigures(figures, one) : one;
  }
  return figures!;
}

interface Loaded {
  monitorId: number;
  hourRows: number;
  minuteRows: number;
  rawRows: number;
  loadMs: number;
}

async function insertInBatches<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH) await insert(rows.slice(i, i + INSERT_BATCH));
}

/** Loads the year into `h`; the rollups are what writing every run would have produced, built in memory. */
async function loadYear(h: DbHandle, now: number): Promise<Loaded> {
  const started = performance.now();
  const { db, t } = h;
  const [monitor] = await db
    .insert(t.packetLossMonitors)
    .values({
      host: "192.0.2.10",
      name: "year",
      interval: `${RUN_EVERY_S}s`,
      packetCount: PROBES_PER_RUN,
      threshold: 5,
    })
    .returning();
  const monitorId = monitor!.id;
  const rand = random(2026);
  const end = Math.floor(now / 3_600_000) * 3_600_000;
  const start = end - DAYS * DAY_MS;
  const minuteCutoff = end - MINUTE_DAYS * DAY_MS;
  const hourRows: (RollupFigures & { monitorId: number; resolution: number; bucketStart: Date })[] = [];
  const minuteRows: typeof hourRows = [];
  for (let hour = start; hour < end; hour += 3_600_000) {
    let figures: RollupFigures | undefined;
    for (let minute = hour; minute < hour + 3_600_000; minute += 60_000) {
      const m = minuteFigures(minute, rand);
      if (minute >= minuteCutoff) minuteRows.push({ monitorId, resolution: 60, bucketStart: new Date(minute), ...m });
      figures = figures ? mergeFigures(figures, m) : m;
    }
    hourRows.push({ monitorId, resolution: 3600, bucketStart: new Date(hour), ...figures! });
    if (hourRows.length % (30 * 24) === 0) progress(`generated ${hourRows.length / 24} days`);
  }
  await insertInBatches(hourRows, (batch) => db.insert(t.packetLossRollups).values(batch));
  await insertInBatches(minuteRows, (batch) => db.insert(t.packetLossRollups).values(batch));
  progress(`${hourRows.length} hourly and ${minuteRows.length} 1-minute rollups stored`);

  const raw: (typeof t.packetLossResults.$inferInsert)[] = [];
  for (let at = end - RAW_DAYS * DAY_MS; at < end; at += RUN_EVERY_S * 1000) {
    const hops = hopsOf(rand);
    const destination = hops.at(-1)!;
    raw.push({
      monitorId,
      packetLoss: 0,
      packetsSent: PROBES_PER_RUN,
      packetsRecv: PROBES_PER_RUN,
      minRtt: destination.best,
      avgRtt: destination.avg,
      maxRtt: destination.worst,
      stdDevRtt: destination.stddev,
      method: "mtr",
      hopCount: hops.length,
      hops,
      createdAt: new Date(at),
    });
  }
  await insertInBatches(raw, (batch) => db.insert(t.packetLossResults).values(batch));
  progress(`${raw.length} raw results with hop data stored`);
  return {
    monitorId,
    hourRows: hourRows.length,
    minuteRows: minuteRows.length,
    rawRows: raw.length,
    loadMs: performance.now() - started,
  };
}

async function timeEach(count: number, task: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await task(i);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await task(WARMUP + i);
    times.push(performance.now() - t0);
  }
  return times;
}

const spread = (times: number[]) => {
  const s = summarize(times);
  return `(median ${formatMs(s.median)}, max ${formatMs(s.max)}, n = ${s.count})`;
};

interface Subject {
  label: string;
  options: DbOptions;
  /** The SQLite file, for its size. */
  file?: string;
  cleanup(): Promise<void>;
}

function sqliteSubject(): Subject {
  const dir = makeTempDir("history");
  const file = join(dir, "netronome.db");
  return {
    label: "SQLite",
    options: { ...configFrom({}).config.database, type: "sqlite", path: file },
    file,
    cleanup: async () => removeTempDir(dir),
  };
}

async function postgresSubject(url: string): Promise<Subject> {
  const u = new URL(url);
  if (u.hostname !== LOOPBACK && u.hostname !== "localhost") throw new Error("the benchmark database must be local");
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const name = `netronome_bench_${process.pid}`;
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  return {
    label: "PostgreSQL",
    options: {
      ...configFrom({}).config.database,
      type: "postgres",
      host: u.hostname,
      port: Number(u.port || 5432),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      dbname: name,
    },
    cleanup: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function measure(subject: Subject): Promise<{ measurements: Measurement[]; notes: string[] }> {
  const label = subject.label;
  const h = await openDatabase(subject.options);
  const loaded = await loadYear(h, Date.now());
  const history = createHistoryRepository(h);
  const measurements: Measurement[] = [];
  const notes: string[] = [];

  const now = Date.now();
  const yearAgo = new Date(now - (DAYS + 1) * DAY_MS);
  const yearChart = () => history.chartRows(loaded.monitorId, 3600, yearAgo, new Date(now), 86_400);
  const queryTimes = await timeEach(QUERY_SAMPLES, yearChart);
  const days = (await yearChart()).length;
  measurements.push(
    judge(
      `${label}: one-year chart query (${loaded.hourRows.toLocaleString("en-US")} hourly rollups into ${days} days), p95`,
      summarize(queryTimes).p95,
      { atMost: TARGET_CHART_QUERY_P95_MS },
      formatMs,
      {
        detail: spread(queryTimes),
      },
    ),
  );

  // The whole response over a real socket: session check, rollup reads, merging into days, percentiles, JSON.
  const loadedConfig = configFrom({ logging: { level: "error" } });
  const ctx: AppContext = {
    config: loadedConfig.config,
    loaded: loadedConfig,
    db: h,
    log: silentLogger,
    build: buildInfo,
    startedAt: new Date(),
    stopping: new AbortController().signal,
    instanceId: crypto.randomUUID(),
  };
  const created = await createApp(ctx);
  await created.services.auth.createUser("bench", "password123");
  const server = created.app.listen({ hostname: LOOPBACK, port: 0 });
  try {
    const base = `http://${LOOPBACK}:${server.server!.port}`;
    const login = await fetch(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "bench", password: "password123" }),
    });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    let points = 0;
    let bytes = 0;
    const chart = async (range: string) => {
      const res = await fetch(`${base}/api/packetloss/monitors/${loaded.monitorId}/chart?timeRange=${range}`, {
        headers: { cookie },
      });
      if (!res.ok) throw new Error(`chart ${range}: HTTP ${res.status}`);
      const text = await res.text();
      bytes = text.length;
      points = (JSON.parse(text) as { points: unknown[] }).points.length;
    };
    const apiTimes = await timeEach(API_SAMPLES, () => chart("all"));
    measurements.push(
      judge(
        `${label}: GET …/chart?timeRange=all, whole response (${points} daily points), p95`,
        summarize(apiTimes).p95,
        { atMost: TARGET_API_P95_MS },
        formatMs,
        {
          detail: spread(apiTimes),
        },
      ),
    );
    notes.push(`${label}: the one-year response is ${formatMB(bytes)} of JSON.`);
    const dayTimes = await timeEach(API_SAMPLES, () => chart("1d"));
    measurements.push(
      info(
        `${label}: GET …/chart?timeRange=1d (${points} 1-minute points), p95`,
        `${formatMs(summarize(dayTimes).p95)} ${spread(dayTimes)}`,
      ),
    );
  } finally {
    await created.stop();
    server.stop(true);
  }

  // Storing runs as they arrive: result (with hop data), both rollup buckets, state, in one transaction.
  const repo = createMonitorsRepository(h);
  const rand = random(7);
  const writeStart = now - WRITE_SAMPLES * RUN_EVERY_S * 1000;
  const writeTimes = await timeEach(WRITE_SAMPLES, async (i) => {
    const hops = hopsOf(rand);
    const samples = Array.from({ length: PROBES_PER_RUN }, () => 18 + rand() * 4);
    await repo.recordRun({
      result: {
        monitorId: loaded.monitorId,
        packetLoss: 0,
        packetsSent: PROBES_PER_RUN,
        packetsRecv: PROBES_PER_RUN,
        minRtt: Math.min(...samples),
        avgRtt: samples.reduce((a, b) => a + b, 0) / samples.length,
        maxRtt: Math.max(...samples),
        stdDevRtt: 0.9,
        method: "mtr",
        hopCount: hops.length,
        hops,
        createdAt: new Date(writeStart + i * RUN_EVERY_S * 1000),
      },
      figures: runFigures({
        packetsSent: PROBES_PER_RUN,
        packetsRecv: PROBES_PER_RUN,
        packetLoss: 0,
        rttSamplesMs: samples,
      }),
      state: "ok",
      transition: null,
    });
  });
  const bareTimes = await timeEach(WRITE_SAMPLES, () =>
    atomic(
      h,
      function* (tx) {
        yield [
          tx
            .update(h.t.packetLossMonitors)
            .set({ lastRun: new Date() })
            .where(eq(h.t.packetLossMonitors.id, loaded.monitorId)),
        ];
      },
      { relaxedDurability: true },
    ),
  );
  const write = summarize(writeTimes);
  const bare = summarize(bareTimes);
  measurements.push(
    judge(
      `${label}: store one result with its rollups, median beyond the baseline`,
      write.median - bare.median,
      { atMost: TARGET_WRITE_MS },
      formatMs,
      { detail: `(${formatMs(write.median)} in all, p95 ${formatMs(write.p95)}, n = ${write.count})` },
    ),
    info(
      `${label}: baseline, a one-statement write transaction, median`,
      `${formatMs(bare.median)} (p95 ${formatMs(bare.p95)}, n = ${bare.count})`,
    ),
  );

  const size = subject.file ? ` in a ${formatMB(statSync(subject.file).size)} file` : "";
  notes.push(
    `${label}: loaded ${loaded.hourRows.toLocaleString("en-US")} hourly rollups (${DAYS} days), ${loaded.minuteRows.toLocaleString("en-US")} 1-minute rollups (${MINUTE_DAYS} days) and ${loaded.rawRows.toLocaleString("en-US")} raw results with 6-hop data (${RAW_DAYS} days)${size}, generating and inserting in ${(loaded.loadMs / 1000).toFixed(1)} s.`,
  );
  await h.close();
  return { measurements, notes };
}

const benchmark: Benchmark = {
  title: "Packet-loss history: one year of a 10-second monitor",
  async run() {
    const measurements: Measurement[] = [];
    const notes = [
      `The year is ${((DAYS * DAY_MS) / (RUN_EVERY_S * 1000)).toLocaleString("en-US")} runs of ${PROBES_PER_RUN} probes (RTTs log-normal around 20 ms with a daily swing, 0.3 % loss and a bad hour every 97 hours), kept as the [retention] defaults keep it: hourly rollups for the year, 1-minute rollups for ${MINUTE_DAYS} days and raw results only for ${RAW_DAYS} days, because older raw rows are pruned. The rollups are exactly what storing every run would have written, built in memory to keep the load short.`,
      "Chart query: HistoryRepository.chartRows as the chart endpoint runs it: the past year's hourly rollups of one monitor, summed into days by the database; one query at a time after 20 warm-up runs.",
      "Whole response: GET /api/packetloss/monitors/:id/chart over a real socket on 127.0.0.1 with a session cookie, timed to the last byte; besides the chart query it reads the 8,760 hourly histograms and merges them for the range's percentiles.",
      "Store: MonitorsRepository.recordRun, one transaction that inserts the result (6 hops of JSON), updates the monitor's state and upserts both rollup buckets, merged with the buckets the repository last wrote, in one pipelined batch of statements prepared once on the writer connection (a bucket changed behind the repository's back is read and merged again in the same transaction); 500 sequential runs 10 s apart into buckets that already exist. The baseline is the smallest write transaction through the same path built with the query builder (one UPDATE of the monitor row), measured in the same run. The budget is for what a result adds beyond that baseline: the baseline is the machine's price of any commit (on PostgreSQL a round trip to the server), which doubles from one of our test machines to another while the statements' own cost does not.",
    ];
    const subjects: (() => Promise<Subject>)[] = [async () => sqliteSubject()];
    const pgUrl = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL;
    if (pgUrl) subjects.push(() => postgresSubject(pgUrl));
    else
      notes.push(
        "PostgreSQL was skipped: set TEST_PG_URL (`source scripts/test-env.sh`) or BENCH_PG_URL to a local server.",
      );
    for (const make of subjects) {
      const subject = await make();
      try {
        progress(`${subject.label}: loading one year`);
        const result = await measure(subject);
        measurements.push(...result.measurements);
        notes.push(...result.notes);
      } finally {
        await subject.cleanup();
      }
    }
    return { measurements, notes };
  },
};

export default benchmark;
