import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { STYLESHEET_NAMES } from "../../src/server/stylesheets";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { hasChromium, launchBrowser, screenshot, signIn, watchErrors } from "../helpers/browser";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";
import { type ServerProcess, startServer } from "../helpers/server-process";
import { HttpReceiver } from "../servers/http-receiver";
import { SmtpSink, textPart } from "../servers/smtp-sink";

const ROOT = join(import.meta.dir, "../..");
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

test("the compiled binary serves every stylesheet the pages link: 200, text/css, the source's bytes, cached", async () => {
  const server = await startServer([BIN, "serve"]);
  try {
    const registered = await fetch(`${server.url}/register`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({ username: "admin", password: "password123", confirm: "password123" }),
    });
    const cookie = registered.headers.getSetCookie()[0]!.split(";")[0]!;
    const sheets = async (path: string, headers: HeadersInit = {}) => {
      const page = await (await fetch(`${server.url}${path}`, { headers })).text();
      return [...page.matchAll(/<link rel="stylesheet" href="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    };
    const dashboard = await sheets("/", { cookie });
    // The sign-in page (the bare layout) links the same sheets in the same order as every signed-in page.
    expect(await sheets("/login")).toEqual(dashboard);
    expect(dashboard.map((u) => u.split("/").pop())).toEqual(STYLESHEET_NAMES);
    for (const url of dashboard) {
      const name = url.split("/").pop()!;
      const res = await fetch(`${server.url}${url}`, { headers: { "accept-encoding": "identity" } });
      expect([name, res.status, res.headers.get("content-type")]).toEqual([name, 200, "text/css;charset=utf-8"]);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(await res.text()).toBe(await Bun.file(join(ROOT, "public/css", name)).text());
      const again = await fetch(`${server.url}${url}`, { headers: { "if-none-match": res.headers.get("etag")! } });
      expect([name, again.status]).toEqual([name, 304]);
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

describeIf(
  hasCommand("iperf3") && hasCommand("ping"),
  "iperf3 and ping are needed",
  "notifications from the compiled binary",
  () => {
    let iperf: Iperf3Server;
    let server: ServerProcess;
    let cookie: string;
    const receiver = new HttpReceiver();
    const sink = new SmtpSink({ starttls: false, account: { user: "bin", password: "bin-pass" } });
    beforeAll(async () => {
      receiver.start();
      await sink.start();
      iperf = await Iperf3Server.start();
      // The seed's [notifications] keys, as a user of the original sets them: loopback is far below 1,000,000 Mbit/s.
      server = await startServer([BIN, "serve"], {
        env: {
          NETRONOME__NOTIFICATIONS_ENABLED: "true",
          NETRONOME__NOTIFICATIONS_WEBHOOK_URL: `${receiver.origin}/legacy-hook`,
          NETRONOME__NOTIFICATIONS_DOWNLOAD_THRESHOLD: "1000000",
          NETRONOME__NOTIFICATIONS_UPLOAD_THRESHOLD: "0",
          NETRONOME__NOTIFICATIONS_PING_THRESHOLD: "1000",
          NETRONOME__IPERF_TEST_DURATION: "1",
          NETRONOME__IPERF_PARALLEL_CONNS: "1",
          NETRONOME__IPERF_PING_COUNT: "1",
        },
      });
      const registered = await fetch(`${server.url}/register`, {
        method: "POST",
        redirect: "manual",
        body: new URLSearchParams({ username: "admin", password: "password123", confirm: "password123" }),
      });
      cookie = registered.headers.getSetCookie()[0]!.split(";")[0]!;
    });
    afterAll(async () => {
      await server?.stop();
      await iperf?.stop();
      await sink.stop();
      await receiver.stop();
    });

    test("[notifications] thresholds: a real iperf3 test below download_threshold reaches the webhook", async () => {
      const res = await fetch(`${server.url}/api/speedtest`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ useIperf: true, serverHost: `127.0.0.1:${iperf.port}`, serverName: "loopback" }),
      });
      expect(res.status).toBe(200);
      const result = (await res.json()) as { downloadSpeed: number; error: string | null };
      expect(result.error).toBeNull();
      await receiver.waitFor(1, 10_000);
      const body = receiver.json(0) as Record<string, unknown>;
      expect(receiver.requests[0]!.path).toBe("/legacy-hook");
      expect(body).toMatchObject({
        event: "speedtest.download_low",
        severity: "warning",
        threshold: 1_000_000,
        operator: "lt",
        value: result.downloadSpeed,
        subject: "loopback (iperf3)",
      });
      // Upload threshold 0 and ping threshold 1000 ms are not breached: one message only.
      await Bun.sleep(300);
      expect(receiver.requests.length).toBe(1);
    }, 60_000);

    test("email through the SMTP client inside the binary", async () => {
      const headers = { cookie, "content-type": "application/json" };
      const created = await fetch(`${server.url}/api/notifications/channels`, {
        method: "POST",
        headers,
        body: JSON.stringify({
          name: "mail",
          url: `smtp://bin:bin-pass@127.0.0.1:${sink.port}/?from=n@example.org&to=ops@example.org&encryption=none`,
        }),
      });
      expect(created.status).toBe(201);
      const channel = (await created.json()) as { id: number; url: string };
      expect(channel.url).not.toContain("bin-pass");
      const sent = await fetch(`${server.url}/api/notifications/test`, {
        method: "POST",
        headers,
        body: JSON.stringify({ channel_id: channel.id }),
      });
      expect(await sent.json()).toMatchObject({ success: true });
      expect(sink.messages.at(-1)).toMatchObject({ user: "bin", to: ["ops@example.org"] });
      expect(textPart(sink.messages.at(-1)!.data)).toStartWith("Netronome test notification");
    });
  },
);
