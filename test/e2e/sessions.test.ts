/** The sessions card of Settings in Chromium, against the compiled binary: listing, signing out others, this one. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { hasChromium, launchBrowser, screenshot, signIn } from "../helpers/browser";
import { describeIf } from "../helpers/env";
import { type ServerProcess, startServer } from "../helpers/server-process";

const CLIENTS = {
  phone:
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
  ipad: "Mozilla/5.0 (iPad; CPU OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1",
  script: "curl/8.5.0",
};

describeIf(
  hasChromium,
  "Chromium is not installed at /usr/bin/chromium",
  "sessions in Settings (Chromium, binary)",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    const tokens: Record<string, string> = {};

    const apiLogin = async (userAgent: string) => {
      const res = await fetch(`${server.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": userAgent },
        body: JSON.stringify(ADMIN),
      });
      return (await res.json()).access_token as string;
    };
    const alive = async (token: string) =>
      (await fetch(`${server.url}/api/auth/user`, { headers: { authorization: `Bearer ${token}` } })).status === 200;

    beforeAll(async () => {
      server = await startServer([await compiledBinary(), "serve"]);
      await registerAdmin(server.url);
      for (const [name, ua] of Object.entries(CLIENTS)) tokens[name] = await apiLogin(ua);
      browser = await launchBrowser();
    }, BUILD_TIMEOUT_MS);
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    test("the card lists every session and fits desktop and phone, light and dark", async () => {
      for (const [width, scheme] of [
        [1280, "light"],
        [1280, "dark"],
        [390, "light"],
        [390, "dark"],
      ] as const) {
        const { page, errors, close } = await signIn(browser, server.url, { width, height: 900 }, scheme);
        await page.goto(`${server.url}/settings`);
        const card = page.locator("#sessions-card");
        await card.getByRole("heading", { name: "Sessions" }).waitFor();
        const text = (await card.textContent()) ?? "";
        expect(text).toContain("this session");
        expect(text).toContain("Chrome 156 on Android");
        expect(text).toContain("Safari 18 on iOS");
        expect(text).toContain("curl 8.5.0");
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
          0,
        );
        await screenshot(page, `settings-sessions-${width}-${scheme}`);
        expect(errors).toEqual([]);
        await close();
      }
    });

    test("signing out one session, then every other, then this one", async () => {
      const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
      await page.goto(`${server.url}/settings`);
      const card = page.locator("#sessions-card");
      await card.getByRole("button", { name: "Sign out curl 8.5.0" }).click();
      await card.getByText("The session was signed out.").waitFor();
      expect((await card.textContent()) ?? "").not.toContain("curl 8.5.0");
      expect(await alive(tokens.script!)).toBe(false);
      expect(await alive(tokens.phone!)).toBe(true);

      page.once("dialog", (dialog) => void dialog.accept());
      await card.getByRole("button", { name: "Sign out everywhere else" }).click();
      await card.getByText(/other sessions? signed out\./).waitFor();
      expect(await alive(tokens.phone!)).toBe(false);
      expect(await alive(tokens.ipad!)).toBe(false);
      expect(await card.locator(".session-item").count()).toBe(1);
      await screenshot(page, "settings-sessions-alone");

      await card.getByRole("button", { name: /Sign out .*\(this session\)/ }).click();
      await page.waitForURL(/\/login$/);
      await page.goto(`${server.url}/settings`);
      await page.waitForURL(/\/login$/);
      expect(errors).toEqual([]);
      await close();
    });
  },
);
