/**
 * Every page with realistic history (test/helpers/seed.ts) at 1280 and 390 px, light and dark: each reaches its
 * page-ready marker, fits the screen, runs without script errors, and is screenshotted for a look
 * (test/artifacts/page-*.png). Times are in the configured timezone, Europe/Berlin here.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, pageReady, screenshot, signIn } from "../helpers/browser";
import { describeIf } from "../helpers/env";
import { seedHistory } from "../helpers/seed";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";

const PAGES = [
  ["dashboard", "/"],
  ["speedtest", "/speedtest"],
  ["traceroute", "/traceroute"],
  ["monitors", "/monitors"],
  ["monitor", "/monitors/2"],
  ["agents", "/agents"],
  ["settings", "/settings"],
  ["notifications", "/settings/notifications"],
] as const;

const VIEWS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

describeIf(hasChromium, "Chromium is required", "every page with realistic data", () => {
  let browser: Browser;
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "netronome-pages-"));
    const db = join(dir, "netronome.db");
    await seedHistory(db);
    server = await startSourceServer({
      cwd: dir,
      env: {
        NETRONOME__DB_PATH: db,
        NETRONOME__TIMEZONE: "Europe/Berlin",
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
    rmSync(dir, { recursive: true, force: true });
  });

  for (const view of VIEWS)
    for (const scheme of ["light", "dark"] as const)
      describe(`${view.name}, ${scheme}`, () => {
        for (const [name, path] of PAGES)
          test(`${path} is ready, fits and runs cleanly`, async () => {
            const { page, errors, close } = await signIn(browser, server.url, view, scheme);
            try {
              await page.goto(`${server.url}${path}`);
              await pageReady(page);
              // From the top: a page scrolled to its content (/monitors/:id) would show the sticky bar mid-image.
              await page.evaluate(() => window.scrollTo(0, 0));
              await screenshot(page, `page-${name}-${view.name}-${scheme}`);
              const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
              expect(overflow).toBeLessThanOrEqual(0);
              // Every navigation item, the current one included, is whole on screen (none scrolled out of view).
              const cut = await page.$$eval(".nav a", (links) =>
                links
                  .filter((a) => {
                    const r = a.getBoundingClientRect();
                    return r.left < 0 || r.right > window.innerWidth || r.width === 0;
                  })
                  .map((a) => a.textContent),
              );
              expect(cut).toEqual([]);
              expect(errors).toEqual([]);
            } finally {
              await close();
            }
          });
      });
});
