/** A real agent process: its options (flags, environment, config file) and vnstat history from a real database. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentRoot, HardwareStats, HistoricalExport, SystemInfo } from "../../src/protocol/agent";
import { type AgentProcess, startAgent } from "../helpers/agent-process";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, netnsAvailable } from "../helpers/netns";

const hasVnstat = hasCommand("vnstat");

describe("agent options as a process", () => {
  test("--disable-system-metrics: no /system routes and GET / does not list them; bandwidth still served", async () => {
    const agent = await startAgent({
      args: ["--interface", "lo", "--disable-system-metrics"],
      env: { PATH: "/nonexistent" },
    });
    try {
      const root = (await (await agent.get("/")).json()) as AgentRoot;
      expect(Object.keys(root.endpoints).sort()).toEqual([
        "historical",
        "live",
        "measure_probe",
        "measure_servers",
        "measure_speedtest",
        "measure_traceroute",
        "peaks",
      ]);
      for (const path of ["/system/info", "/system/hardware"]) expect((await agent.get(path)).status).toBe(404);
      expect((await agent.get("/stats/peaks")).status).toBe(200);
    } finally {
      await agent.stop();
    }
  });

  test("no API key: everything open, a clear warning at start; disk globs from the environment", async () => {
    const agent = await startAgent({
      key: null,
      args: ["--interface", "lo"],
      env: { PATH: "/nonexistent", NETRONOME__AGENT_DISK_INCLUDES: "/dev/sh*", NETRONOME__AGENT_DISK_EXCLUDES: "/" },
    });
    try {
      const root = (await (await agent.get("/")).json()) as AgentRoot;
      expect(root).toMatchObject({ authentication: "none", auth_methods: [] });
      expect(agent.log()).toContain("WRN no API key: anyone who can reach 127.0.0.1");
      const hw = (await (await agent.get("/system/hardware", { key: null })).json()) as HardwareStats;
      expect(hw.disks.map((d) => d.path)).toContain("/dev/shm");
      expect(hw.disks.map((d) => d.path)).not.toContain("/");
    } finally {
      await agent.stop();
    }
  });

  test("a config file's [agent] section, with flags on top", async () => {
    const dir = mkdtempSync(join(tmpdir(), "netronome-agent-conf-"));
    const file = join(dir, "agent.toml");
    writeFileSync(
      file,
      '[agent]\napi_key = "key-from-the-config-file"\ndisable_system_metrics = true\n[logging]\nlevel = "debug"\n',
    );
    const agent = await startAgent({
      key: null,
      args: ["--config", file, "--interface", "lo"],
      env: { PATH: "/nonexistent" },
    });
    try {
      expect((await agent.get("/stats/peaks", { key: null })).status).toBe(401);
      expect((await agent.get("/stats/peaks", { key: "key-from-the-config-file" })).status).toBe(200);
      expect((await agent.get("/system/info", { key: "key-from-the-config-file" })).status).toBe(404);
      expect(agent.log()).toContain(`config=${file}`);
    } finally {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeIf(
  netnsAvailable && hasVnstat && hasCommand("vnstatd"),
  "needs root, iproute2, vnstat and vnstatd",
  "vnstat history from a real database",
  () => {
    test("/export/historical: vnstat's JSON v2 with the traffic made, the agent's clock; 404 for an unknown interface", async () => {
      const chain = await createChain();
      const home = mkdtempSync(join(tmpdir(), "netronome-vnstat-"));
      // vnstat and vnstatd read ~/.vnstatrc: a private database, polled every 2 s.
      writeFileSync(
        join(home, ".vnstatrc"),
        [
          `DatabaseDir "${home}/db"`,
          `PidFile "${home}/vnstatd.pid"`,
          `LogFile "${home}/vnstatd.log"`,
          "UseLogging 1",
          "PollInterval 2",
          "UpdateInterval 2",
          "SaveInterval 1",
        ].join("\n"),
      );
      const env = { PATH: process.env.PATH ?? "", HOME: home };
      let daemon: ReturnType<typeof Bun.spawn> | undefined;
      let agent: AgentProcess | undefined;
      try {
        for (const argv of [
          ["vnstatd", "--initdb"],
          ["vnstat", "--add", "-i", chain.rootLink],
        ]) {
          const r = Bun.spawnSync(argv, { env, cwd: home, stdout: "pipe", stderr: "pipe" });
          expect([argv.join(" "), r.exitCode]).toEqual([argv.join(" "), 0]);
        }
        daemon = Bun.spawn(["vnstatd", "-n"], { env, cwd: home, stdout: "ignore", stderr: "ignore" });
        await Bun.sleep(1000);
        const ping = Bun.spawnSync(["ping", "-n", "-q", "-c", "30", "-i", "0.05", "-s", "1000", chain.hopIps[0]!]);
        expect(ping.exitCode).toBe(0);
        await Bun.sleep(3000);
        // vnstatd writes its counters to the database when it stops.
        daemon.kill("SIGTERM");
        await daemon.exited;

        agent = await startAgent({ home, env: { PATH: process.env.PATH ?? "" } });
        const res = await agent.get(`/export/historical?interface=${chain.rootLink}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-disposition")).toBe('inline; filename="monitor-historical.json"');
        const data = (await res.json()) as HistoricalExport;
        const nowSeconds = Date.now() / 1000;
        expect(data).toMatchObject({ vnstatversion: expect.stringMatching(/^2\./), jsonversion: "2" });
        expect(data.server_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
        expect(Math.abs(Date.parse(data.server_time) / 1000 - nowSeconds)).toBeLessThan(10);
        expect(Math.abs(data.server_time_unix - nowSeconds)).toBeLessThan(10);
        expect(data.timezone_offset).toBe(new Date().getTimezoneOffset() * -60 || 0);
        expect(data.interfaces.map((i) => i.name)).toEqual([chain.rootLink]);
        const traffic = data.interfaces[0]!.traffic;
        // 30 echo requests and replies of 1028-byte IP packets each way.
        expect(traffic.total.tx).toBeGreaterThanOrEqual(30 * 1000);
        expect(traffic.total.rx).toBeGreaterThanOrEqual(30 * 1000);
        expect(traffic.hour?.at(-1)).toMatchObject({
          time: { hour: expect.any(Number), minute: 0 },
          tx: traffic.total.tx,
        });
        expect(traffic.day?.at(-1)?.tx).toBe(traffic.total.tx);

        // Without ?interface= and without a configured one: every interface vnstat knows.
        const all = await agent.json<HistoricalExport>("/export/historical");
        expect(all.interfaces.map((i) => i.name)).toEqual([chain.rootLink]);
        const unknown = await agent.get("/export/historical?interface=nosuchif0");
        expect(unknown.status).toBe(404);
        expect(await unknown.json()).toEqual({
          error: "interface_not_found",
          message: expect.stringContaining("nosuchif0"),
        });
        // /system/info takes the interface's totals from vnstat's database.
        const info = await agent.json<SystemInfo>("/system/info");
        expect(info.interfaces[chain.rootLink]?.bytes_total).toBe(traffic.total.rx + traffic.total.tx);
      } finally {
        daemon?.kill("SIGKILL");
        await agent?.stop();
        await chain.destroy();
        rmSync(home, { recursive: true, force: true });
      }
    }, 40_000);
  },
);
