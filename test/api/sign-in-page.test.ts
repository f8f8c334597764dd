import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../helpers/app";
import { createSqliteDatabase, type TestDatabase } from "../helpers/db";

// Over real sockets: once an account exists, Bun's router serves GET /login as a static page, outside Elysia.
const BASE = "/netronome";
let database: TestDatabase;
let t: TestApp;
let url: string;

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${BASE}${path}`, { headers, redirect: "manual" });

beforeAll(async () => {
  database = await createSqliteDatabase();
  const firstRun = await startTestApp(database, { server: { base_url: BASE } });
  const server = firstRun.app.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    // Before any account exists the sign-in page leads to registration.
    const res = await fetch(`http://127.0.0.1:${server.server!.port}${BASE}/login`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${BASE}/register`);
    await firstRun.services.auth.createUser("alice", "correct horse");
  } finally {
    await firstRun.app.stop();
    await firstRun.close();
  }
  t = await startTestApp(database, { server: { base_url: BASE } });
  url = `http://127.0.0.1:${t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
});

afterAll(async () => {
  await t.app.stop();
  await t.close();
  await database.drop();
});

test("the static sign-in page is the page Elysia renders, with the security headers", async () => {
  const res = await get("/login");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  const body = await res.text();
  expect(body).toContain(`action="${BASE}/login"`);
  const rendered = await t.app.handle(new Request(`http://localhost${BASE}/login`));
  expect(body).toBe(await rendered.text());
  // Served by Bun's static route (it adds an ETag and answers revalidation), not by the Elysia route.
  const etag = res.headers.get("etag");
  expect(etag).toBeTruthy();
  expect((await get("/login", { "if-none-match": etag! })).status).toBe(304);
  // Query strings and cookies do not change the document.
  expect(await (await get("/login?next=/elsewhere", { cookie: "session=x" })).text()).toBe(body);
});

test("a visitor sent to sign in comes back to the page asked for", async () => {
  const asked = await get("/speedtest?tab=history");
  expect(asked.status).toBe(303);
  expect(asked.headers.get("location")).toBe(`${BASE}/login`);
  const remembered = asked.headers.getSetCookie().find((c) => c.startsWith("login_next="))!;
  expect(remembered).toContain(`Path=${BASE}/login`);
  const signedIn = await fetch(`${url}${BASE}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: remembered.split(";")[0]! },
    body: new URLSearchParams({ username: "alice", password: "correct horse" }),
  });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.get("location")).toBe(`${BASE}/speedtest?tab=history`);
  const cookies = signedIn.headers.getSetCookie();
  expect(cookies.find((c) => c.startsWith("login_next="))).toMatch(/Max-Age=0/);
  expect(cookies.find((c) => c.startsWith("session="))).toContain("HttpOnly");
});

test("a page too long to remember, or a forged cookie, never stands in the way of signing in", async () => {
  const long = await get(`/speedtest?filter=${"a".repeat(3000)}`);
  expect(long.headers.get("location")).toBe(`${BASE}/login`);
  expect(long.headers.getSetCookie().some((c) => c.startsWith("login_next="))).toBe(false);
  for (const cookie of [`login_next=/${"a".repeat(3000)}`, "login_next=https%3A%2F%2Fevil.example%2F"]) {
    const res = await fetch(`${url}${BASE}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ username: "alice", password: "correct horse" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${BASE}/`);
    expect(res.headers.getSetCookie().find((c) => c.startsWith("login_next="))).toMatch(/Max-Age=0/);
  }
});
