/**
 * The Monitors page in Chromium against the app started from source: create a
 * monitor for 127.0.0.1 with "start monitoring immediately", watch it go
 * Testing → result, open its chart and hop view; what a monitor says while its
 * first run is under way; /monitors/:id as a page of its own; a 375 px phone.
 * Only 127.0.0.1 is probed, numerically (mtr without DNS).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, pageReady, screenshot, signIn } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";

describeIf(
  hasChromium && hasCommand("mtr"),
  "needs Chromium at /usr/bin/chromium and mtr",
  "the packet-loss monitors panel in Chromium",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startSourceServer({
        env: { NETRONOME__PACKETLOSS_DEFAULT_PACKET_COUNT: "3", NETRONOME__PACKETLOSS_MTR_ENABLE_DNS: "false" },
      });
      await registerAdmin(server.url);
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    test("create a monitor that starts immediately: Testing, then a result, a chart and its hops", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      // The old address of the monitors (a tab of the Traceroute page) leads to their own page.
      await page.goto(`${server.url}/traceroute?tab=monitors&host=127.0.0.1`);
      await page.waitForURL(`${server.url}/monitors?host=127.0.0.1`);
      const form = page.locator("#monitor-form");
      expect(await form.getByLabel("Host").inputValue()).toBe("127.0.0.1");
      await form.getByLabel("Name").fill("Loopback");
      await form.getByLabel("Interval").selectOption("1m");
      await form.getByLabel("Loss threshold (%)").fill("10");
      expect(await form.getByLabel("Start monitoring immediately").isChecked()).toBe(true);

      // Daily times swap the interval list for time fields, and back.
      await form.getByText("Daily times").click();
      await form.getByLabel("Time 1", { exact: true }).waitFor();
      await form.getByText("Repeating", { exact: true }).click();
      await form.getByLabel("Time 1", { exact: true }).waitFor({ state: "hidden" });

      await form.getByRole("button", { name: "Add monitor" }).click();
      const item = page.locator(".monitor-item", { hasText: "Loopback" });
      await item.waitFor();
      await item.locator(".badge", { hasText: "Testing" }).waitFor({ timeout: 10_000 });
      await item.getByRole("progressbar").waitFor();
      await screenshot(page, "monitors-testing");
      await item.locator(".badge", { hasText: "Active" }).waitFor({ timeout: 20_000 });
      await item.locator(".badge", { hasText: "OK" }).waitFor();
      expect(await item.locator(".badge-schedule").textContent()).toBe("every minute");

      // The detail (opened on creation) shows the chart and the new result; hops load when asked for.
      const detail = page.locator("#monitor-detail");
      await detail.getByRole("heading", { name: "Loopback" }).waitFor();
      await detail.locator(".results-table tbody tr").first().waitFor();
      await detail.locator(".apexcharts-canvas").nth(1).waitFor();
      expect(await detail.locator(".range-summary dd").first().textContent()).toBe("0%");
      await detail.getByRole("button", { name: "1 week" }).click();
      await detail.getByText("One point per 1 h").waitFor();
      await detail.getByRole("button", { name: "24 hours" }).click();
      await detail.getByText("One point per 1 min").waitFor();
      const resultRow = detail.locator(".results-table tbody").first();
      expect(await resultRow.locator("td").nth(1).textContent()).toBe("mtr");
      expect(await resultRow.locator("td").nth(2).textContent()).toBe("0%");
      expect(await resultRow.locator("td").nth(3).textContent()).toBe("3/3");
      await resultRow.getByRole("button", { name: "Hops" }).click();
      const hops = resultRow.locator(".hops table tbody tr");
      await hops.first().waitFor();
      expect(await hops.first().locator("td").nth(1).textContent()).toBe("127.0.0.1");
      await screenshot(page, "monitors-desktop");

      // A bad host is explained beside its field and nothing is added.
      await form.getByLabel("Host").fill("-oProxyCommand=x");
      await form.getByRole("button", { name: "Add monitor" }).click();
      await page.locator("#monitor-form .field-error", { hasText: "must not start with '-'" }).waitFor();
      expect(await page.locator(".monitor-item").count()).toBe(1);

      // Edit, then stop and start again from the list.
      await item.getByRole("button", { name: "Edit Loopback" }).click();
      await page.getByRole("heading", { name: "Edit monitor" }).waitFor();
      await page.locator("#monitor-form").getByLabel("Loss threshold (%)").fill("2");
      await page.locator("#monitor-form").getByRole("button", { name: "Save changes" }).click();
      await page.getByText("Monitor Loopback saved.").waitFor();
      await item.getByText("threshold 2.0%").waitFor();
      await item.getByRole("button", { name: "Stop" }).click();
      await item.locator(".badge", { hasText: "Stopped" }).waitFor();
      await item.getByRole("button", { name: "Start" }).click();
      await item.locator(".badge", { hasText: /Testing|Active/ }).waitFor();

      await page.getByText("Why can intermediate hops show loss").click();
      await page.getByText("the router is forwarding your packets").waitFor();
      expect(errors).toEqual([]);
      await close();
    }, 60_000);

    test("while its first run is under way a monitor says so, not 'start the monitor' or 'next run in 2 s'", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/monitors`);
      await pageReady(page);
      // Ten probes a second apart: a run of about ten seconds.
      const created = await page.request.post(`${server.url}/api/packetloss/monitors`, {
        data: { host: "127.0.0.1", name: "Slow run", interval: "1m", packetCount: 10, startImmediately: true },
      });
      expect(created.status()).toBe(201);
      const { id } = await created.json();
      await page.goto(`${server.url}/monitors/${id}`);
      await pageReady(page);
      const item = page.locator(`.monitor-item[data-monitor-id="${id}"]`);
      await item.locator(".badge", { hasText: "Testing" }).waitFor({ timeout: 10_000 });
      const results = page.locator("#monitor-results");
      await results.getByText("The first run is under way").waitFor();
      expect(await results.getByText("Start the monitor").isVisible()).toBe(false);
      expect(await item.getByText("Run in progress").isVisible()).toBe(true);
      expect(await item.getByText(/Next run/).isVisible()).toBe(false);
      await screenshot(page, "monitor-first-run");
      // When the run ends: its result, and the next run again.
      await results.locator("tbody tr").first().waitFor({ timeout: 30_000 });
      await item.getByText(/Next run in/).waitFor();
      expect(errors).toEqual([]);
      await close();
    }, 60_000);

    test("/monitors/:id opened directly is a whole page, with its monitor's detail in view", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 700 });
      const list = await (await page.request.get(`${server.url}/api/packetloss/monitors`)).json();
      const loopback = list.find((m: { name: string }) => m.name === "Loopback");
      await page.goto(`${server.url}/monitors/${loopback.id}`);
      await pageReady(page);
      expect(await page.title()).toBe("Monitors · Netronome");
      expect(await page.locator('.nav a[aria-current="page"]').textContent()).toBe("Monitors");
      const heading = page.locator("#monitor-detail").getByRole("heading", { name: "Loopback" });
      await heading.waitFor();
      await page.waitForFunction(() => {
        const top = document.getElementById("monitor-detail")!.getBoundingClientRect().top;
        return top >= 0 && top < window.innerHeight / 2;
      });
      // Styled: the stylesheet applies (a fragment on its own would be unstyled text).
      expect(await page.locator(".topbar").evaluate((el) => getComputedStyle(el).position)).toBe("sticky");
      expect(errors).toEqual([]);
      await close();
    });

    for (const [width, scheme] of [
      [1280, "light"],
      [390, "dark"],
    ] as const)
      test(`too many probes for mtr: the form says ping will run without hops, the result says why (${width} px, ${scheme})`, async () => {
        const { page, errors, close } = await signIn(browser, server.url, { width, height: 900 }, scheme);
        await page.goto(`${server.url}/traceroute?tab=monitors&host=127.0.0.1`);
        const form = page.locator("#monitor-form");
        const note = form.locator("#m-hop-note");
        await form.getByLabel("Name").fill(`Fast ${width}`);
        await form.getByLabel("Interval").selectOption("10s");
        await form.getByLabel("Packets per run").fill("10");
        await note.getByText("ping: no hop data.").waitFor();
        expect(await note.textContent()).toContain("mtr would need 12 s for 10 probes at one a second");
        await screenshot(page, `monitors-hop-note-${width}-${scheme}`);
        // Six probes a second apart fit the 8 s a 10-second monitor's run may take: mtr runs, nothing to say.
        await form.getByLabel("Packets per run").fill("6");
        await note.getByText("ping: no hop data.").waitFor({ state: "detached" });
        await form.getByLabel("Packets per run").fill("10");
        await note.getByText("ping: no hop data.").waitFor();

        await form.getByRole("button", { name: "Add monitor" }).click();
        const detail = page.locator("#monitor-detail");
        await detail.getByRole("heading", { name: `Fast ${width}` }).waitFor();
        const resultRow = detail.locator(".results-table tbody").first();
        await resultRow.getByRole("button", { name: "No hops?" }).waitFor({ timeout: 20_000 });
        expect(await resultRow.locator("td").nth(1).textContent()).toBe("ping");
        expect(await resultRow.locator("td").nth(3).textContent()).toBe("10/10");
        await resultRow.getByRole("button", { name: "No hops?" }).click();
        await resultRow.getByText("ping: no hop data because mtr would need 12 s").waitFor();
        await screenshot(page, `monitors-no-hops-${width}-${scheme}`);
        const item = page.locator(".monitor-item", { hasText: `Fast ${width}` });
        await item.getByRole("button", { name: "Stop" }).click();
        await item.locator(".badge", { hasText: "Stopped" }).waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        expect(errors).toEqual([]);
        await close();
      }, 60_000);

    test("the panel fits a 375 px phone", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 375, height: 800 });
      await page.goto(`${server.url}/monitors`);
      const item = page.locator(".monitor-item", { hasText: "Loopback" });
      await item.waitFor();
      await item.getByRole("link", { name: "Loopback", exact: true }).click();
      await page.locator("#monitor-detail .apexcharts-canvas").nth(1).waitFor();
      // Choosing a monitor brings its detail into view, and the address bar links to it.
      await page.waitForFunction(() => {
        const top = document.getElementById("monitor-detail")!.getBoundingClientRect().top;
        return top >= -1 && top < window.innerHeight / 2;
      });
      expect(new URL(page.url()).pathname).toMatch(/^\/monitors\/\d+$/);
      await screenshot(page, "monitors-phone");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, "monitors-phone");
      expect(errors).toEqual([]);
      await close();
    }, 60_000);
  },
);
