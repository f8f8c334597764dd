/**
 * Live bandwidth in a real agent process: vnstat supervised and replaced by /proc/net/dev, counters against traffic
 * the test makes, peaks across restarts and crashes, many clients, shutdown.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PEAKS_WRITE_DELAY_MS } from "../../src/agent/peaks";
import type { AgentRoot, PeakStats } from "../../src/protocol/agent";
import { type AgentProcess, startAgent } from "../helpers/agent-process";
import { expectSample, pull, trafficServer } from "../helpers/agent-samples";
import { describeIf, hasCommand } from "../helpers/env";
import { commandOf, isAlive } from "../helpers/processes";

const hasVnstat = hasCommand("vnstat");

describeIf(hasVnstat, "vnstat is not installed", "vnstat supervision and shutdown", () => {
  test("vnstat live is started again after it is killed, and samples resume", async () => {
    const agent = await startAgent({ args: ["--interface", "lo", "--disable-system-metrics"] });
    try {
      const live = await agent.live();
      await live.waitForSamples(1);
      const [first] = agent.children().filter((pid) => commandOf(pid) === "vnstat");
      expect(first).toBeDefined();
      process.kill(first!, "SIGKILL");
      let second: number | undefined;
      const deadline = Date.now() + 10_000;
      while (!second && Date.now() < deadline) {
        second = agent.children().find((pid) => commandOf(pid) === "vnstat" && pid !== first);
        await Bun.sleep(100);
      }
      expect(second).toBeDefined();
      const before = live.samples.length;
      await live.waitForSamples(before + 2, 10_000);
      // The new vnstat numbers its samples from 1 again.
      expect(live.samples.slice(before).some((s) => s.sample.index === 1)).toBe(true);
      expect(agent.log()).toContain("vnstat ended; starting it again");
      await live.close();
    } finally {
      await agent.stop();
    }
  }, 30_000);

  test("a vnstat that stops writing (SIGSTOP) is killed after 10 s without a sample and started again", async () => {
    const agent = await startAgent({ args: ["--interface", "lo", "--disable-system-metrics"] });
    try {
      const live = await agent.live();
      await live.waitForSamples(1);
      const [stuck] = agent.children().filter((pid) => commandOf(pid) === "vnstat");
      process.kill(stuck!, "SIGSTOP");
      const stoppedAt = Date.now();
      let fresh: number | undefined;
      while (!fresh && Date.now() - stoppedAt < 25_000) {
        fresh = agent.children().find((pid) => commandOf(pid) === "vnstat" && pid !== stuck);
        await Bun.sleep(200);
      }
      expect(fresh).toBeDefined();
      expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(9_000);
      expect(isAlive(stuck!)).toBe(false);
      const before = live.samples.length;
      await live.waitForSamples(before + 1, 10_000);
      expect(agent.log()).toContain('reason="no sample for 10 s"');
      await live.close();
    } finally {
      await agent.stop();
    }
  }, 45_000);

  test("SIGTERM: live streams end, vnstat is stopped, the process exits 0 with nothing left behind", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"] });
    const live = await agent.live();
    await live.waitForSamples(1);
    const children = agent.children();
    expect(children.map(commandOf)).toContain("vnstat");
    const started = Date.now();
    expect(await agent.stop("SIGTERM")).toBe(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    await live.ended();
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  }, 30_000);

  test("vnstat that cannot read the interface: the agent falls back to /proc/net/dev and says so", async () => {
    // vnstat refuses an interface that does not exist (yet); so does /proc/net/dev, which waits for it.
    const agent = await startAgent({ args: ["--interface", "nosuchif0", "--disable-system-metrics"] });
    try {
      const deadline = Date.now() + 10_000;
      let root: AgentRoot | undefined;
      while (Date.now() < deadline) {
        root = (await (await agent.get("/")).json()) as AgentRoot;
        if (root.bandwidth_source === "procfs") break;
        await Bun.sleep(100);
      }
      expect(root?.bandwidth_source).toBe("procfs");
      expect(agent.log()).toContain("vnstat cannot measure the interface");
      expect(agent.log()).toContain("Unable to get interface");
      expect(agent.log()).toContain("waiting for it");
    } finally {
      await agent.stop();
    }
  }, 20_000);
});

describe("agent without vnstat: /proc/net/dev", () => {
  let agent: AgentProcess;
  let traffic: ReturnType<typeof trafficServer>;
  // Kept across the restart below: the agent's state (peaks) lives under its HOME.
  let home = "";
  // PATH without vnstat (Bun itself is started by its absolute path).
  const start = () => startAgent({ args: ["--interface", "lo"], env: { PATH: "/nonexistent" }, home });
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "netronome-agent-home-"));
    traffic = trafficServer(16 * 1024 * 1024);
    agent = await start();
  });
  afterAll(async () => {
    await agent?.stop();
    traffic?.stop(true);
    rmSync(home, { recursive: true, force: true });
  });

  test("GET / says procfs; samples every second with rates that account for the loopback traffic made", async () => {
    expect(((await (await agent.get("/")).json()) as AgentRoot).bandwidth_source).toBe("procfs");
    const live = await agent.live();
    try {
      await live.waitForSamples(2);
      const from = live.samples.length;
      const made = await pull(traffic, 8);
      const target = from + 3;
      const samples = (await live.waitForSamples(target)).slice(from - 1);
      for (const s of samples) expectSample(s);
      // Other tests share lo, so only a lower bound holds: every byte made was counted (both directions on lo).
      const counted = samples.slice(1).reduce((sum, s) => sum + s.rx.bytes, 0);
      expect(counted).toBeGreaterThanOrEqual(made);
      expect(samples.slice(1).reduce((sum, s) => sum + s.tx.bytes, 0)).toBeGreaterThanOrEqual(made);
      for (const [a, b] of samples.slice(1).map((s, i) => [samples[i]!, s] as const)) {
        expect(b.index).toBe(a.index + 1);
        expect(b.rx.totalbytes).toBe(a.rx.totalbytes + b.rx.bytes);
        // The rate is the sample's bytes over its interval: one second, later (never earlier) on a busy machine.
        expect(b.rx.bytespersecond).toBeLessThanOrEqual(b.rx.bytes * 1.1 + 1);
        expect(b.rx.bytespersecond).toBeGreaterThanOrEqual(b.rx.bytes / 3 - 1);
      }
      const gaps = live.samples
        .slice(from)
        .map((s, i, all) => (i ? s.at - all[i - 1]!.at : null))
        .filter((gap): gap is number => gap !== null)
        .sort((x, y) => x - y);
      expect(gaps[Math.floor(gaps.length / 2)]!).toBeWithin(700, 1500);
    } finally {
      await live.close();
    }
  }, 30_000);

  test("peaks survive a restart, and a crash once they were written", async () => {
    await pull(traffic, 4);
    const peakSeen = async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const peaks = await agent.json<PeakStats>("/stats/peaks");
        if (peaks.peak_rx > 16 * 1024 * 1024 || Date.now() > deadline) return peaks;
        await Bun.sleep(200);
      }
    };
    const before = await peakSeen();
    expect(before.peak_rx).toBeGreaterThan(16 * 1024 * 1024);
    const port = agent.port;
    expect(await agent.stop("SIGTERM")).toBe(0);
    agent = await start();
    expect(agent.port).not.toBe(port);
    const after = await agent.json<PeakStats>("/stats/peaks");
    expect(after.peak_rx).toBeGreaterThanOrEqual(before.peak_rx);
    expect(after.peak_rx_timestamp >= before.peak_rx_timestamp).toBe(true);

    // A higher peak, saved a few seconds after it was seen, survives kill -9.
    const big = trafficServer(64 * 1024 * 1024);
    try {
      await pull(big, 3);
    } finally {
      big.stop(true);
    }
    const higher = await agent.json<PeakStats>("/stats/peaks");
    await Bun.sleep(PEAKS_WRITE_DELAY_MS + 500);
    await agent.stop("SIGKILL");
    agent = await start();
    expect((await agent.json<PeakStats>("/stats/peaks")).peak_rx).toBeGreaterThanOrEqual(higher.peak_rx);
  }, 40_000);
});

describe("agent under many clients", () => {
  const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

  test("150 live streams that vanish mid-stream and 150 parallel hardware requests: all served, nothing leaks", async () => {
    const agent = await startAgent({ args: ["--interface", "lo"], env: { PATH: "/nonexistent" } });
    try {
      const first = await agent.live();
      await first.waitForSamples(1);
      await first.close();
      await Bun.sleep(300);
      const baseline = openFds(agent.proc.pid);
      const streams = await Promise.all(Array.from({ length: 150 }, () => agent.live()));
      await Promise.all(streams.map((s) => s.waitForSamples(2)));
      // Connection: close, so that idle keep-alive sockets of the test's own client do not count.
      const answers = await Promise.all(
        Array.from({ length: 150 }, () => agent.get("/system/hardware", { headers: { connection: "close" } })),
      );
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
      await Promise.all(answers.map((r) => r.arrayBuffer()));
      // The clients go away without a word (their sockets close).
      await Promise.all(streams.map((s) => s.close()));
      const deadline = Date.now() + 10_000;
      while (openFds(agent.proc.pid) > baseline + 2 && Date.now() < deadline) await Bun.sleep(200);
      expect(openFds(agent.proc.pid)).toBeLessThanOrEqual(baseline + 2);
      // Still serving.
      const after = await agent.live();
      await after.waitForSamples(1);
      await after.close();
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
