/**
 * Settings → Notifications in Chromium against the app started from source: the [notifications] channel shown
 * read-only, a channel added through the registry-derived form (the type switch swaps the fields), Send test
 * reaching a local receiver, a rule added and a hostile name shown as text; no secret in any page. Screenshots at
 * 1280 and 390 px, light and dark; on the phone the three tables are card rows, none scrolled sideways.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { hasChromium, launchBrowser, screenshot, signIn } from "../helpers/browser";
import { describeIf } from "../helpers/env";
import { type ServerProcess, startSourceServer } from "../helpers/server-process";
import { HttpReceiver } from "../servers/http-receiver";

const CONFIG_SECRET = "cfgsecret-81f2a9d0";
const NTFY_PASSWORD = "ntfy-pass-77c1";
const HOSTILE = `<img src=x onerror=alert(1)> "Ops' & <b>team</b>`;

describeIf(hasChromium, "needs Chromium at /usr/bin/chromium", "Settings → Notifications in Chromium", () => {
  let browser: Browser;
  let server: ServerProcess;
  const receiver = new HttpReceiver();
  beforeAll(async () => {
    receiver.start();
    server = await startSourceServer({
      env: {
        NETRONOME__NOTIFICATIONS_ENABLED: "true",
        NETRONOME__NOTIFICATIONS_WEBHOOK_URL: `${receiver.origin}/legacy/${CONFIG_SECRET}`,
      },
    });
    await registerAdmin(server.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver.stop();
  });

  test("add a channel and a rule, send a test, see it in the history", async () => {
    const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
    await page.goto(`${server.url}/settings`);
    await page.getByRole("link", { name: "Channels, rules and history" }).click();
    await page.waitForURL(`${server.url}/settings/notifications`);
    const configRow = page.locator('tr[data-channel-id="0"]');
    await configRow.getByText("from config").waitFor();
    expect(await configRow.textContent()).toContain(`${receiver.origin}/••••••`);

    const form = page.locator("#channel-form");
    await form.getByLabel("Name", { exact: true }).fill(HOSTILE);
    await form.getByLabel("Type").selectOption("ntfy");
    await form.getByLabel("Server").waitFor();
    await form.getByLabel("Server").fill(receiver.host);
    await form.getByLabel("Topic").fill("lab-alerts");
    await form.getByLabel("User name (optional)").fill("alice");
    await form.getByLabel("Password or access token (optional)").fill(NTFY_PASSWORD);
    await form.getByLabel("Protocol (optional)").selectOption("http");
    await form.getByRole("button", { name: "Add channel" }).click();
    await page.getByText("added. Add rules below").waitFor();
    const row = page.locator("tr[data-channel-id]").filter({ hasText: "ntfy" });
    expect(await row.locator("td").first().textContent()).toBe(HOSTILE);

    const before = receiver.requests.length;
    await row.getByRole("button", { name: "Send test" }).click();
    await page.getByText("Test notification delivered").waitFor();
    expect(receiver.requests.length).toBe(before + 1);
    expect(receiver.requests.at(-1)!.headers.get("authorization")).toBe(`Basic ${btoa(`alice:${NTFY_PASSWORD}`)}`);
    await page.locator("#history-title").waitFor();
    expect(await page.locator("section", { hasText: "Delivery history" }).locator("tbody tr").count()).toBeGreaterThan(
      0,
    );

    const rules = page.locator("#rule-form");
    await rules.getByLabel("Event").selectOption({ label: "Download low (Mbps)" });
    await rules.getByLabel("Operator").selectOption("lt");
    await rules.getByLabel("Threshold").fill("250");
    await rules.getByLabel("Alert after N breaches…").fill("2");
    await rules.getByLabel("…of the last M checks").fill("3");
    await rules.getByLabel("Quiet from").fill("22:00");
    await rules.getByLabel("Quiet until").fill("07:00");
    await rules.getByRole("button", { name: "Add rule" }).click();
    await page.getByText("Rule added: Download low.").waitFor();
    expect(await page.locator("tr", { hasText: "< 250 Mbps, 2 of the last 3" }).count()).toBe(1);

    // A rule the server refuses keeps the form and says why.
    await rules.getByLabel("Event").selectOption({ label: "Download low (Mbps)" });
    await rules.getByRole("button", { name: "Add rule" }).click();
    await page.getByText("exists already").waitFor();

    const html = await page.content();
    expect(html).not.toContain(NTFY_PASSWORD);
    expect(html).not.toContain(CONFIG_SECRET);
    expect(await page.locator("img[src=x]").count()).toBe(0);

    for (const [width, scheme] of [
      [1280, "light"],
      [1280, "dark"],
      [390, "light"],
      [390, "dark"],
    ] as const) {
      const ctx = await signIn(browser, server.url, { width, height: 900 }, scheme);
      await ctx.page.goto(`${server.url}/settings/notifications`);
      await ctx.page.locator("#notify").waitFor();
      await screenshot(ctx.page, `notifications-${width}-${scheme}`);
      if (width === 390) {
        // Card rows, as the results tables elsewhere: no table scrolls sideways, every cell is on screen.
        const tables = await ctx.page.$$eval(".notify-table", (all) =>
          all.map((table) => ({
            sideways: table.parentElement!.scrollWidth - table.parentElement!.clientWidth,
            rows: [...table.querySelectorAll("tbody tr")].map((tr) => getComputedStyle(tr).display),
            offScreen: [...table.querySelectorAll("td")].filter((td) => td.getBoundingClientRect().right > innerWidth)
              .length,
          })),
        );
        expect(tables.length).toBe(3);
        for (const t of tables) expect(t).toEqual({ sideways: 0, rows: t.rows.map(() => "grid"), offScreen: 0 });
      }
      expect(ctx.errors).toEqual([]);
      await ctx.close();
    }

    // Editing shows no secret and keeps it when the password field stays empty.
    await row.getByRole("link", { name: "Edit" }).click();
    const edit = page.locator("#channel-form");
    expect(await edit.getByLabel("Password or access token (optional)").inputValue()).toBe("");
    await edit.getByLabel("Name", { exact: true }).fill("Lab ntfy");
    await edit.getByRole("button", { name: "Save channel" }).click();
    await page.getByText("Channel “Lab ntfy” saved.").waitFor();
    await page.locator("tr", { hasText: "Lab ntfy" }).getByRole("button", { name: "Send test" }).click();
    await page.getByText("Test notification delivered").waitFor();
    expect(receiver.requests.at(-1)!.headers.get("authorization")).toBe(`Basic ${btoa(`alice:${NTFY_PASSWORD}`)}`);
    expect(errors).toEqual([]);
    await close();
  }, 120_000);
});
