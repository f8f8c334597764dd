/**
 * Runs speed tests, here or from an agent ("run from"): one at a time on each machine (a manual request while one
 * runs there is refused, scheduled runs wait their turn), live progress on the bus, cancellation that kills child
 * processes (the agent's too) and writes nothing, and the stored result with where it ran. Knows nothing about HTTP.
 */
import type { Publisher } from "../core/bus";
import { AppError, BadGateway, Conflict } from "../core/errors";
import { formatTarget } from "../core/host";
import type { Logger } from "../core/log";
import { plainError } from "../core/plain-error";
import type { Machine, Machines } from "../hub/machines";
import { MachineUnavailable } from "../measure/executor";
import { ProviderError } from "../measure/providers/provider";
import { PROVIDERS } from "../measure/providers/registry";
import type { SpeedTestPhase as Phase, SpeedTestServer } from "../protocol/measurements";
import type { IperfServersService } from "./iperf-servers.service";
import type { LiveProgress, RunInfo, RunOutcome, SpeedtestEvent, SpeedtestSnapshot } from "./speedtest.events";
import type { IperfServerRow, SpeedTestRow, SpeedtestRepository } from "./speedtest.repository";
import { LEGACY_PROVIDER_FLAGS, TEST_TYPES, type TestOptions, type TestType } from "./speedtest.schema";
import { resolveTarget, SAVED_IPERF_PREFIX, type TestTarget } from "./speedtest.target";

export { SAVED_IPERF_PREFIX };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Share of the whole test each phase represents, for one overall percentage. */
const PHASE_WEIGHT: Record<Phase, number> = { latency: 1, download: 4.5, upload: 4.5 };

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

/** A test under way on one machine. */
interface Running {
  run: RunInfo;
  controller: AbortController;
  progress?: LiveProgress;
}

/** The running tests map's key: an agent's id, or 0 for this server. */
const keyOf = (agentId: number | null) => agentId ?? 0;

export function createSpeedtestService(deps: {
  repo: SpeedtestRepository;
  iperfServers: Pick<IperfServersService, "find">;
  /** Where tests run, each machine with its own slot (hub/machines.ts). */
  machines: Pick<Machines, "of" | "libreSpeedEntry" | "libreSpeedServers">;
  bus: Publisher<SpeedtestEvent>;
  log: Logger;
}) {
  const { repo, iperfServers, machines, bus, log } = deps;
  /** Tests under way, by machine, in the order they started. */
  const running = new Map<number, Running>();
  let last: RunOutcome | null = null;
  const targetSources = { repo, iperfServers, libreSpeedEntry: machines.libreSpeedEntry.bind(machines) };
  /** The test started last among those running: what a page's live card follows. */
  const newest = () => [...running.values()].at(-1);

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
    machine: Machine,
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
      ...(target.libreSpeedServer ? { libreSpeedServer: target.libreSpeedServer } : {}),
      enableDownload: options.enableDownload !== false,
      enableUpload: options.enableUpload !== false,
    };
    const where = { agentId: machine.agentId, agentName: machine.agentId === null ? null : machine.name };
    try {
      const m = await machine.executor.runSpeedTest(request, {
        signal: controller.signal,
        onProgress: (p) => {
          const progress: LiveProgress = {
            phase: p.phase,
            phasePercent: p.percent,
            percent: overallPercent(run.phases, p.phase, p.percent),
            ...(p.mbps !== undefined ? { mbps: p.mbps } : {}),
            ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
          };
          const entry = running.get(keyOf(run.agentId));
          if (entry?.run === run) entry.progress = progress;
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
        ...where,
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
        ...where,
        durationMs: Date.now() - started,
        error: message,
      });
    }
  }

  return {
    /** Validates the options' provider and target without starting anything (schedules check them when saved). */
    async check(options: TestOptions): Promise<{ testType: TestType; displayName: string }> {
      const machine = await machines.of(options.agentId);
      const target = await resolveTarget(targetSources, testTypeOf(options), options, machine.agentId);
      return { testType: target.testType, displayName: target.displayName };
    },

    /**
     * Servers for the picker, as the machine the test runs from sees them: the provider's list (502 when it cannot
     * be had: no internet, service down, agent away), or the saved servers; LibreSpeed adds the agents' endpoints.
     */
    async listServers(
      testType: TestType,
      signal: AbortSignal,
      agentId: number | null = null,
    ): Promise<SpeedTestServer[]> {
      if (PROVIDERS[testType].savedServers) return (await repo.listIperfServers()).map(iperfServerInfo);
      const machine = await machines.of(agentId);
      const agents = testType === "librespeed" ? await machines.libreSpeedServers(machine.agentId) : [];
      try {
        return [...agents, ...(await machine.executor.listServers(testType, signal))];
      } catch (e) {
        if (e instanceof ProviderError || e instanceof MachineUnavailable) {
          if (agents.length) return agents;
          throw new BadGateway(e.message);
        }
        throw e;
      }
    },

    /** The running test on a machine (else the one started last) and its latest progress, for pages opened mid-test. */
    current(agentId?: number | null): { run: RunInfo; progress?: LiveProgress } | undefined {
      const entry = agentId === undefined ? newest() : running.get(keyOf(agentId));
      return entry && { run: entry.run, progress: entry.progress };
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
      const machine = await machines.of(options.agentId);
      const target = await resolveTarget(targetSources, testTypeOf(options), options, machine.agentId);
      const slot = machine.speedtestSlot;
      const release = how.scheduled ? await slot.acquire(how.signal) : slot.tryAcquire();
      if (!release)
        throw new Conflict(
          machine.agentId === null ? "a test is already running" : `a test is already running on ${machine.name}`,
        );
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
        agentId: machine.agentId,
        from: machine.name,
      };
      running.set(keyOf(machine.agentId), { run, controller });
      bus.publish({ type: "speedtest.started", run });
      // The outcome is recorded and the run stops being current before anyone hears of it, so a snapshot never
      // shows a test as running after its outcome was published.
      const end = (outcome: DistributiveOmit<RunOutcome, "at">) => {
        last = { ...outcome, at: Date.now() } as RunOutcome;
        if (running.get(keyOf(run.agentId))?.run === run) running.delete(keyOf(run.agentId));
      };
      const done = execute(run, machine, target, options, controller, how.scheduleId)
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

    /** The tests under way (the newest as `current`), or how the last one ended: what a page's stream starts with. */
    snapshot(): SpeedtestSnapshot {
      const entry = newest();
      return {
        current: entry ? { run: entry.run, progress: entry.progress } : null,
        running: [...running.values()].map((r) => r.run),
        last,
      };
    },

    /**
     * Aborts a running test (the one with `runId`, else the one on the machine `agentId`, else the newest): its child
     * processes are killed, on the agent too, and no result is written.
     */
    cancel(which: { runId?: string; agentId?: number | null } = {}): boolean {
      const entry =
        which.runId !== undefined
          ? [...running.values()].find((r) => r.run.id === which.runId)
          : which.agentId !== undefined
            ? running.get(keyOf(which.agentId))
            : newest();
      if (!entry) return false;
      entry.controller.abort();
      return true;
    },

    /** At shutdown: every running test is aborted. */
    cancelAll(): void {
      for (const entry of running.values()) entry.controller.abort();
    },
  };
}

export type SpeedtestService = ReturnType<typeof createSpeedtestService>;
