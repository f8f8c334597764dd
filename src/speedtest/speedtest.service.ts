/**
 * Runs speed tests: one at a time on the machine (a manual request while one
 * runs is refused, scheduled runs wait their turn), live progress on the bus,
 * cancellation that kills child processes and writes nothing, and the stored
 * result. Knows nothing about HTTP.
 */
import type { Publisher } from "../core/bus";
import { AppError, BadGateway, BadInput, Conflict, NotFound } from "../core/errors";
import { formatTarget, parseTarget } from "../core/host";
import type { Logger } from "../core/log";
import { plainError } from "../core/plain-error";
import type { Executor } from "../measure/executor";
import { ProviderError } from "../measure/providers/provider";
import { PROVIDERS } from "../measure/providers/registry";
import type { SpeedTestPhase as Phase, SpeedTestServer } from "../protocol/measurements";
import type { Semaphore } from "../scheduler/semaphore";
import type { IperfServersService } from "./iperf-servers.service";
import type { LiveProgress, RunInfo, RunOutcome, SpeedtestEvent, SpeedtestSnapshot } from "./speedtest.events";
import type { IperfServerRow, SpeedTestRow, SpeedtestRepository } from "./speedtest.repository";
import { LEGACY_PROVIDER_FLAGS, TEST_TYPES, type TestOptions, type TestType } from "./speedtest.schema";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Share of the whole test each phase represents, for one overall percentage. */
const PHASE_WEIGHT: Record<Phase, number> = { latency: 1, download: 4.5, upload: 4.5 };
/** Prefix of saved iperf3 server IDs in server lists and TestOptions.serverIds. */
export const SAVED_IPERF_PREFIX = "iperf-";

export interface StartedTest {
  run: RunInfo;
  /** Resolves with the stored result (also for a test that failed with an error); rejects when cancelled. */
  done: Promise<SpeedTestRow>;
}

export class TestCancelled extends Error {
  constructor() {
    super("the test was cancelled");
  }
}

/** What a test runs against, resolved from its options. */
interface TestTarget {
  testType: TestType;
  serverId?: string;
  host?: string;
  displayName: string;
  udp: boolean;
}

/** `testType` when given; else the original's flags (useIperf wins, as there); else the first provider. */
export function testTypeOf(o: Pick<TestOptions, "testType" | "useIperf" | "useLibrespeed">): TestType {
  if (o.testType) return o.testType;
  if (o.useIperf) return LEGACY_PROVIDER_FLAGS.useIperf;
  if (o.useLibrespeed) return LEGACY_PROVIDER_FLAGS.useLibrespeed;
  return TEST_TYPES[0];
}

/** Options selecting `testType`, with the original's flags set to match (original clients read them back). */
export function providerOptions(testType: TestType): Pick<TestOptions, "testType" | "useIperf" | "useLibrespeed"> {
  return {
    testType,
    useIperf: testType === LEGACY_PROVIDER_FLAGS.useIperf,
    useLibrespeed: testType === LEGACY_PROVIDER_FLAGS.useLibrespeed,
  };
}

export function iperfServerInfo(s: IperfServerRow): SpeedTestServer {
  return {
    id: `${SAVED_IPERF_PREFIX}${s.id}`,
    name: s.name,
    host: formatTarget({ host: s.host, port: s.port }),
    distance: 0,
    country: "",
    sponsor: "",
    url: "",
    lat: 0,
    lon: 0,
    isIperf: true,
    isLibrespeed: false,
    isPublic: false,
  };
}

export function createSpeedtestService(deps: {
  repo: SpeedtestRepository;
  iperfServers: Pick<IperfServersService, "find">;
  executor: Executor;
  bus: Publisher<SpeedtestEvent>;
  slot: Semaphore;
  log: Logger;
}) {
  const { repo, iperfServers, executor, bus, slot, log } = deps;
  let current: { run: RunInfo; controller: AbortController; progress?: LiveProgress } | undefined;
  let last: RunOutcome | null = null;

  async function resolveTarget(options: TestOptions): Promise<TestTarget> {
    const testType = testTypeOf(options);
    const provider = PROVIDERS[testType];
    const requested = options.serverIds?.find((id) => id.trim() !== "");
    if (provider.target === "servers")
      return {
        testType,
        serverId: requested,
        displayName: options.serverName ?? requested ?? "closest server",
        udp: false,
      };
    if (options.serverHost?.trim()) {
      const target = parseTarget(options.serverHost, "serverHost");
      // A typed address of a saved server is that server: its results carry its name.
      const saved = options.serverName ? undefined : await iperfServers.find(target.host, target.port);
      return {
        testType,
        host: formatTarget(target),
        displayName: options.serverName || saved?.name || formatTarget(target),
        udp: Boolean(options.useUdp),
      };
    }
    if (provider.savedServers && requested?.startsWith(SAVED_IPERF_PREFIX)) {
      const saved = await repo.findIperfServer(Number(requested.slice(SAVED_IPERF_PREFIX.length)));
      if (!saved) throw new NotFound(`iperf3 server "${requested}" not found`);
      return {
        testType,
        host: formatTarget({ host: saved.host, port: saved.port }),
        displayName: saved.name,
        udp: Boolean(options.useUdp),
      };
    }
    throw new BadInput(
      `serverHost: a test with ${provider.label} needs a host (host, host:port or [IPv6]:port)${provider.savedServers ? " or a saved server" : ""}`,
      "serverHost",
    );
  }

  function phasesOf(options: TestOptions): Phase[] {
    const phases: Phase[] = ["latency"];
    if (options.enableDownload !== false) phases.push("download");
    if (options.enableUpload !== false) phases.push("upload");
    return phases;
  }

  function overallPercent(phases: Phase[], phase: Phase, phasePercent: number): number {
    const total = phases.reduce((s, p) => s + PHASE_WEIGHT[p], 0);
    const before = phases.slice(0, phases.indexOf(phase)).reduce((s, p) => s + PHASE_WEIGHT[p], 0);
    return Math.min(100, ((before + (PHASE_WEIGHT[phase] * phasePercent) / 100) / total) * 100);
  }

  async function execute(
    run: RunInfo,
    target: TestTarget,
    options: TestOptions,
    controller: AbortController,
    scheduleId?: number,
  ) {
    const started = Date.now();
    const request = {
      provider: target.testType,
      serverId: target.serverId,
      host: target.host,
      udp: target.udp,
      enableDownload: options.enableDownload !== false,
      enableUpload: options.enableUpload !== false,
    };
    try {
      const m = await executor.runSpeedTest(request, {
        signal: controller.signal,
        onProgress: (p) => {
          const progress: LiveProgress = {
            phase: p.phase,
            phasePercent: p.percent,
            percent: overallPercent(run.phases, p.phase, p.percent),
            ...(p.mbps !== undefined ? { mbps: p.mbps } : {}),
            ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
          };
          if (current?.run === run) current.progress = progress;
          bus.publish({ type: "speedtest.progress", run, progress });
        },
      });
      return await repo.insertResult({
        testType: target.testType,
        serverId: m.serverId,
        // Hosts are named by the user (or saved with a name); listed servers have their provider's names.
        serverName: PROVIDERS[target.testType].target === "host" ? target.displayName : m.serverName,
        serverHost: m.serverHost,
        downloadMbps: m.downloadMbps,
        uploadMbps: m.uploadMbps,
        latencyMs: m.latencyMs,
        jitterMs: m.jitterMs,
        packetLoss: m.packetLoss,
        udp: target.udp,
        isp: m.isp,
        bytesDownloaded: Math.round(m.bytesDownloaded),
        bytesUploaded: Math.round(m.bytesUploaded),
        durationMs: Math.round(m.durationMs),
        isScheduled: run.isScheduled,
        scheduleId: scheduleId ?? null,
      });
    } catch (e) {
      if (controller.signal.aborted) throw new TestCancelled();
      // Bad input (an unknown server ID, say) is the caller's mistake, not a measurement: nothing is stored.
      if (e instanceof AppError) throw e;
      const raw = e instanceof Error ? e.message : String(e);
      log.warn("speed test failed", { testType: target.testType, server: target.displayName, error: raw });
      const message = plainError(raw);
      return await repo.insertResult({
        testType: target.testType,
        serverId: target.serverId ?? target.host ?? "",
        serverName: target.displayName,
        serverHost: target.host ?? "",
        udp: target.udp,
        isScheduled: run.isScheduled,
        scheduleId: scheduleId ?? null,
        durationMs: Date.now() - started,
        error: message,
      });
    }
  }

  return {
    /** Validates the options' provider and target without starting anything (schedules check them when saved). */
    async check(options: TestOptions): Promise<{ testType: TestType; displayName: string }> {
      const target = await resolveTarget(options);
      return { testType: target.testType, displayName: target.displayName };
    },

    /** Servers for the picker: the provider's list (502 when it cannot be had: no internet, service down), or the saved servers. */
    async listServers(testType: TestType, signal: AbortSignal): Promise<SpeedTestServer[]> {
      if (PROVIDERS[testType].savedServers) return (await repo.listIperfServers()).map(iperfServerInfo);
      try {
        return await executor.listServers(testType, signal);
      } catch (e) {
        throw e instanceof ProviderError ? new BadGateway(e.message) : e;
      }
    },

    /** The running test and its latest progress, for pages opened mid-test. */
    current(): { run: RunInfo; progress?: LiveProgress } | undefined {
      return current && { run: current.run, progress: current.progress };
    },

    /**
     * Starts a test. Manual tests are refused with 409 while one runs; scheduled
     * tests wait for the slot. Input is validated before anything starts. `signal`
     * withdraws a waiting test from the queue, or cancels it once it runs.
     */
    async start(
      options: TestOptions,
      how: { scheduled: boolean; scheduleId?: number; signal?: AbortSignal },
    ): Promise<StartedTest> {
      const target = await resolveTarget(options);
      const release = how.scheduled ? await slot.acquire(how.signal) : slot.tryAcquire();
      if (!release) throw new Conflict("a test is already running");
      const controller = new AbortController();
      const abort = () => controller.abort();
      how.signal?.addEventListener("abort", abort, { once: true });
      const run: RunInfo = {
        id: crypto.randomUUID(),
        testType: target.testType,
        serverName: target.displayName,
        isScheduled: how.scheduled,
        startedAt: Date.now(),
        phases: phasesOf(options),
      };
      current = { run, controller };
      bus.publish({ type: "speedtest.started", run });
      // The outcome is recorded and the run stops being current before anyone hears of it, so a snapshot never
      // shows a test as running after its outcome was published.
      const end = (outcome: DistributiveOmit<RunOutcome, "at">) => {
        last = { ...outcome, at: Date.now() } as RunOutcome;
        if (current?.run === run) current = undefined;
      };
      const done = execute(run, target, options, controller, how.scheduleId)
        .then((result) => {
          end({ run, outcome: "finished", result });
          bus.publish({ type: "speedtest.finished", run, result });
          return result;
        })
        .catch((e: unknown) => {
          if (e instanceof TestCancelled) {
            end({ run, outcome: "cancelled" });
            bus.publish({ type: "speedtest.cancelled", run });
          } else {
            const message = e instanceof Error ? e.message : String(e);
            end({ run, outcome: "rejected", message });
            bus.publish({ type: "speedtest.rejected", run, message });
          }
          throw e;
        })
        .finally(() => {
          how.signal?.removeEventListener("abort", abort);
          release();
        });
      return { run, done };
    },

    /** The running test, or how the last one ended: what a page's event stream starts with. */
    snapshot(): SpeedtestSnapshot {
      return { current: current ? { run: current.run, progress: current.progress } : null, last };
    },

    /** Aborts the running test: its child processes are killed and no result is written. */
    cancel(): boolean {
      if (!current) return false;
      current.controller.abort();
      return true;
    },
  };
}

export type SpeedtestService = ReturnType<typeof createSpeedtestService>;
