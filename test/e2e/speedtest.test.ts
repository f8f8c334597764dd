/**
 * The Speed Test page in Chromium against the app started from source and a real iperf3 server on 127.0.0.1: the
 * live card through a whole test, and each way it used to go stale (a stream paused or connected late, a failure,
 * a cancel), UDP results, saved servers, and a server list that cannot be loaded.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, pageReady, screenshot, signIn, waitForLiveStatus } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { freePort, type ServerProcess, startSourceServer } from "../helpers/server-process";

describeIf(
  hasChromium && hasCommand("iperf3"),
  "Chromium and iperf3 are required",
  "Speed Test page in Chromium",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    let iperf: Iperf3Server;

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
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await iperf?.stop();
    });

    const open = async (width = 1280) => {
      const session = await signIn(browser, server.url, { width, height: 900 });
      await session.page.goto(`${server.url}/speedtest`);
      await pageReady(session.page);
      return session;
    };

    const chooseIperf = async (page: Page, host = iperf.address) => {
      await page.getByRole("radiogroup", { name: "Provider" }).getByText("iperf3").click();
      await page.getByRole("region", { name: "Run a test" }).getByLabel("iperf3 server").fill(host);
    };

    /** Waits until the server has no test running (the page under test may not be able to tell). */
    const serverIdle = async (page: Page) => {
      for (let i = 0; i < 300; i++) {
        const status = await (await page.request.get(`${server.url}/api/speedtest/status`)).json();
        if (status.type === "idle") return;
        await Bun.sleep(100);
      }
      throw new Error("the test did not end within 30 s");
    };

    const setHidden = (page: Page, hidden: boolean) =>
      page.evaluate((hidden) => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
        Object.defineProperty(document, "visibilityState", {
          configurable: true,
          get: () => (hidden ? "hidden" : "visible"),
        });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);

    test("run an iperf3 test from the page: the gauge moves in Gbit/s, the result reaches the table and the chart", async () => {
      const { page, errors, close } = await open();
      await screenshot(page, "speedtest-idle");
      // At zero the gauge draws no arc at all (a round cap used to leave a knob at the far end).
      expect(await page.locator(".gauge-value").isVisible()).toBe(false);
      await chooseIperf(page);
      await page.getByRole("button", { name: "Start test" }).click();

      // Loopback iperf3 runs at several Gbit/s: the gauge, its scale and the live chart say Gbit/s.
      await waitForLiveStatus(page, /^Downloading/, errors);
      await page.waitForFunction(() => document.querySelector(".gauge-unit")?.textContent === "Gbit/s");
      expect(Number(await page.locator(".gauge-number").textContent())).toBeGreaterThan(0);
      expect(await page.locator(".gauge-value").isVisible()).toBe(true);
      await page.locator(".live-chart .apexcharts-yaxis-title", { hasText: "Gbit/s" }).waitFor();
      // Its time axis reads as clock times.
      const tick = await page.locator(".live-chart .apexcharts-xaxis-label").first().textContent();
      expect(tick).toMatch(/^\d\d:\d\d(:\d\d)?$/);
      expect(await page.locator("#run-message").textContent()).toBe("");
      await screenshot(page, "speedtest-running");

      const done = await waitForLiveStatus(page, /^Done/, errors);
      expect(done).toMatch(/Gbit\/s down/);
      expect(await page.locator(".live .badge").first().textContent()).toBe("Done");
      await page.locator("#results tbody tr").first().waitFor();
      const row = await page.locator("#results tbody tr").first().textContent();
      expect(row).toContain("iperf3");
      expect(row).toMatch(/[\d.]+ Gbit\/s/);
      expect(row).not.toMatch(/\d,?\d{3} Mbit\/s/);
      await screenshot(page, "speedtest-done");

      await page.goto(`${server.url}/`);
      await pageReady(page);
      expect(await page.locator(".stat-value").first().textContent()).not.toContain("–");
      await page.waitForFunction(() => document.querySelectorAll(".chart .apexcharts-series path").length > 0);
      await screenshot(page, "dashboard-with-result");
      expect(errors).toEqual([]);
      await close();
    });

    // The race behind "Downloading… 25 %" forever: a page whose stream is away while the test ends (a background
    // tab pauses it; a quiet stream used to be cut by Bun's idle timeout) reconnected without catching up.
    test("a page whose stream was paused while the test ended catches up when it comes back", async () => {
      const { page, errors, close } = await open();
      await chooseIperf(page);
      await page.getByRole("button", { name: "Start test" }).click();
      await waitForLiveStatus(page, /^Downloading/, errors);
      const rowsBefore = await page.locator("#results tbody tr").count();

      await setHidden(page, true);
      await serverIdle(page);
      // Nothing reached the paused page.
      expect(await page.locator(".live-status").textContent()).toMatch(/^(Downloading|Uploading)/);

      await setHidden(page, false);
      await waitForLiveStatus(page, /^Done/, errors, 10_000);
      expect(await page.getByRole("button", { name: "Cancel" }).isVisible()).toBe(false);
      expect(await page.getByRole("button", { name: "Start test" }).isEnabled()).toBe(true);
      // The results table, which missed the finish too, reloads.
      await page.waitForFunction((n) => document.querySelectorAll("#results tbody tr").length > n, rowsBefore);
      expect(errors).toEqual([]);
      await close();
    });

    test("a page rendered before a test, whose stream connects after it ended, shows the outcome", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route(/\/events(\?|$)/, async (route) => {
        await gate;
        await route.continue();
      });
      await page.goto(`${server.url}/speedtest`);
      const rowsBefore = await page.locator("#results tbody tr").count();
      const started = await page.request.post(`${server.url}/speedtest/run`, {
        form: { provider: "iperf3", serverHost: iperf.address, enableDownload: "on", enableUpload: "on" },
      });
      expect(started.status()).toBe(200);
      await serverIdle(page);
      release();
      await pageReady(page);
      await waitForLiveStatus(page, /^Done/, errors, 10_000);
      await page.waitForFunction((n) => document.querySelectorAll("#results tbody tr").length > n, rowsBefore);
      expect(errors).toEqual([]);
      await close();
    });

    // The race behind "the card stayed Idle without Cancel while a test ran" and a page that never became ready under
    // load: a script that arrives late must not let the stream connect without the SSE extension (it never
    // connected), or before app.js and the Alpine components listen (its snapshot and stream-ready were lost).
    for (const script of ["hx-sse.js", "app.js", "alpine.js"]) {
      test(`a page whose ${script} arrives after a whole test ran still goes live and shows the outcome`, async () => {
        const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        await page.route(`**/assets/*/${script}`, async (route) => {
          await gate;
          await route.continue();
        });
        // The held script holds the load event too: wait for the parsed page instead.
        await page.goto(`${server.url}/speedtest`, { waitUntil: "commit" });
        await page.locator("footer").waitFor({ state: "attached" });
        const rowsBefore = await page.locator("#results tbody tr").count();
        const started = await page.request.post(`${server.url}/speedtest/run`, {
          form: { provider: "iperf3", serverHost: iperf.address, enableDownload: "on", enableUpload: "on" },
        });
        expect(started.status()).toBe(200);
        await serverIdle(page);
        release();
        await pageReady(page);
        await waitForLiveStatus(page, /^Done/, errors, 10_000);
        await page.waitForFunction((n) => document.querySelectorAll("#results tbody tr").length > n, rowsBefore);
        // Still live: the next test started from the page is followed through to its end.
        await chooseIperf(page);
        await page.getByRole("button", { name: "Start test" }).click();
        await waitForLiveStatus(page, /^(Testing|Measuring|Downloading|Uploading)/, errors);
        expect(await page.getByRole("button", { name: "Cancel" }).isVisible()).toBe(true);
        await waitForLiveStatus(page, /^Done/, errors);
        expect(errors).toEqual([]);
        await close();
      });
    }

    // hx-sse reconnects a stream that was open, but a first connection that failed (the server restarting under the
    // page, a proxy answering 502) was never tried again: the page stayed dead.
    for (const failure of ["a network error", "a proxy's 503"]) {
      test(`a page whose first stream connection fails with ${failure} connects again and goes live`, async () => {
        const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
        let attempts = 0;
        await page.route(/\/events(\?|$)/, async (route) => {
          attempts++;
          if (attempts > 1) return route.continue();
          if (failure === "a network error") return route.abort("connectionreset");
          return route.fulfill({ status: 503, contentType: "text/html", body: "<h1>503 Service Unavailable</h1>" });
        });
        await page.goto(`${server.url}/speedtest`);
        await pageReady(page);
        expect(attempts).toBe(2);
        await chooseIperf(page);
        await page.getByRole("button", { name: "Start test" }).click();
        await waitForLiveStatus(page, /^(Testing|Measuring|Downloading|Uploading)/, errors);
        await waitForLiveStatus(page, /^Done/, errors);
        // The failed connection is the browser's own console line (a network error, a 503); nothing else went wrong.
        expect(errors.filter((e) => !/Failed to load resource|htmx:error/.test(e))).toEqual([]);
        await close();
      });
    }

    test("a failed test: Failed with a plain message, nothing stale beside it, a red bar where it stopped", async () => {
      const { page, errors, close } = await open();
      await chooseIperf(page, `127.0.0.1:${freePort()}`);
      await page.getByRole("button", { name: "Start test" }).click();
      const text = await waitForLiveStatus(page, /failed/, errors);
      expect(text).toContain("failed: ");
      expect(await page.locator(".live .badge").first().textContent()).toBe("Failed");
      // No "Test started." beside Failed, and the bar is not a full blue one.
      expect(await page.locator("#run-message").textContent()).toBe("");
      const bar = page.locator(".progress-bar").first();
      expect(await bar.getAttribute("class")).toContain("failed");
      const [width, track] = await bar.evaluate((el) => [
        el.getBoundingClientRect().width,
        el.parentElement!.getBoundingClientRect().width,
      ]);
      expect(width).toBeLessThan(track);
      await screenshot(page, "speedtest-failed");
      expect(errors).toEqual([]);
      await close();
    });

    test("cancel: the card says Cancelling…, then Cancelled, and nothing says Cancelling… after", async () => {
      const { page, errors, close } = await open();
      await chooseIperf(page);
      await page.getByRole("button", { name: "Start test" }).click();
      await waitForLiveStatus(page, /^Downloading/, errors);
      await page.getByRole("button", { name: "Cancel" }).click();
      await waitForLiveStatus(page, /cancelled; nothing was saved/, errors, 10_000);
      expect(await page.locator(".live .badge").first().textContent()).toBe("Cancelled");
      expect(await page.getByText("Cancelling").count()).toBe(0);
      expect(await page.locator("#run-message").textContent()).toBe("");
      expect(await page.locator(".progress-bar").first().getAttribute("class")).toContain("cancelled");
      expect(errors).toEqual([]);
      await close();
    });

    test("a UDP test is labelled as such, with its loss and jitter", async () => {
      const { page, errors, close } = await open();
      await chooseIperf(page);
      await page.getByLabel(/UDP mode/).check();
      await page.getByRole("button", { name: "Start test" }).click();
      const done = await waitForLiveStatus(page, /^Done/, errors);
      expect(done).toMatch(/^Done \(UDP at a fixed send rate: received rates, not capacity\)/);
      expect(done).toMatch(/% loss/);
      expect(done).toMatch(/ms jitter/);
      await page.locator(".live-figures", { hasText: "UDP loss" }).waitFor();
      const row = page.locator("#results tbody tr").first();
      await row.locator(".badge", { hasText: "UDP" }).waitFor();
      expect(await row.textContent()).toMatch(/[\d.]+% loss/);
      await screenshot(page, "speedtest-udp");
      expect(errors).toEqual([]);
      await close();
    });

    test("saved iperf3 servers are managed on the page, and results carry their names", async () => {
      const { page, errors, close } = await open();
      const card = page.locator("#iperf-servers");
      await card.getByLabel("Name").fill("<b>Loopback</b> iperf3");
      await card.getByLabel("Host").fill("127.0.0.1");
      await card.getByLabel("Port").fill(String(iperf.port));
      await card.getByRole("button", { name: "Save server" }).click();
      await card.getByText("Saved <b>Loopback</b> iperf3.").waitFor();
      expect(await card.locator("b").count()).toBe(0);

      // A bad host is explained beside its field; nothing is saved.
      await card.getByLabel("Name").fill("Bad");
      await card.getByLabel("Host").fill("-oProxy");
      await card.getByRole("button", { name: "Save server" }).click();
      await card.locator(".field-error", { hasText: "must not start with '-'" }).waitFor();
      expect(await card.locator(".saved-servers li").count()).toBe(1);

      await page.getByRole("radiogroup", { name: "Provider" }).getByText("iperf3").click();
      await page.getByLabel("Saved servers").selectOption({ label: `<b>Loopback</b> iperf3 (${iperf.address})` });
      expect(await page.getByRole("region", { name: "Run a test" }).getByLabel("iperf3 server").inputValue()).toBe(
        iperf.address,
      );
      await page.getByRole("button", { name: "Start test" }).click();
      const done = await waitForLiveStatus(page, /^Done/, errors);
      expect(done).toContain("(<b>Loopback</b> iperf3)");
      await page.locator("#results tbody tr").first().getByText("<b>Loopback</b> iperf3").waitFor();

      page.once("dialog", (dialog) => dialog.accept());
      await card.getByRole("button", { name: "Delete saved server <b>Loopback</b> iperf3" }).click();
      await card.getByText("No saved servers yet.").waitFor();
      await page.locator("#saved-servers").getByText("No saved servers yet").waitFor();
      expect(errors).toEqual([]);
      await close();
    });

    test("while the server list cannot be loaded, Start waits, and the reason is one plain sentence", async () => {
      const { page, errors, close } = await open();
      const alert = page.locator(".server-list-error").first();
      await alert.waitFor();
      expect(await alert.textContent()).toContain("The server list could not be loaded: the connection was refused.");
      expect(await alert.textContent()).not.toMatch(/ECONNREFUSED|Is the computer able/);
      expect(await page.getByRole("button", { name: "Start test" }).isDisabled()).toBe(true);
      // Another provider needs no list.
      await page.getByRole("radiogroup", { name: "Provider" }).getByText("iperf3").click();
      expect(await page.getByRole("button", { name: "Start test" }).isEnabled()).toBe(true);
      expect(errors).toEqual([]);
      await close();
    });

    test("an invalid host shows a clear message and starts nothing", async () => {
      const { page, close } = await open();
      await chooseIperf(page, "-bad host");
      await page.getByRole("button", { name: "Start test" }).click();
      const message = page.locator("#run-message .alert-error");
      await message.waitFor();
      expect(await message.textContent()).toContain("serverHost");
      await close();
    });

    test("a schedule with a broken cron expression is refused in one plain sentence", async () => {
      const { page, errors, close } = await open();
      const card = page.locator("#schedules");
      await card.getByLabel("Interval").fill("* * *");
      await card.getByRole("button", { name: "Add schedule" }).click();
      const alert = card.locator(".alert-error");
      await alert.waitFor();
      expect(await alert.textContent()).toBe(
        'interval: "* * *" is not a valid cron expression: it has 3 fields; a cron expression has 5 (minute hour day month weekday), or 6 with seconds first.',
      );
      expect(errors).toEqual([]);
      await close();
    });

    test("the Speed Test page fits a 375 px phone", async () => {
      const { page, close } = await open(375);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      await screenshot(page, "speedtest-phone");
      await close();
    });
  },
);
