/**
 * Single sign-on in Chromium against the compiled binary and a real OpenID provider: the provider is down when
 * Netronome starts (configured through the original's bare OIDC_* variables), comes up later, and signing in works
 * without a restart; the sign-in page explains failures; the new account is a viewer and sees no controls.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { hasChromium, launchBrowser, screenshot, signIn, watchErrors } from "../helpers/browser";
import { describeIf } from "../helpers/env";
import { freePort, type ServerProcess, startServer } from "../helpers/server-process";
import { startIdp, type TestIdp } from "../servers/oidc-provider";

describeIf(hasChromium, "Chromium is not installed at /usr/bin/chromium", "single sign-on (Chromium, binary)", () => {
  let browser: Browser;
  let server: ServerProcess;
  let idp: TestIdp | undefined;
  const idpPort = freePort();

  beforeAll(async () => {
    server = await startServer([await compiledBinary(), "serve"], {
      env: {
        OIDC_ISSUER: `http://127.0.0.1:${idpPort}`,
        OIDC_CLIENT_ID: "netronome",
        OIDC_CLIENT_SECRET: "netronome-secret",
        NETRONOME__OIDC_PROVIDER_NAME: "Example ID",
      },
    });
    await registerAdmin(server.url);
    browser = await launchBrowser();
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await idp?.stop();
  });

  const status = async () => (await fetch(`${server.url}/api/auth/status`)).json();

  test("with the provider down, start-up did not wait and the sign-in page says why single sign-on failed", async () => {
    expect(await status()).toEqual({ hasUsers: true, oidcConfigured: true, oidcReady: false });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/login`);
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    await page.waitForURL(/\/login\?error=oidc_unavailable$/);
    await page.getByText("Single sign-on is not available right now").waitFor();
    expect(await page.locator("[data-sso-error]:visible").count()).toBe(1);
    await screenshot(page, "sign-in-sso-unavailable-1280-light");
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("once the provider is up, signing in with it works without a restart; the new account is a viewer", async () => {
    idp = await startIdp({
      port: idpPort,
      clients: [
        {
          client_id: "netronome",
          client_secret: "netronome-secret",
          redirect_uris: [`${server.url}/api/auth/oidc/callback`],
        },
      ],
      accounts: { "sub-alice": { preferred_username: "alice", name: "Alice Example" } },
    });
    for (const [width, scheme] of [
      [1280, "light"],
      [390, "dark"],
    ] as const) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${server.url}/login`);
      await page.getByRole("link", { name: "Sign in with Example ID" }).waitFor();
      await screenshot(page, `sign-in-sso-${width}-${scheme}`);
      await page.getByRole("link", { name: "Sign in with Example ID" }).click();
      // The provider's own sign-in form.
      await page.getByLabel("Account").fill("sub-alice");
      await page.getByRole("button", { name: "Continue" }).click();
      await page.waitForURL(`${server.url}/`);
      await page.getByText("You are signed in as a viewer").waitFor();
      expect(await page.locator(".user-name").textContent()).toBe("alice");
      await screenshot(page, `dashboard-viewer-${width}-${scheme}`);
      await page.goto(`${server.url}/settings`);
      await page.getByRole("heading", { name: "API tokens" }).waitFor();
      expect(await page.getByText("signs in through single sign-on").count()).toBe(1);
      expect(await page.locator("#sessions-card .badge", { hasText: "single sign-on" }).count()).toBeGreaterThan(0);
      await screenshot(page, `settings-viewer-${width}-${scheme}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      expect(errors).toEqual([]);
      await context.close();
    }
    expect((await status()).oidcReady).toBe(true);
  }, 120_000);

  test("a viewer creates a read-only token in Settings, shown once, and reads /metrics with it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/login/sso`);
    await page.getByLabel("Account").fill("sub-alice");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${server.url}/`);
    await page.goto(`${server.url}/settings`);
    const card = page.locator("#tokens-card");
    await card.getByLabel("Name").fill("prometheus");
    expect(await card.locator("option").allTextContents()).toEqual(["Read only"]);
    await card.getByRole("button", { name: "Create token" }).click();
    const value = card.getByLabel("The new token");
    await value.waitFor();
    const token = await value.inputValue();
    expect(token).toMatch(/^ntr_/);
    await screenshot(page, "settings-token-created-1280-light");
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("netronome_build_info");
    await page.reload();
    expect(await page.content()).not.toContain(token);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("the admin sees the single sign-on account in Settings → Users and makes it an admin", async () => {
    for (const [width, scheme] of [
      [1280, "light"],
      [390, "dark"],
    ] as const) {
      const { page, errors, close } = await signIn(browser, server.url, { width, height: 900 }, scheme);
      await page.goto(`${server.url}/settings/users`);
      const alice = page.locator(".session-item", { hasText: "alice" });
      await alice.getByText("single sign-on").waitFor();
      expect(await page.getByText("the only admin").count()).toBe(1);
      expect(await page.getByRole("button", { name: "Remove admin" }).isDisabled()).toBe(true);
      // On a phone the buttons go below the name rather than squeezing it into a narrow column.
      const name = (await alice.locator(".session-main").boundingBox())!;
      const button = (await alice.getByRole("button", { name: "Make alice an admin" }).boundingBox())!;
      expect(button.y >= name.y + name.height).toBe(width < 500);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
        0,
      );
      await screenshot(page, `settings-users-${width}-${scheme}`);
      expect(errors).toEqual([]);
      await close();
    }
    const { page, errors, close } = await signIn(browser, server.url, { width: 1280, height: 900 });
    await page.goto(`${server.url}/settings/users`);
    await page.getByRole("button", { name: "Make alice an admin" }).click();
    await page.getByText("alice is now an admin.").waitFor();
    expect(await page.getByText("the only admin").count()).toBe(0);
    const alice = page.locator(".session-item", { hasText: "alice" });
    expect(await alice.locator(".badge").allTextContents()).toEqual(["admin", "single sign-on"]);
    expect(await alice.getByRole("button", { name: "Make alice a viewer" }).isEnabled()).toBe(true);
    await screenshot(page, "settings-users-promoted-1280-light");
    expect(errors).toEqual([]);
    await close();
  }, 120_000);
});
