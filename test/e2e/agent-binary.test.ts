/** The compiled executable running `agent`: start-up, the API key and live data, as users run it. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentRoot, HardwareStats } from "../../src/protocol/agent";
import { LiveStream, startAgent } from "../helpers/agent-process";
import { hasCommand } from "../helpers/env";
import { commandOf, isAlive } from "../helpers/processes";

const ROOT = join(import.meta.dir, "../..");
const buildDir = mkdtempSync(join(tmpdir(), "netronome-agent-bin-"));
const BIN = join(buildDir, "netronome");

beforeAll(() => {
  const r = Bun.spawnSync(["bash", "scripts/build.sh", BIN], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`build failed: ${r.stderr.toString()}`);
}, 120_000);
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

test("agent --help and a bad flag, from the binary", () => {
  const help = Bun.spawnSync([BIN, "agent", "--help"], { cwd: tmpdir() });
  expect(help.exitCode).toBe(0);
  expect(help.stdout.toString()).toContain("Usage: netronome agent [--host <addr>] [--port <n>]");
  const bad = Bun.spawnSync([BIN, "agent", "--port", "99999"], { cwd: tmpdir(), env: { HOME: tmpdir() } });
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.toString().trim()).toBe(
    'netronome: agent: --port: must be a whole number between 1 and 65535 (got "99999")',
  );
});

test("the binary as the installer runs it: --config file with a key; 401 without it; live data; clean SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netronome-agent-conf-"));
  const config = join(dir, "agent.toml");
  writeFileSync(config, '[agent]\napi_key = "binary-test-key-0123456789"\ninterface = "lo"\n');
  const agent = await startAgent({ binary: BIN, key: null, args: ["--config", config] });
  try {
    const root = (await (await agent.get("/")).json()) as AgentRoot;
    expect(root).toMatchObject({
      service: "monitor SSE agent",
      authentication: "required",
      bandwidth_source: hasCommand("vnstat") ? "vnstat" : "procfs",
      port: agent.port,
    });
    for (const path of ["/system/hardware", "/events?stream=live-data", "/stats/peaks"])
      expect((await agent.get(path, { key: "wrong" })).status).toBe(401);
    const key = "binary-test-key-0123456789";
    const hw = (await (await agent.get("/system/hardware", { key })).json()) as HardwareStats;
    expect(hw.disks.some((d) => d.path === "/")).toBe(true);
    const live = LiveStream.open(await agent.get("/events?stream=live-data", { key }));
    const samples = await live.waitForSamples(2);
    expect(samples.at(-1)!.rx.bytespersecond).toBeGreaterThanOrEqual(0);
    const children = agent.children();
    expect(await agent.stop("SIGTERM")).toBe(0);
    await live.ended();
    for (const pid of children) expect([commandOf(pid), isAlive(pid)]).toEqual([null, false]);
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
