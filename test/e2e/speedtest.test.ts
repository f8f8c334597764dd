import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, screenshot, signIn } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";

describeIf(
  hasChromium && hasCommand("iperf3"),
  "Chromium and iperf3 are required",
  "Speed Test page in Chromium",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    let iperf: Iperf3Server;
    let page: Page;
    let errors: string[];

    beforeAll(async () => {
      iperf = await Iperf3Server.start();
      server = await startSourceServer({
        env: {
          NETRONOME__IPERF_TEST_DURATION: "2",
          NETRONOME__IPERF_PARALLEL_CONNS: "2",
          NETRONOME__IPERF_PING_COUNT: "2",
          NETRONOME__IPERF_PING_INTERVAL: "200",
          // The page must never reach the real speedtest.net: point its lists at a closed local port.
          NETRONOME__SPEEDTESTNET_SERVERS_URL: "http://127.0.0.1:9/servers",
          NETRONOME__SPEEDTESTNET_CONFIG_URL: "http://127.0.0.1:9/config",
        },
      });
      await registerAdmin(server.url);
      browser = await launchBrowser();
      ({ page, errors } = await signIn(browser, server.url, { width: 1280, height: 900 }));
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await iperf?.stop();
    });

    test("run an iperf3 test from the page: the gauge moves, the result reaches the table and the chart", async () => {
      await page.goto(`${server.url}/speedtest`);
      await screenshot(page, "speedtest-idle");
      await page.getByRole("radiogroup", { name: "Provider" }).getByText("iperf3").click();
      await page.getByRole("region", { name: "Run a test" }).getByLabel("iperf3 server").fill(iperf.address);
      await page.getByRole("button", { name: "Start test" }).click();

      // The gauge shows a live rate during the download phase.
      await page.waitForFunction(() => {
        const n = Number(document.querySelector(".gauge-number")?.textContent);
        return (
          Number.isFinite(n) && n > 0 && document.querySelector(".live-status")?.textContent?.includes("Downloading")
        );
      });
      const offset = await page.locator(".gauge-value").getAttribute("stroke-dashoffset");
      expect(Number(offset)).toBeLessThan(100);
      await screenshot(page, "speedtest-running");

      await page.waitForFunction(
        () => document.querySelector(".live-status")?.textContent?.startsWith("Done"),
        undefined,
        {
          timeout: 30_000,
        },
      );
      await page.locator("#results tbody tr").first().waitFor();
      const row = await page.locator("#results tbody tr").first().textContent();
      expect(row).toContain("iperf3");
      expect(row).toMatch(/[MG]bit\/s/);
      await screenshot(page, "speedtest-done");

      await page.goto(`${server.url}/`);
      await page.locator(".stat-value").first().waitFor();
      expect(await page.locator(".stat-value").first().textContent()).not.toContain("–");
      await page.waitForFunction(() => document.querySelectorAll(".chart .apexcharts-series path").length > 0);
      await screenshot(page, "dashboard-with-result");
      expect(errors).toEqual([]);
    });

    test("an invalid host shows a clear message and starts nothing", async () => {
      await page.goto(`${server.url}/speedtest`);
      await page.getByRole("radiogroup", { name: "Provider" }).getByText("iperf3").click();
      await page.getByRole("region", { name: "Run a test" }).getByLabel("iperf3 server").fill("-bad host");
      await page.getByRole("button", { name: "Start test" }).click();
      const message = page.locator("#run-message .alert-error");
      await message.waitFor();
      expect(await message.textContent()).toContain("serverHost");
    });

    test("the Speed Test page fits a 375 px phone", async () => {
      const { page: p, close } = await signIn(browser, server.url, { width: 375, height: 800 });
      await p.goto(`${server.url}/speedtest`);
      expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await screenshot(p, "speedtest-phone");
      await close();
    });
  },
);
