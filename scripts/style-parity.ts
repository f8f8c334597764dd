/**
 * For CSS changes that must not change what users see (a split, a reorder, removing dead rules): every page, with
 * realistic data (test/helpers/seed.ts, an agent, notification channels, rules and history), at 1280, 700 and 390 px,
 * light and dark, is loaded once in Chromium; the computed style of every element and of its ::before and ::after
 * is read under the current stylesheets, then under those of a git revision swapped in place of them (same DOM,
 * same moment: no reload, animations held, transitions finished), and every property that differs is listed.
 *
 *   bun scripts/style-parity.ts [revision, default main]     exit status 1 when anything differs
 *
 * The revision's stylesheets are src/server/stylesheets.ts's list at that revision, or public/app.css before it.
 * Not part of the test suite: a style change that is meant to show is a difference here.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { registerAdmin } from "../test/helpers/admin";
import { launchBrowser, signIn } from "../test/helpers/browser";
import { seedHistory } from "../test/helpers/seed";
import { startSourceServer } from "../test/helpers/server-process";
import { startFakeAgent } from "../test/servers/agent-server";
import { HttpReceiver } from "../test/servers/http-receiver";

const ROOT = join(import.meta.dir, "..");
const revision = process.argv[2] ?? "main";
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "ignore"] });

/** The revision's stylesheets, in their cascade order. */
function stylesheetsAt(rev: string): string[] {
  let list: string;
  try {
    list = git("show", `${rev}:src/server/stylesheets.ts`);
  } catch {
    return [git("show", `${rev}:public/app.css`)];
  }
  const files = new Map(
    [...list.matchAll(/import (\w+) from "\.\.\/\.\.\/(public\/css\/[\w.-]+)"/g)].map((m) => [m[1]!, m[2]!]),
  );
  const order = [...list.matchAll(/^\s+"[\w.-]+\.css": (\w+),$/gm)].map((m) => files.get(m[1]!)!);
  return order.map((path) => git("show", `${rev}:${path}`));
}

/** In the page: computed styles under the current sheets, then under `baseline`; the properties that differ. */
function compareInPage(baseline: string[]) {
  const hold = () => {
    for (const a of document.getAnimations()) {
      if (a instanceof CSSTransition) a.finish();
      else {
        a.pause();
        a.currentTime = 0;
      }
    }
  };
  const elements = [...document.querySelectorAll("*")];
  const read = (): Map<string, string[]> => {
    hold();
    const out = new Map<string, string[]>();
    elements.forEach((el, i) => {
      for (const pseudo of ["", "::before", "::after"]) {
        const cs = getComputedStyle(el, pseudo || null);
        if (pseudo && (cs.content === "none" || cs.content === "normal")) continue;
        const values: string[] = [];
        for (let p = 0; p < cs.length; p++) values.push(`${cs[p]}: ${cs.getPropertyValue(cs[p]!)}`);
        out.set(`${i}${pseudo}`, values);
      }
    });
    return out;
  };
  const name = (key: string) => {
    const [i, pseudo] = key.split(/(?=::)/);
    const el = elements[Number(i)]!;
    const classes = el.getAttribute("class")?.trim().replace(/\s+/g, ".");
    return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${classes ? `.${classes}` : ""}${pseudo ?? ""}`;
  };
  const current = read();
  const links = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')];
  for (const css of baseline) {
    const style = document.createElement("style");
    style.textContent = css;
    links[0]!.before(style);
  }
  for (const link of links) link.disabled = true;
  const before = read();
  const diffs: string[] = [];
  for (const key of new Set([...current.keys(), ...before.keys()])) {
    const a = current.get(key);
    const b = before.get(key);
    if (!a || !b) diffs.push(`${name(key)}: ${a ? "only now" : "only before"}`);
    else if (a.join() !== b.join())
      for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) diffs.push(`${name(key)} ${a[p]} (was ${b[p]})`);
  }
  return { compared: current.size, diffs };
}

/** Plain pages (sign-in, errors) have no scripts and no ready marker. */
const PLAIN = ["/login", "/no-such-page"];

async function settle(page: Page, path: string) {
  if (!PLAIN.includes(path)) await page.locator("body[data-ready]").waitFor({ state: "attached", timeout: 15_000 });
  if (path.startsWith("/agents/")) await page.locator("[data-page-ready]").waitFor({ state: "attached" });
  await page.waitForTimeout(600); // charts draw after the ready marker
}

const baseline = stylesheetsAt(revision);
const dir = mkdtempSync(join(tmpdir(), "netronome-style-parity-"));
const receiver = new HttpReceiver().start();
const agent = startFakeAgent({ hostname: "nas-01", apiKey: "k-nas" });
await seedHistory(join(dir, "netronome.db"));
const server = await startSourceServer({
  cwd: dir,
  env: {
    NETRONOME__DB_PATH: join(dir, "netronome.db"),
    NETRONOME__TIMEZONE: "Europe/Berlin",
    NETRONOME__SPEEDTESTNET_SERVERS_URL: "http://127.0.0.1:9/servers",
    NETRONOME__SPEEDTESTNET_CONFIG_URL: "http://127.0.0.1:9/config",
    NETRONOME__NOTIFICATIONS_ENABLED: "true",
    NETRONOME__NOTIFICATIONS_WEBHOOK_URL: `${receiver.origin}/hook`,
  },
});
const browser = await launchBrowser();
let failed = false;
try {
  await registerAdmin(server.url);
  // An agent, a delivered test notification and a rule of one's own, so that every table has rows.
  const setup = await signIn(browser, server.url, { width: 1280, height: 900 });
  const agentId = await setup.page.evaluate(async (url) => {
    const res = await fetch(`${location.origin}/api/monitor/agents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "NAS", url, apiKey: "k-nas" }),
    });
    return ((await res.json()) as { id: number }).id;
  }, agent.url);
  await setup.page.goto(`${server.url}/settings/notifications`);
  const channel = setup.page.locator("#channel-form");
  await channel.getByLabel("Name", { exact: true }).fill("Ops webhook");
  await channel.getByLabel("Type").selectOption({ label: "Webhook (JSON)" });
  await channel.getByLabel("URL", { exact: true }).fill(`${receiver.origin}/ops`);
  await channel.getByRole("button", { name: "Add channel" }).click();
  await setup.page.getByText("added. Add rules below").waitFor();
  await setup.page.locator('tr[data-channel-id="0"]').getByRole("button", { name: "Send test" }).click();
  await setup.page.getByText("Test notification delivered").waitFor();
  const rules = setup.page.locator("#rule-form");
  await rules.getByLabel("Event").selectOption({ label: "Download low (Mbps)" });
  await rules.getByLabel("Operator").selectOption("lt");
  await rules.getByLabel("Threshold").fill("250");
  await rules.getByRole("button", { name: "Add rule" }).click();
  await setup.page.getByText("Rule added").waitFor();
  await setup.close();

  const pages = ["/", "/speedtest", "/traceroute", "/monitors", "/monitors/2", "/agents", `/agents/${agentId}`];
  pages.push(`/agents/${agentId}?tab=bandwidth`, `/agents/${agentId}?tab=system`, "/settings", "/settings/users");
  pages.push("/settings/notifications", "/no-such-page", "/login");
  for (const width of [1280, 700, 390])
    for (const scheme of ["light", "dark"] as const) {
      const { page, close } = await signIn(browser, server.url, { width, height: 900 }, scheme);
      for (const path of pages) {
        if (PLAIN.includes(path)) await page.context().clearCookies();
        await page.goto(`${server.url}${path}`);
        await settle(page, path);
        const { compared, diffs } = await page.evaluate(compareInPage, baseline);
        failed ||= diffs.length > 0;
        console.log(
          `${String(width).padStart(4)} ${scheme.padEnd(5)} ${path.padEnd(28)} ${compared} styles, ${diffs.length} differ`,
        );
        for (const d of diffs.slice(0, 25)) console.log(`    ${d}`);
      }
      await close();
    }
} finally {
  await browser.close();
  await server.stop();
  await agent.stop();
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(failed ? `styles differ from ${revision}` : `every computed style matches ${revision}`);
process.exit(failed ? 1 : 0);
