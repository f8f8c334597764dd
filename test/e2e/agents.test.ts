/**
 * The hub end to end: the compiled binary as hub and as `netronome agent` processes on 127.0.0.1, and Chromium. Add
 * an agent through the form, see its live rates arrive over the page's event stream, watch it go offline when it is
 * killed and come back when it restarts (no reload, no touching the hub), a wrong key shown as unauthorized, and
 * agent-supplied markup shown as text: a real agent whose hostname is markup (its own UTS namespace), and a fake
 * agent (test/servers/agent-server.ts) for markup in mounts, sensors and interfaces, which a real machine cannot be
 * made to report. Screenshots at 1280 and 390 px, light and dark, with a day of history.
 */

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { hasChromium, launchBrowser, screenshot, signIn } from "../helpers/browser";
import { describeIf, hasCommand, isRoot } from "../helpers/env";
import { type ServerProcess, startServer } from "../helpers/server-process";
import { type FakeAgent, startFakeAgent } from "../servers/agent-server";

const ROOT = join(import.meta.dir, "../..");
const HOSTILE = `<img src=x onerror="window.__xss=1">web-01`;

/** A day of 1-minute rollups for an agent, as a day of polls would have written them, with a 50-minute gap. */
function seedHistory(dbPath: string, agentId: number): void {
  const db = new Database(dbPath);
  db.run("PRAGMA busy_timeout = 5000");
  const insert = db.prepare(
    "insert or replace into agent_rollups (agent_id, metric, label, resolution, bucket_start, count, sum, min, max) values (?,?,?,?,?,?,?,?,?)",
  );
  const now = Date.now();
  db.transaction(() => {
    for (let minute = 24 * 60; minute > 5; minute--) {
      if (minute > 300 && minute < 350) continue;
      const t = Math.floor((now - minute * 60_000) / 60_000) * 60_000;
      const phase = ((t / 3_600_000) % 24) / 24;
      const cpu = 22 + 14 * Math.sin(phase * 2 * Math.PI) + (minute % 7);
      const series: [string, string, number][] = [
        ["cpu", "", cpu],
        ["memory", "", 38 + (minute % 5) / 2],
        ["swap", "", 5],
        ["disk", "/", 42],
        ["disk", "/mnt/storage", 71],
        ["temperature", "k10temp_tctl", 42 + cpu / 4],
        ["temperature", "nvme_composite", 40 + (minute % 3) / 2],
        ["rx", "", 1.3e6 + 9e5 * Math.sin(phase * 12)],
        ["tx", "", 3.1e5 + 4e4 * (minute % 4)],
      ];
      for (const [metric, label, v] of series) insert.run(agentId, metric, label, 60, t, 2, v * 2, v * 0.92, v * 1.08);
    }
  })();
  db.close();
}

describeIf(
  hasChromium && isRoot && hasCommand("unshare"),
  "needs Chromium at /usr/bin/chromium, and root with unshare (an agent with its own hostname)",
  "the hub and its agents in Chromium",
  () => {
    const buildDir = mkdtempSync(join(tmpdir(), "netronome-hub-bin-"));
    const BIN = join(buildDir, "netronome");
    let browser: Browser;
    let server: ServerProcess;
    let cookie: string;
    const agents: FakeAgent[] = [];
    const processes: AgentProcess[] = [];

    beforeAll(async () => {
      const built = Bun.spawnSync(["bash", "scripts/build.sh", BIN], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
      if (built.exitCode !== 0) throw new Error(`build failed: ${built.stderr.toString()}`);
      server = await startServer([BIN, "serve"], {
        env: {
          NETRONOME__MONITOR_POLL_INTERVAL: "2s",
          NETRONOME__MONITOR_RECONNECT_INTERVAL: "1s",
          NETRONOME__MONITOR_STALE_AFTER: "4s",
        },
      });
      await registerAdmin(server.url);
      const login = await fetch(`${server.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(ADMIN),
      });
      cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
      browser = await launchBrowser();
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await Promise.all(agents.map((a) => a.stop()));
      for (const p of processes) await p.stop("SIGKILL").catch(() => {});
      rmSync(buildDir, { recursive: true, force: true });
    });

    const agent = (o: Parameters<typeof startFakeAgent>[0] = {}) => {
      const a = startFakeAgent(o);
      agents.push(a);
      return a;
    };
    /** `netronome agent` from the same binary, reporting loopback traffic. */
    const realAgent = async (o: Parameters<typeof startAgent>[0] = {}) => {
      const a = await startAgent({ binary: BIN, args: ["--interface", "lo"], ...o });
      processes.push(a);
      return a;
    };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}/api/monitor/agents${path}`, {
        ...init,
        headers: { cookie, "content-type": "application/json", ...init.headers },
      });
    const liveEvents = (page: Page) =>
      page.evaluate(() => {
        const w = window as unknown as { __live?: number };
        w.__live = 0;
        window.addEventListener("agent-live", () => {
          w.__live = (w.__live ?? 0) + 1;
        });
      });
    const countLive = (page: Page) => page.evaluate(() => (window as unknown as { __live: number }).__live);

    test("add an agent in the form; it goes online and its rates arrive over the page's stream", async () => {
      const local = await realAgent();
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/agents`);
      await liveEvents(page);
      const form = page.locator("#agent-form");
      await form.getByLabel("Name").fill("This server");
      await form.getByLabel("Agent URL").fill(local.url.replace("http://", ""));
      await form.getByLabel(/API key/).fill(TEST_API_KEY);
      await form.getByRole("button", { name: "Add agent" }).click();
      await page.getByText("Agent This server added.").waitFor();
      const item = page.locator(".agent-item", { hasText: "This server" });
      await item.locator(".badge", { hasText: "Online" }).waitFor({ timeout: 10_000 });
      await item.locator(".rate-rx", { hasText: /bit\/s/ }).waitFor({ timeout: 10_000 });
      expect(await countLive(page)).toBeGreaterThan(0);
      // The key is nowhere in the page.
      expect(await page.content()).not.toContain(TEST_API_KEY);
      expect(errors).toEqual([]);
      await close();
    }, 60_000);

    test("killed, the agent's page shows the offline banner within seconds; restarted, it is online again", async () => {
      const box = await realAgent();
      const created = await (
        await api("", { method: "POST", body: JSON.stringify({ name: "Box", url: box.url, apiKey: TEST_API_KEY }) })
      ).json();
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/agents/${created.id}`);
      await page.locator(".agent-title .badge", { hasText: "Online" }).waitFor({ timeout: 10_000 });
      // Wait for figures, so that the banner can speak of the last data.
      await page.locator(".agent-stat", { hasText: "CPU" }).waitFor({ timeout: 15_000 });
      const banner = page.locator(".agent-banner");
      expect(await banner.isHidden()).toBe(true);

      await box.stop("SIGKILL");
      const killedAt = Date.now();
      await page.locator(".agent-title .badge", { hasText: "Offline" }).waitFor({ timeout: 8000 });
      expect(Date.now() - killedAt).toBeLessThan(8000);
      await banner.waitFor({ state: "visible" });
      expect(await banner.textContent()).toMatch(/^Offline since .+ Last seen .+ Showing the last data it reported/);
      await screenshot(page, "agent-offline");

      await realAgent({ port: box.port });
      await page.locator(".agent-title .badge", { hasText: "Online" }).waitFor({ timeout: 15_000 });
      await banner.waitFor({ state: "hidden" });
      expect(errors).toEqual([]);
      await close();
    }, 60_000);

    test("a wrong key shows 'Unauthorized: check the API key', not offline", async () => {
      const db = await realAgent();
      const created = await (
        await api("", { method: "POST", body: JSON.stringify({ name: "Database", url: db.url, apiKey: "wrong" }) })
      ).json();
      const { page, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/agents`);
      const item = page.locator(".agent-item", { hasText: "Database" });
      await item.locator(".badge", { hasText: "Unauthorized" }).waitFor({ timeout: 10_000 });
      await item.locator(".agent-meta:visible", { hasText: "unauthorized: check the API key" }).waitFor();
      await page.goto(`${server.url}/agents/${created.id}`);
      expect(await page.locator(".agent-banner").textContent()).toContain("Unauthorized since");
      expect(await page.locator(".agent-banner").textContent()).toContain("check the API key");
      await close();
    }, 30_000);

    test("a real agent whose hostname is markup: the hostname is shown as text", async () => {
      // The agent runs in a UTS namespace of its own, whose hostname is set through /proc (hostname(1) refuses it).
      const wrapper = join(buildDir, "agent-with-hostile-hostname");
      writeFileSync(
        wrapper,
        `#!/bin/sh\nexec unshare --uts sh -c 'printf "%s" "$0" > /proc/sys/kernel/hostname && exec "$@"' '${HOSTILE.replaceAll("'", "'\\''")}' ${BIN} "$@"\n`,
      );
      chmodSync(wrapper, 0o755);
      const hostile = await realAgent({ binary: wrapper });
      expect(((await (await hostile.get("/system/info")).json()) as { hostname: string }).hostname).toBe(HOSTILE);
      const created = await (
        await api("", {
          method: "POST",
          body: JSON.stringify({ name: "Odd host", url: hostile.url, apiKey: TEST_API_KEY }),
        })
      ).json();
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/agents/${created.id}?tab=system`);
      await page.locator(".facts").getByText(HOSTILE).waitFor({ timeout: 15_000 });
      await page.locator(".agent-host").getByText(HOSTILE).waitFor();
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(await page.locator("main img").count()).toBe(0);
      expect(errors).toEqual([]);
      await close();
    }, 60_000);

    test("markup in mounts, sensors and interfaces (a fake agent) is shown as text", async () => {
      const evil = agent({ hostname: HOSTILE });
      evil.hardware.disks.push({
        path: "/mnt/<b>x</b>",
        device: "/dev/<i>sdz</i>",
        fstype: "ext4",
        total: 1e12,
        used: 4e11,
        free: 6e11,
        used_percent: 40,
        model: `<img src=x onerror="window.__xss=2">`,
        serial: "s",
      });
      evil.hardware.temperature.push({ sensor_key: "t<s>", temperature: 51, label: "<u>sensor</u>", critical: 90 });
      evil.system.interfaces["<svg onload=alert(1)>"] = {
        name: "<svg onload=alert(1)>",
        alias: "<b>a</b>",
        ip_address: "10.0.0.9",
        link_speed: 100,
        is_up: true,
        bytes_total: 1,
      };
      evil.historical.interfaces.push({
        name: `"x');window.__xss=3;('`,
        alias: "<b>v</b>",
        traffic: { total: { rx: 1, tx: 2 } },
      });
      const created = await (
        await api("", {
          method: "POST",
          body: JSON.stringify({ name: "<script>window.__xss=4</script>Web", url: evil.url }),
        })
      ).json();
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/agents/${created.id}?tab=system`);
      const facts = page.locator(".facts");
      await facts.getByText(HOSTILE).waitFor({ timeout: 15_000 });
      for (const tab of ["system", "overview", "bandwidth"]) {
        await page.goto(`${server.url}/agents/${created.id}?tab=${tab}`);
        await page.waitForTimeout(1500);
        expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
        expect(await page.locator("main img, main svg[onload], main u, main b, main script").count()).toBe(0);
      }
      await page.goto(`${server.url}/agents/${created.id}?tab=system`);
      await page.getByText("/mnt/<b>x</b>").waitFor();
      await page.getByText("<u>sensor</u>").first().waitFor();
      await page.getByText("<svg onload=alert(1)>").waitFor();
      await page.goto(`${server.url}/agents`);
      await page.getByText("<script>window.__xss=4</script>Web").waitFor();
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(errors).toEqual([]);
      await close();
    }, 60_000);

    test("screenshots with a day of history: list and tabs at 1280 and 390 px, light and dark", async () => {
      const list = await (await api("")).json();
      const local = list.find((a: { name: string }) => a.name === "This server");
      seedHistory(join(server.dir, "netronome.db"), local.id);
      // A fake agent with a NAS's disks and sensors, for the grouped temperatures.
      const nasAgent = agent({ hostname: "nas-01", apiKey: "k-nas" });
      const nas = await (
        await api("", { method: "POST", body: JSON.stringify({ name: "NAS", url: nasAgent.url, apiKey: "k-nas" }) })
      ).json();
      seedHistory(join(server.dir, "netronome.db"), nas.id);
      await Bun.sleep(3000);
      for (const [width, height] of [
        [1280, 900],
        [390, 844],
      ] as const)
        for (const scheme of ["light", "dark"] as const) {
          const { page, errors, close } = await signIn(browser, server.url, { width, height }, scheme);
          for (const [name, path] of [
            ["agents", "/agents"],
            ["agent-overview", `/agents/${nas.id}`],
            ["agent-bandwidth", `/agents/${nas.id}?tab=bandwidth`],
            ["agent-system", `/agents/${nas.id}?tab=system`],
            ["agent-local-overview", `/agents/${local.id}`],
            ["agent-local-system", `/agents/${local.id}?tab=system`],
          ] as const) {
            await page.goto(`${server.url}${path}`);
            if (name !== "agents") await page.locator("[data-page-ready]").waitFor({ state: "attached" });
            if (name === "agent-overview" || name === "agent-local-overview")
              await page.locator(".agent-history .apexcharts-canvas").nth(2).waitFor();
            if (name === "agent-bandwidth") await page.locator(".apexcharts-canvas").nth(1).waitFor();
            await page.waitForTimeout(300);
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            expect([name, width, overflow]).toEqual([name, width, 0]);
            await screenshot(page, `${name}-${width}-${scheme}`);
          }
          expect(errors).toEqual([]);
          await close();
        }
    }, 120_000);
  },
);
