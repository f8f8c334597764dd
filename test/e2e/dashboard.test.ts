/**
 * The dashboard and the monitor charts in Chromium, on realistic history (test/helpers/seed.ts): figures compared
 * per server above a noise floor, the server filter, the monitor overview, charts fitted to their data, times in the
 * configured timezone and in English whatever the browser's own, and a test running live.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { dateTime } from "../../public/units.js";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, pageReady, screenshot, signIn } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { type SeededHistory, seedHistory } from "../helpers/seed";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";

const TIMEZONE = "Europe/Berlin";

describeIf(hasChromium && hasCommand("iperf3"), "Chromium and iperf3 are required", "the dashboard in Chromium", () => {
  let browser: Browser;
  let server: ServerProcess;
  let iperf: Iperf3Server;
  let dir: string;
  let seeded: SeededHistory;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "netronome-dashboard-"));
    const db = join(dir, "netronome.db");
    seeded = await seedHistory(db);
    iperf = await Iperf3Server.start();
    server = await startSourceServer({
      cwd: dir,
      env: {
        NETRONOME__DB_PATH: db,
        NETRONOME__TIMEZONE: TIMEZONE,
        NETRONOME__IPERF_TEST_DURATION: "2",
        NETRONOME__IPERF_PARALLEL_CONNS: "1",
        NETRONOME__IPERF_PING_COUNT: "1",
      },
    });
    await registerAdmin(server.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await iperf?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (path = "/", locale: { timezoneId?: string; locale?: string } = {}) => {
    const session = await signIn(browser, server.url, { width: 1280, height: 900 }, "light", locale);
    await session.page.goto(`${server.url}${path}`);
    await pageReady(session.page);
    return session;
  };
  const card = (page: Page, figure: string) => page.locator(`.stat[data-figure="${figure}"]`);

  test("each figure is the latest test's server's, compared with its previous result there above a noise floor", async () => {
    const { page, errors, close } = await open();
    expect(await page.locator(".summary-line").textContent()).toContain("Init7 (Zurich) (Speedtest.net)");
    expect(await card(page, "download").locator(".stat-value").textContent()).toBe("934Mbit/s");
    // 930 → 934 Mbit/s is noise.
    expect(await card(page, "download").locator(".delta").textContent()).toBe("≈ same as previous");
    // The newest test measured no upload: the card shows the newest upload on that server, and says when it was.
    expect(await card(page, "upload").locator(".stat-value").textContent()).toBe("91.0Mbit/s");
    expect(await card(page, "upload").textContent()).not.toContain("no earlier result");
    expect(await card(page, "upload").locator(".stat-from").textContent()).toBe("from 40 minutes ago");
    // 6.1 → 7.4 ms is a real change, and worse.
    const latency = card(page, "latency").locator(".delta");
    expect(await latency.textContent()).toBe("▲ 21% vs previous");
    expect(await latency.getAttribute("class")).toContain("bad");
    // 0.41 → 0.43 ms of jitter is no "▲ 4.9 %".
    expect(await card(page, "jitter").locator(".delta").textContent()).toBe("≈ same as previous");
    // A UDP run's rates are not capacity: they never become the headline figures.
    expect(await page.locator("#summary").textContent()).not.toContain("99.7");
    expect(errors).toEqual([]);
    await close();
  });

  test("the server filter: one 'All servers', each server once, none that only ever failed", async () => {
    const { page, close } = await open();
    const options = await page
      .locator("#chart-server option")
      .evaluateAll((els) => els.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent })));
    expect(options.filter((o) => o.value === "")).toEqual([{ value: "", text: "All servers" }]);
    expect(new Set(options.map((o) => o.value)).size).toBe(options.length);
    expect(options.map((o) => o.text)).toEqual([
      "All servers",
      "Init7 (Zurich) (Speedtest.net)",
      "LibreSpeed Frankfurt (LibreSpeed)",
      "Office NAS (iperf3)",
    ]);
    await close();
  });

  test("the monitor overview: each monitor's state, last loss and RTT, and when it ran, linking to its page", async () => {
    const { page, close } = await open();
    const rows = page.locator(".monitor-overview li");
    expect(await rows.count()).toBe(3);
    const upstream = rows.filter({ hasText: "Upstream gateway" });
    expect(await upstream.textContent()).toContain("Loss above threshold");
    expect(await upstream.locator(".monitor-overview-figures").textContent()).toMatch(/^[\d.]+% loss · [\d.]+ ms$/);
    expect(await upstream.locator("time").textContent()).toMatch(/seconds? ago$/);
    expect(await rows.filter({ hasText: "New office" }).textContent()).toContain("no runs yet");
    await upstream.getByRole("link", { name: "Upstream gateway" }).click();
    await page.waitForURL(`${server.url}/monitors/${seeded.monitors[1]!.id}`);
    await close();
  });

  test("times are in the configured timezone and in English, whatever the browser's own zone and language", async () => {
    const { page, close } = await open("/", { timezoneId: "America/New_York", locale: "de-DE" });
    const newest = page.locator("#results tbody tr").first().locator("time");
    expect(await newest.textContent()).toBe(dateTime(seeded.newestAt, TIMEZONE));
    expect(await page.locator(".summary-line time").textContent()).toBe("20 minutes ago");
    expect(await page.locator("body").textContent()).not.toMatch(/\bvor \d|Minuten|Sekunden/);
    expect(await page.locator(".page-head").textContent()).toContain(`Times in ${TIMEZONE}`);
    // The chart's tooltip and axis speak the same zone: its axis labels are Berlin clock times of the data.
    const labels = await page.locator("#summary ~ section .apexcharts-xaxis-label").allTextContents();
    expect(labels.length).toBeGreaterThan(1);
    await close();
  });

  test("the history chart fits its data when that covers less than the range; 1 h and 6 h ranges exist", async () => {
    const { page, close } = await open();
    await page.locator(".chart .apexcharts-series path").first().waitFor();
    // Three days of results in the default one-week range: the axis spans the three days, not the week.
    const span = await page.evaluate(() => {
      const w = (
        window as unknown as { ApexCharts: { getChartByID(id: string): { w: { globals: Record<string, number> } } } }
      ).ApexCharts.getChartByID("history").w.globals;
      return w.maxX! - w.minX!;
    });
    expect(span).toBeLessThan(4 * 86_400_000);
    expect(span).toBeGreaterThan(2.9 * 86_400_000);
    for (const name of ["1 hour", "6 hours"]) await page.getByRole("button", { name, exact: true }).waitFor();
    await page.getByRole("button", { name: "6 hours", exact: true }).click();
    // Only the last six hours' five results, and an axis that starts no earlier than six hours ago.
    await page.waitForFunction(() => {
      const chart = (
        window as unknown as {
          ApexCharts: {
            getChartByID(id: string): {
              w: { globals: Record<string, number>; config: { series: { data: [number][] }[] } };
            };
          };
        }
      ).ApexCharts.getChartByID("history");
      const points = chart.w.config.series[0]!.data;
      return points.length === 5 && chart.w.globals.minX! >= Date.now() - 6.1 * 3_600_000;
    });
    await close();
  });

  test("a monitor's charts fit minutes of data, with readable sub-millisecond RTT ticks and percentile lines", async () => {
    const router = seeded.monitors[0]!;
    const { page, errors, close } = await open(`/monitors/${router.id}`);
    const chart = page.locator(`[x-ref="rtt"]`);
    await chart.locator(".apexcharts-series").first().waitFor();
    const span = await page.evaluate((id) => {
      const g = (
        window as unknown as { ApexCharts: { getChartByID(id: string): { w: { globals: Record<string, number> } } } }
      ).ApexCharts.getChartByID(`monitor-rtt-${id}`).w.globals;
      return g.maxX! - g.minX!;
    }, router.id);
    // 15 minutes of runs in the 24-hour range: the axis spans well under an hour, not a sliver of a day.
    expect(span).toBeLessThan(3_600_000);
    const ticks = await chart.locator(".apexcharts-yaxis-label").allTextContents();
    expect(ticks.length).toBeGreaterThan(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.some((t) => /^0\.\d+$/.test(t) && t !== "0.0")).toBe(true);
    expect(await chart.locator(".apexcharts-legend-text").allTextContents()).toEqual([
      "Fastest–slowest",
      "Median",
      "95th percentile",
    ]);
    // Runs ten seconds apart are told apart by their seconds.
    expect(await page.locator("#monitor-results tbody tr").first().locator("time").textContent()).toMatch(
      /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d:\d\d$/,
    );
    await screenshot(page, "monitor-router-chart");
    expect(errors).toEqual([]);
    await close();
  });

  test("a running test shows on the dashboard, and the latest figures and their time update when it ends", async () => {
    const { page, errors, close } = await open();
    const banner = page.locator(".running-banner");
    expect(await banner.isVisible()).toBe(false);
    const started = await page.request.post(`${server.url}/speedtest/run`, {
      form: { provider: "iperf3", serverHost: iperf.address, enableDownload: "on", enableUpload: "on" },
    });
    expect(started.status()).toBe(200);
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`A speed test against ${iperf.address} is running`);
    await screenshot(page, "dashboard-running");
    await banner.waitFor({ state: "hidden", timeout: 30_000 });
    await page.locator(".summary-line", { hasText: `${iperf.address} (iperf3)` }).waitFor();
    expect(await page.locator(".summary-line time").textContent()).toMatch(/just now|seconds? ago/);
    expect(await card(page, "download").locator(".stat-value").textContent()).toMatch(/Gbit\/s$/);
    expect(errors).toEqual([]);
    await close();
  });
});
