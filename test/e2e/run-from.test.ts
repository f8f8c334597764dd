/**
 * "Run from" in Chromium against the app from source, with real agent processes on 127.0.0.1 (one online, named
 * with markup; one stopped) and a real iperf3 server: a speed test run from the agent through the page's form with
 * live progress naming the agent, results that say where they ran and filter by it, a monitor created from the
 * agent through its form, a monitor whose agent is away showing "agent unreachable", and a trace from the agent.
 * Screenshots at 1280 and 390 px, light and dark.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { hasChromium, launchBrowser, pageReady, screenshot, signIn, waitForLiveStatus } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";

const EDGE = "Edge <b>1</b>";
const IPERF_ENV = {
  NETRONOME__IPERF_TEST_DURATION: "2",
  NETRONOME__IPERF_PARALLEL_CONNS: "2",
  NETRONOME__IPERF_PING_COUNT: "2",
  NETRONOME__IPERF_PING_INTERVAL: "200",
};

describeIf(
  hasChromium && ["iperf3", "mtr", "traceroute"].every(hasCommand),
  "Chromium, iperf3, mtr and traceroute are required",
  "Run from an agent, in Chromium",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    let iperf: Iperf3Server;
    let edge: AgentProcess;
    let gone: AgentProcess;
    const ids: Record<string, number> = {};

    beforeAll(async () => {
      [iperf, edge, gone] = await Promise.all([
        Iperf3Server.start(),
        startAgent({ args: ["--interface", "lo"], env: IPERF_ENV }),
        startAgent({ args: ["--interface", "lo"] }),
      ]);
      server = await startSourceServer({
        env: {
          ...IPERF_ENV,
          NETRONOME__MONITOR_RECONNECT_INTERVAL: "1s",
          NETRONOME__SPEEDTESTNET_SERVERS_URL: "http://127.0.0.1:9/servers",
          NETRONOME__SPEEDTESTNET_CONFIG_URL: "http://127.0.0.1:9/config",
        },
      });
      await registerAdmin(server.url);
      browser = await launchBrowser();
      const { page, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      for (const [name, agent] of [
        [EDGE, edge],
        ["Basement", gone],
      ] as const) {
        const res = await page.request.post(`${server.url}/api/monitor/agents`, {
          data: { name, url: agent.url, apiKey: TEST_API_KEY },
        });
        ids[name] = (await res.json()).id;
      }
      for (let i = 0; i < 200; i++) {
        const status = await (await page.request.get(`${server.url}/api/monitor/agents/${ids[EDGE]}/status`)).json();
        if (status.connected) break;
        await Bun.sleep(100);
      }
      await gone.stop("SIGKILL");
      await close();
    }, 90_000);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await Promise.all([iperf?.stop(), edge?.stop()]);
    });

    const shoot = async (path: string, name: string, ready?: (page: Page) => Promise<void>) => {
      for (const width of [1280, 390])
        for (const scheme of ["light", "dark"] as const) {
          const { page, errors, close } = await signIn(browser, server.url, { width, height: 900 }, scheme);
          await page.goto(`${server.url}${path}`);
          await pageReady(page);
          await ready?.(page);
          await screenshot(page, `${name}-${width}-${scheme}`);
          expect(errors).toEqual([]);
          await close();
        }
    };

    test("a speed test run from the agent through the form: live card, result and filter name the agent", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/speedtest`);
      await pageReady(page);
      const form = page.getByRole("region", { name: "Run a test" });
      const runFrom = form.getByLabel("Run from");
      expect(await runFrom.locator("option").allTextContents()).toEqual(["This server", "Basement (offline)", EDGE]);
      await runFrom.selectOption({ label: EDGE });
      await page.getByRole("radiogroup", { name: "Provider" }).getByText("iperf3").click();
      await form.getByLabel("iperf3 server").fill(iperf.address);
      await form.getByRole("button", { name: "Start test" }).click();
      await waitForLiveStatus(page, /^Edge <b>1<\/b> · (Measuring|Downloading|Uploading)/, errors);
      await screenshot(page, "run-from-speedtest-live");
      await waitForLiveStatus(page, /^Done: /, errors);
      const row = page.locator("#results tbody tr").first();
      await row.getByText(EDGE, { exact: true }).waitFor();
      // Markup in the agent's name is text everywhere.
      expect(await page.locator("#results b").count()).toBe(0);
      const filter = page.getByLabel("Ran from");
      await filter.selectOption({ label: "This server" });
      await page.getByText("No results from this machine yet.").waitFor();
      await filter.selectOption({ label: EDGE });
      await page.locator("#results tbody tr").first().waitFor();
      expect(errors).toEqual([]);
      await close();
      await shoot("/speedtest", "run-from-speedtest");
    }, 90_000);

    test("monitors: one made from the agent in the form runs there; one from the stopped agent is 'agent unreachable'", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/monitors`);
      await pageReady(page);
      const form = page.locator("#monitor-form");
      await form.getByLabel("Host").fill("127.0.0.1");
      await form.getByLabel("Name").fill("Loopback from the edge");
      await form.getByLabel("Run from").selectOption({ label: EDGE });
      await form.getByLabel("Packets per run").fill("3");
      await form.getByRole("button", { name: "Add monitor" }).click();
      const item = page.locator(".monitor-item", { hasText: "Loopback from the edge" });
      await item.getByText(`from ${EDGE}`).waitFor();
      const away = await page.request.post(`${server.url}/api/packetloss/monitors`, {
        data: {
          host: "127.0.0.1",
          name: "From the basement",
          packetCount: 2,
          agentId: ids.Basement,
          startImmediately: true,
        },
      });
      const awayId = (await away.json()).id;
      await page.goto(`${server.url}/monitors/${awayId}`);
      await pageReady(page);
      await page.locator("#monitor-results").getByText("agent unreachable").waitFor({ timeout: 30_000 });
      expect(errors).toEqual([]);
      await close();
      await shoot(`/monitors/${awayId}`, "run-from-monitors", (p) =>
        p.locator("#monitor-results").getByText("agent unreachable").waitFor(),
      );
      await shoot("/", "run-from-dashboard");
    }, 120_000);

    test("a trace from the agent says where it ran", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/traceroute`);
      await pageReady(page);
      await page.getByLabel("Run from").selectOption({ label: EDGE });
      await page.getByLabel("Host", { exact: true }).fill("127.0.0.1");
      await page.getByRole("button", { name: "Trace" }).click();
      await page.getByText(/^Reached 127\.0\.0\.1 from Edge <b>1<\/b> in 1 hop/).waitFor({ timeout: 30_000 });
      await screenshot(page, "run-from-traceroute");
      expect(errors).toEqual([]);
      await close();
    }, 60_000);
  },
);
