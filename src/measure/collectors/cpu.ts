/**
 * CPU: usage from /proc/stat, load from /proc/loadavg, model, cores, threads and clock from /proc/cpuinfo (cpufreq
 * in /sys when cpuinfo has no clock, as on ARM). Usage is a rate: each consumer takes its own meter, so one reader's
 * polling never shortens another's window.
 */
import { type Collector, type CollectorContext, type CollectorDefinition, reportUnsupported } from "./collector";
import { listDir, readInteger, readText } from "./procfs";

export interface CpuTimes {
  /** All jiffies except guest time (already counted in user and nice). */
  total: number;
  /** idle + iowait. */
  idle: number;
}

export interface CpuInfo {
  model: string;
  cores: number;
  threads: number;
  /** MHz, averaged over the logical CPUs; 0 when the host does not say. */
  frequency: number;
}

/** Usage over a window that this meter alone advances. */
export interface CpuMeter {
  /** Percent 0–100 since this meter's previous call (see the window rules in `createMeter`). */
  usage(): Promise<number>;
}

export interface CpuCollector extends Collector {
  info(): CpuInfo;
  loadAverage(): [number, number, number];
  meter(): CpuMeter;
}

/** Windows shorter than this are noise: the previous figure is returned instead. */
const MIN_WINDOW_MS = 1_000;
/** Windows longer than this are stale: a fresh short sample is taken instead. */
const MAX_WINDOW_MS = 120_000;
/** The fresh sample's length (the original agent sampled for one second inside the request). */
const SHORT_SAMPLE_MS = 500;

export function parseCpuTimes(stat: string): CpuTimes | null {
  const line = stat.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((n) => !Number.isFinite(n))) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait };
}

export function usagePercent(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  if (total <= 0) return 0;
  const busy = total - (to.idle - from.idle);
  return Math.min(100, Math.max(0, Math.round((busy / total) * 10_000) / 100));
}

/** Model, physical cores, logical CPUs and average clock from /proc/cpuinfo. */
export function parseCpuInfo(text: string): CpuInfo {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, key: string) =>
    block.match(new RegExp(`^${key}\\s*:\\s*(.*)$`, "m"))?.[1]?.trim() ?? undefined;
  const first = blocks[0] ?? text;
  const model =
    field(first, "model name") ?? field(first, "Processor") ?? field(text, "Model") ?? field(text, "Hardware") ?? "";
  const cores = new Set<string>();
  let mhzSum = 0;
  let mhzCount = 0;
  for (const block of blocks) {
    const core = field(block, "core id");
    if (core !== undefined) cores.add(`${field(block, "physical id") ?? "0"}/${core}`);
    const mhz = Number(field(block, "cpu MHz"));
    if (mhz > 0) {
      mhzSum += mhz;
      mhzCount++;
    }
  }
  const threads = blocks.length;
  // Without core ids (ARM, many VMs) every logical CPU counts as a core; containers can show fewer threads than cores.
  const physical = cores.size ? Math.min(cores.size, threads) : threads;
  return { model, cores: physical, threads, frequency: mhzCount ? Math.round((mhzSum / mhzCount) * 10) / 10 : 0 };
}

export function parseLoadAverage(text: string | null): [number, number, number] {
  const [a = 0, b = 0, c = 0] = (text ?? "").trim().split(/\s+/).slice(0, 3).map(Number);
  return [a || 0, b || 0, c || 0];
}

function cpufreqAverage(sys: string): number {
  const root = `${sys}/devices/system/cpu`;
  const khz = listDir(root)
    .filter((d) => /^cpu\d+$/.test(d))
    .map((d) => readInteger(`${root}/${d}/cpufreq/scaling_cur_freq`))
    .filter((v): v is number => v !== null && v > 0);
  return khz.length ? Math.round(khz.reduce((a, b) => a + b, 0) / khz.length / 100) / 10 : 0;
}

function create(ctx: CollectorContext): CpuCollector {
  const { proc, sys } = ctx.paths;
  const readTimes = () => parseCpuTimes(readText(`${proc}/stat`) ?? "");
  const unsupported = readTimes() ? null : reportUnsupported(ctx, "CPU", `${proc}/stat is not readable`);
  const staticInfo = parseCpuInfo(readText(`${proc}/cpuinfo`) ?? "");

  const createMeter = (): CpuMeter => {
    let last: { at: number; times: CpuTimes } | null = null;
    let lastPercent = 0;
    return {
      async usage() {
        if (unsupported) return 0;
        let now = { at: performance.now(), times: readTimes()! };
        if (last && now.at - last.at < MIN_WINDOW_MS) return lastPercent;
        if (!last || now.at - last.at > MAX_WINDOW_MS) {
          last = now;
          await Bun.sleep(SHORT_SAMPLE_MS);
          now = { at: performance.now(), times: readTimes() ?? now.times };
        }
        lastPercent = usagePercent(last.times, now.times);
        last = now;
        return lastPercent;
      },
    };
  };

  return {
    unsupported,
    info() {
      if (staticInfo.frequency > 0) {
        // The clock changes with load: read it again, the rest of cpuinfo does not change.
        const fresh = parseCpuInfo(readText(`${proc}/cpuinfo`) ?? "");
        return { ...staticInfo, frequency: fresh.frequency || staticInfo.frequency };
      }
      return { ...staticInfo, frequency: cpufreqAverage(sys) };
    },
    loadAverage: () => parseLoadAverage(readText(`${proc}/loadavg`)),
    meter: createMeter,
  };
}

export const cpu = { label: "CPU", systemMetric: true, create } satisfies CollectorDefinition<CpuCollector>;
