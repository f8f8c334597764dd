/** Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with this sandbox's network quirks handled. */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ADMIN } from "./admin";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = join(import.meta.dir, "..", "artifacts");

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling Google services, which this machine refuses.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Collects script errors and console errors so a test can assert the page ran cleanly. 4xx answers are
 * expected in form-error flows, so Chromium's "Failed to load resource … status of 4xx" lines are ignored.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export interface SignedInPage {
  page: Page;
  /** Script and console errors seen so far (see watchErrors). */
  errors: string[];
  /** Closes the page's browser context. */
  close(): Promise<void>;
}

/** A fresh browser context of the given size, signed in as ADMIN through the sign-in form of the server at `url`. */
export async function signIn(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
  colorScheme: "light" | "dark" = "light",
  /** The browser's own timezone and language (the pages must not follow them). */
  locale: { timezoneId?: string; locale?: string } = {},
): Promise<SignedInPage> {
  const context = await browser.newContext({ viewport, colorScheme, ...locale });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${url}/login`);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${url}/`);
  return { page, errors, close: () => context.close() };
}

/** Waits for body[data-ready]: Alpine is up, the event stream has sent its snapshot, the first data are loaded. */
export async function pageReady(page: Page, timeout = 15_000): Promise<void> {
  await page.locator("body[data-ready]").waitFor({ state: "attached", timeout });
}

/**
 * Waits until the Speed Test page's live status matches `pattern`; on timeout the error says what the card showed
 * instead, and any script errors (a flaky wait should explain itself).
 */
export async function waitForLiveStatus(
  page: Page,
  pattern: RegExp,
  errors: string[] = [],
  timeout = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = "";
  while (Date.now() < deadline) {
    text = (await page.locator(".live-status").textContent()) ?? "";
    if (pattern.test(text)) return text;
    await Bun.sleep(100);
  }
  const badge = await page.locator(".live .badge").first().textContent();
  throw new Error(`live status never matched ${pattern}: it showed "${text}" (${badge}); page errors: ${errors}`);
}
