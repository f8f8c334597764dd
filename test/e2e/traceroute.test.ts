/**
 * The Traceroute page in Chromium against the app started from source: hops
 * appear live, errors read in plain English, and the table fits a 375 px phone.
 * Traces go to 127.0.0.1 and to the namespace chain this file creates, numeric
 * only, so no DNS query leaves the machine.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, screenshot, signIn } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, dropTracerouteProbes, type NetnsChain, netnsAvailable } from "../helpers/netns";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";

const GEOIP = join(import.meta.dir, "../fixtures/geoip");

describeIf(
  hasChromium && hasCommand("traceroute"),
  "needs Chromium at /usr/bin/chromium and traceroute",
  "the Traceroute page in Chromium",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    let chain: NetnsChain | undefined;
    beforeAll(async () => {
      if (netnsAvailable) {
        chain = await createChain();
        expect((await dropTracerouteProbes(chain)).exitCode).toBe(0);
      }
      server = await startSourceServer({
        env: {
          NETRONOME__TRACEROUTE_RESOLVE_HOSTNAMES: "false",
          NETRONOME__TRACEROUTE_WAIT_SECONDS: "1",
          NETRONOME__TRACEROUTE_MAX_HOPS: "10",
          NETRONOME__TRACEROUTE_MAX_SILENT_HOPS: "3",
          // Test hops are private addresses, which GeoIP leaves blank; the databases still bring the Network column.
          NETRONOME__GEOIP_COUNTRY_DATABASE_PATH: join(GEOIP, "GeoLite2-Country-Test.mmdb"),
          NETRONOME__GEOIP_ASN_DATABASE_PATH: join(GEOIP, "GeoLite2-ASN-Test.mmdb"),
        },
      });
      await registerAdmin(server.url);
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await chain?.destroy();
    });

    const hopRows = (page: Page) => page.locator("table.hop-table tr.hop");

    test("trace 127.0.0.1: the hop row appears, then the result; bad hosts are explained", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 800 });
      await page.getByRole("link", { name: "Traceroute" }).first().click();
      await page.waitForURL(`${server.url}/traceroute`);
      await page.getByLabel("Host").fill("127.0.0.1");
      await page.getByRole("button", { name: "Trace" }).click();
      await hopRows(page).first().waitFor();
      const row = hopRows(page).first();
      expect(await row.locator(".hop-number").textContent()).toBe("1");
      expect(await row.locator(".hop-ip").textContent()).toBe("127.0.0.1");
      expect(await row.locator(".hop-rtt").first().textContent()).toMatch(/^\d+\.\d+ ms$/);
      await page.getByText("Reached 127.0.0.1 in 1 hop").waitFor();
      expect(new URL(page.url()).search).toBe("?host=127.0.0.1");
      expect(await page.getByRole("link", { name: "Monitor this host" }).getAttribute("href")).toBe(
        "/monitors?host=127.0.0.1",
      );
      await screenshot(page, "traceroute");

      await page.getByLabel("Host").fill("127.0.0.1; reboot");
      await page.getByRole("button", { name: "Trace" }).click();
      await page.getByRole("alert").getByText("The host must not contain whitespace.").waitFor();
      expect(await hopRows(page).count()).toBe(0);
      await screenshot(page, "traceroute-error");

      await page.getByRole("button", { name: "https://example.com/page" }).click();
      expect(await page.getByLabel("Host").inputValue()).toBe("https://example.com/page");
      expect(errors).toEqual([]);
      await close();
    });

    test.skipIf(!netnsAvailable)(
      "a path whose end is silent: answering hops, silent hops, then an early stop",
      async () => {
        const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 800 });
        await page.goto(`${server.url}/traceroute?host=${chain!.targetIp}`);
        // A host in the address starts the trace at once; hops arrive one by one.
        await hopRows(page).first().waitFor();
        await page.getByText(/^Terminated early: 3 hops in a row gave no answer/).waitFor({ timeout: 15_000 });
        expect(await hopRows(page).count()).toBe(5);
        expect(await page.locator(".hop-ip").allTextContents()).toEqual([...chain!.hopIps.slice(0, 2), "–", "–", "–"]);
        expect(await hopRows(page).nth(2).locator(".hop-name").textContent()).toBe("No reply");
        await screenshot(page, "traceroute-silent");
        expect(errors).toEqual([]);
        await close();
      },
      30_000,
    );

    test("on a 375 px phone the hops fit the screen", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 375, height: 740 });
      const host = chain?.targetIp ?? "127.0.0.1";
      await page.goto(`${server.url}/traceroute?host=${host}`);
      await hopRows(page).first().waitFor();
      // The monitor link shows once the trace has ended.
      await page.getByRole("link", { name: "Monitor this host" }).waitFor({ timeout: 15_000 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, "traceroute-phone");
      expect(errors).toEqual([]);
      await close();
    }, 30_000);
  },
);
