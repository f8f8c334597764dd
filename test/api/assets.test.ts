import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { STYLESHEET_NAMES } from "../../src/server/stylesheets";
import { Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";

let t: TestApp;
let assetUrls: string[];
const assetsOf = (page: string) => [...page.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
const namesOf = (urls: string[]) => urls.map((u) => u.split("/").pop());
beforeAll(async () => {
  t = await startSqliteTestApp();
  const client = await signedInClient(t);
  assetUrls = assetsOf(await (await client.get("/")).text());
});
afterAll(async () => {
  await t.close();
});

test("pages reference htmx, its SSE extension, Alpine, the stylesheets and the icon by content hash", () => {
  expect(namesOf(assetUrls)).toEqual(
    expect.arrayContaining([
      "htmx.js",
      "hx-sse.js",
      "alpine.js",
      "app.js",
      "theme.js",
      "logo.svg",
      ...STYLESHEET_NAMES,
    ]),
  );
  for (const u of assetUrls) expect(u).toMatch(/^\/assets\/[0-9a-f]{12}\/[\w.-]+$/);
});

test("the sign-in page, a plain form, loads only the stylesheets, the icon and the theme script", async () => {
  const signIn = await (await new Client(t.app).get("/login")).text();
  expect(namesOf(assetsOf(signIn)).sort()).toEqual([...STYLESHEET_NAMES, "logo.svg", "theme.js"].sort());
});

test("every stylesheet in public/css is linked, in the declared order, before any script", () => {
  const linked = assetUrls.filter((u) => u.endsWith(".css")).map((u) => u.split("/").pop());
  expect(linked).toEqual(STYLESHEET_NAMES);
  expect(readdirSync(join(import.meta.dir, "../../public/css")).sort()).toEqual([...STYLESHEET_NAMES].sort());
  const lastSheet = assetUrls.findLastIndex((u) => u.endsWith(".css"));
  expect(assetUrls.slice(0, lastSheet).filter((u) => u.endsWith(".js"))).toEqual([]);
});

test("every stylesheet is served as text/css from source with the file's bytes, immutable under its hash", async () => {
  const c = new Client(t.app);
  for (const url of assetUrls.filter((u) => u.endsWith(".css"))) {
    const res = await c.get(url);
    const name = url.split("/").pop()!;
    expect([name, res.status, res.headers.get("content-type")]).toEqual([name, 200, "text/css;charset=utf-8"]);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await res.text()).toBe(await Bun.file(join(import.meta.dir, "../../public/css", name)).text());
  }
});

test("hashed assets are immutable, gzip-encoded when asked, and answer 304 to a matching ETag", async () => {
  const c = new Client(t.app);
  const url = assetUrls.find((u) => u.endsWith("/htmx.js"))!;
  const plain = await c.get(url);
  expect(plain.status).toBe(200);
  expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  expect(plain.headers.get("content-type")).toContain("javascript");
  const body = await plain.arrayBuffer();
  const gz = await c.get(url, { headers: { "accept-encoding": "gzip, br" } });
  expect(gz.headers.get("content-encoding")).toBe("gzip");
  const gzBody = new Uint8Array(await gz.arrayBuffer());
  expect(gzBody.length).toBeLessThan(body.byteLength);
  expect(Bun.gunzipSync(gzBody).byteLength).toBe(body.byteLength);
  const etag = plain.headers.get("etag")!;
  for (let i = 0; i < 3; i++) {
    const again = await c.get(url, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  }
});

test("a stale hash still serves the file but without long caching; unknown names are 404", async () => {
  const c = new Client(t.app);
  const stale = await c.get("/assets/000000000000/base.css");
  expect(stale.status).toBe(200);
  expect(stale.headers.get("cache-control")).toBe("no-cache");
  expect((await c.get("/assets/000000000000/nope.js")).status).toBe(404);
});
