import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client, startSqliteTestApp, type TestApp } from "../helpers/app";

// Behind a reverse proxy at a sub-path, every link, asset, redirect, cookie path and API route carries the prefix.
let t: TestApp;
beforeAll(async () => {
  t = await startSqliteTestApp({ server: { base_url: "/netronome/" } });
});
afterAll(async () => {
  await t.close();
});

test("redirects, cookies, links and assets carry the base URL", async () => {
  const c = new Client(t.app, "/netronome");
  const first = await c.get("/");
  expect(first.headers.get("location")).toBe("/netronome/register");
  const reg = await c.postForm("/register", { username: "admin", password: "password123", confirm: "password123" });
  expect(reg.headers.get("location")).toBe("/netronome/");
  expect(reg.headers.getSetCookie()[0]).toContain("Path=/netronome");
  const page = await (await c.get("/")).text();
  const urls = [...page.matchAll(/(?:href|src|action)="([^"]+)"/g)].map((m) => m[1]!);
  expect(urls.length).toBeGreaterThan(8);
  for (const url of urls) expect(url.startsWith("/netronome/") || url === "#main").toBe(true);
  for (const asset of urls.filter((u) => u.includes("/assets/")))
    expect((await c.get(asset.slice("/netronome".length))).status).toBe(200);
  expect((await c.get("/api/auth/user")).status).toBe(200);
  expect((await c.get("/health")).status).toBe(200);
  const out = await c.postForm("/logout", {});
  expect(out.headers.get("location")).toBe("/netronome/login");
});

test("paths without the prefix are not served", async () => {
  const res = await t.app.handle(new Request("http://localhost/health"));
  expect(res.status).toBe(404);
});
