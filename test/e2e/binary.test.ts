import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { hasChromium, launchBrowser, screenshot, signIn, watchErrors } from "../helpers/browser";
import { describeIf } from "../helpers/env";
import { type ServerProcess, startServer } from "../helpers/server-process";

let BIN: string;
beforeAll(async () => {
  BIN = await compiledBinary();
}, BUILD_TIMEOUT_MS);

test("the compiled binary runs from an empty folder with nothing beside it", async () => {
  const version = Bun.spawnSync([BIN, "version"], { cwd: tmpdir() });
  expect(version.exitCode).toBe(0);
  expect(version.stdout.toString()).toMatch(/^netronome \d+\.\d+\.\d+\ncommit: +[0-9a-f]{7,}|unknown/);
  const server = await startServer([BIN, "serve"]);
  try {
    const health = await (await fetch(`${server.url}/health`)).json();
    expect(health).toMatchObject({ status: "ok", database: { type: "sqlite", reachable: true } });
    expect(existsSync(join(server.dir, "netronome.db"))).toBe(true);
    // The dashboard references every embedded script, stylesheet and icon.
    const registered = await fetch(`${server.url}/register`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ username: "admin", password: "password123", confirm: "password123" }),
    });
    const cookie = registered.headers.getSetCookie()[0]!.split(";")[0]!;
    const page = await (await fetch(`${server.url}/`, { headers: { cookie } })).text();
    const assets = [...page.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(7);
    for (const a of assets) {
      const res = await fetch(`${server.url}${a}`);
      expect([a, res.status]).toEqual([a, 200]);
      expect(res.headers.get("cache-control")).toContain("immutable");
    }
  } finally {
    expect(await server.stop()).toBe(0);
  }
});

describeIf(
  hasChromium,
  "Chromium is not installed at /usr/bin/chromium",
  "end to end in Chromium against the binary",
  () => {
    let browser: Browser;
    let server: ServerProcess;
    beforeAll(async () => {
      browser = await launchBrowser();
      server = await startServer([BIN, "serve"]);
    });
    afterAll(async () => {
      await browser?.close();
      await server?.stop();
    });

    test("register, sign out, sign in, switch the theme", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${server.url}/`);
      expect(new URL(page.url()).pathname).toBe("/register");
      await screenshot(page, "register");
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByLabel("Confirm password").fill("short");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByText("at least 8 characters").first().waitFor();
      await page.getByLabel("Password", { exact: true }).fill("password123");
      await page.getByLabel("Confirm password").fill("password123");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${server.url}/`);
      await page.getByRole("heading", { name: "Dashboard" }).waitFor();
      await screenshot(page, "dashboard");

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/login$/);
      await page.getByLabel("Username").fill("admin");
      await page.getByLabel("Password").fill("wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      expect(await page.getByRole("alert").textContent()).toBe("invalid username or password");
      await screenshot(page, "login-error");
      await page.getByLabel("Password").fill("password123");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${server.url}/`);

      const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? "system");
      expect(await theme()).toBe("system");
      await page.getByRole("button", { name: "Switch light or dark theme" }).click();
      expect(await theme()).toBe("dark");
      await page.reload();
      expect(await theme()).toBe("dark");
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe("rgb(13, 19, 32)");
      await screenshot(page, "dashboard-dark");

      await page.goto(`${server.url}/settings`);
      await page.getByRole("button", { name: "System" }).click();
      expect(await theme()).toBe("system");
      await screenshot(page, "settings");
      expect(errors).toEqual([]);
      await context.close();
    });

    test("pages are usable on a 375 px wide phone", async () => {
      const { page, close } = await signIn(browser, server.url, { width: 375, height: 740 }, "dark");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, "dashboard-phone");
      await close();
    });
  },
);
