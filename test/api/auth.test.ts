import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client, startSqliteTestApp, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

describeEachDialect("first-run registration, login and logout", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  test("while no user exists every page leads to registration", async () => {
    const c = new Client(t.app);
    for (const path of ["/", "/settings", "/login"]) {
      const res = await c.get(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/register");
    }
    expect((await (await c.get("/api/auth/status")).json()).hasUsers).toBe(false);
  });

  test("bad registration input is rejected with the field named and nothing written", async () => {
    const c = new Client(t.app);
    const short = await c.postJson("/api/auth/register", { username: "alice", password: "short" });
    expect(short.status).toBe(400);
    expect((await short.json()).message).toBe("password: at least 8 characters");
    const missing = await c.postJson("/api/auth/register", { username: "alice" });
    expect(missing.status).toBe(400);
    expect((await missing.json()).message).toContain("password");
    const malformed = await c.fetch("/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
    const form = await c.postForm("/register", { username: "alice", password: "longenough", confirm: "different" });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain("the passwords do not match");
    expect((await (await c.get("/api/auth/status")).json()).hasUsers).toBe(false);
  });

  test("the registration form creates the first account and signs in", async () => {
    const c = new Client(t.app);
    const res = await c.postForm("/register", {
      username: "alice",
      password: "correct horse",
      confirm: "correct horse",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^session=/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Max-Age=");
    expect(cookie).not.toContain("Secure");
    const home = await c.get("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("alice");
  });

  test("after that, registration is closed (403) on the page and the API", async () => {
    const c = new Client(t.app);
    expect((await c.get("/register")).status).toBe(403);
    const api = await c.postJson("/api/auth/register", { username: "mallory", password: "password123" });
    expect(api.status).toBe(403);
    expect((await api.json()).message).toContain("registration is closed");
    const form = await c.postForm("/register", {
      username: "mallory",
      password: "password123",
      confirm: "password123",
    });
    expect(form.status).toBe(403);
  });

  test("a wrong password and an unknown user get the same 401 message", async () => {
    const c = new Client(t.app);
    const wrong = await c.postJson("/api/auth/login", { username: "alice", password: "wrong password" });
    const unknown = await c.postJson("/api/auth/login", { username: "nobody", password: "wrong password" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.json()).toEqual(await unknown.json());
    const page = await c.postForm("/login", { username: "alice", password: "nope" });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain("invalid username or password");
  });

  test("JSON login, verify, user and logout use the original paths and fields", async () => {
    const c = new Client(t.app);
    const login = await c.postJson("/api/auth/login", { username: "alice", password: "correct horse" });
    expect(login.status).toBe(200);
    const body = await login.json();
    expect(body.user).toEqual({ id: expect.any(Number), username: "alice" });
    expect(body.token_type).toBe("Bearer");
    expect(body.expires_in).toBeGreaterThan(0);
    expect(await (await c.get("/api/auth/verify")).json()).toEqual({ message: "authenticated", type: "session" });
    expect((await (await c.get("/api/auth/user")).json()).user.username).toBe("alice");
    const bearer = await new Client(t.app).get("/api/auth/user", {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(bearer.status).toBe(200);
    expect((await c.postJson("/api/auth/logout", {})).status).toBe(200);
    expect((await c.get("/api/auth/user")).status).toBe(401);
  });

  test("signing in returns to the page that was asked for, and only to local paths", async () => {
    const c = new Client(t.app);
    const asked = await c.get("/speedtest?tab=history");
    expect(asked.headers.get("location")).toBe("/login");
    const remembered = asked.headers.getSetCookie().find((h) => h.startsWith("login_next="));
    expect(remembered).toContain("Path=/login");
    expect(remembered).toContain("HttpOnly");
    expect(c.cookies.get("login_next")).toBe(encodeURIComponent("/speedtest?tab=history"));
    // The sign-in page itself is the same document for everyone.
    const signIn = await c.get("/login");
    expect(await signIn.text()).toBe(await (await new Client(t.app).get("/login")).text());
    const res = await c.postForm("/login", { username: "alice", password: "correct horse" });
    expect(res.headers.get("location")).toBe("/speedtest?tab=history");
    expect(c.cookies.has("login_next")).toBe(false);
    // A form field wins over the cookie, which is used up all the same; the dashboard is the default.
    const both = new Client(t.app);
    await both.get("/traceroute");
    const field = await both.postForm("/login", { username: "alice", password: "correct horse", next: "/settings" });
    expect(field.headers.get("location")).toBe("/settings");
    expect(both.cookies.has("login_next")).toBe(false);
    const plain = await new Client(t.app).postForm("/login", { username: "alice", password: "correct horse" });
    expect(plain.headers.get("location")).toBe("/");
    const evil = await new Client(t.app).postForm("/login", {
      username: "alice",
      password: "correct horse",
      next: "//evil.example/",
    });
    expect(evil.headers.get("location")).toBe("/");
  });

  test("an htmx request with an expired session is sent to the login page with HX-Redirect", async () => {
    const c = new Client(t.app);
    const res = await c.get("/settings", {
      headers: { "hx-request": "true", "hx-current-url": "http://localhost/speedtest?tab=schedules" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("hx-redirect")).toBe("/login");
    // After signing in, the page the request came from opens again; another site's page is never remembered.
    expect(c.cookies.get("login_next")).toBe(encodeURIComponent("/speedtest?tab=schedules"));
    const foreign = new Client(t.app);
    await foreign.get("/settings", { headers: { "hx-request": "true", "hx-current-url": "http://evil.example/x" } });
    expect(foreign.cookies.has("login_next")).toBe(false);
  });

  test("a forged or tampered session cookie is refused", async () => {
    const c = new Client(t.app);
    c.cookies.set("session", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwidiI6MX0.invalid");
    expect((await c.get("/api/auth/user")).status).toBe(401);
  });

  test("changing the password signs out other sessions but keeps the current one", async () => {
    const a = new Client(t.app);
    const b = new Client(t.app);
    await a.postJson("/api/auth/login", { username: "alice", password: "correct horse" });
    await b.postJson("/api/auth/login", { username: "alice", password: "correct horse" });
    const wrong = await a.postForm("/settings/password", {
      current: "nope",
      password: "new password 1",
      confirm: "new password 1",
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("the current password is wrong");
    const ok = await a.postForm("/settings/password", {
      current: "correct horse",
      password: "new password 1",
      confirm: "new password 1",
    });
    expect(ok.status).toBe(200);
    expect((await a.get("/api/auth/user")).status).toBe(200);
    expect((await b.get("/api/auth/user")).status).toBe(401);
    expect((await b.postJson("/api/auth/login", { username: "alice", password: "new password 1" })).status).toBe(200);
  });

  test("usernames with markup characters are rejected", async () => {
    const evil = await t.services.auth.createUser("eve<b>", "password123").catch((e: Error) => e);
    expect(evil).toBeInstanceOf(Error);
    expect((evil as Error).message).toContain("username");
  });
});

describeEachDialect("route protection", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database);
    await t.services.auth.createUser("admin", "password123");
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const PUBLIC = new Set([
    "GET /health",
    "GET /login",
    "POST /login",
    "GET /register",
    "POST /register",
    "GET /assets/:hash/:name",
    "GET /api/auth/status",
    "POST /api/auth/register",
    "POST /api/auth/login",
  ]);

  test("every page and API route except the public ones needs a session", async () => {
    const c = new Client(t.app);
    const routes = t.app.routes.filter((r) => !PUBLIC.has(`${r.method} ${r.path}`));
    expect(routes.length).toBeGreaterThan(3);
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, "1");
      const res = await c.fetch(path, { method: r.method, ...(r.method === "GET" ? {} : { json: {} }) });
      // JSON routes answer 401; pages send the browser to sign in (streams read by scripts may answer 401).
      const expected = path.startsWith("/api/") ? [401] : [303, 401];
      expect([`${r.method} ${path}`, expected.includes(res.status)]).toEqual([`${r.method} ${path}`, true]);
    }
  });

  test("unknown paths get a 404 page, and JSON under /api", async () => {
    const c = new Client(t.app);
    const page = await c.get("/no/such/page", { headers: { accept: "text/html" } });
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Page not found");
    const api = await c.get("/api/nothing-here");
    expect(api.status).toBe(404);
    expect((await api.json()).error).toBe("not_found");
  });

  test("/health reports status, version and database reachability without login", async () => {
    const res = await new Client(t.app).get("/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: "ok",
      version: expect.any(String),
      database: { type: dialect.name, reachable: true },
    });
  });

  test("security headers are set on every page", async () => {
    const res = await new Client(t.app).get("/login");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  test("the session secret survives a restart (sessions stay valid)", async () => {
    const c = new Client(t.app);
    await c.postJson("/api/auth/login", { username: "admin", password: "password123" });
    const again = await startTestApp(database);
    try {
      const c2 = new Client(again.app);
      for (const [k, v] of c.cookies) c2.cookies.set(k, v);
      expect((await c2.get("/api/auth/user")).status).toBe(200);
    } finally {
      await again.close();
    }
  });

  test("repeated failed logins from one address are throttled (429 with Retry-After)", async () => {
    const c = new Client(t.app);
    let last: Response | undefined;
    for (let i = 0; i < 11; i++) last = await c.postJson("/api/auth/login", { username: "admin", password: "wrong" });
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("XSS", () => {
  test("a username with markup is shown as text on the page", async () => {
    const t = await startSqliteTestApp();
    try {
      await t.services.auth.register("alice", "password123");
      const c = new Client(t.app);
      const res = await c.postForm("/login", { username: "<script>alert(1)</script>", password: "x" });
      const text = await res.text();
      expect(text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(text).not.toContain("<script>alert(1)</script>");
    } finally {
      await t.close();
    }
  });
});
