import { afterAll, beforeAll, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { ADMIN } from "../helpers/admin";
import { Client, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

describeEachDialect("server-side sessions", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database);
    await t.services.auth.createUser(ADMIN.username, ADMIN.password);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const signIn = async (userAgent = FIREFOX) => {
    const c = new Client(t.app);
    const res = await c.fetch("/api/auth/login", { method: "POST", json: ADMIN, headers: { "user-agent": userAgent } });
    expect(res.status).toBe(200);
    return { client: c, token: (await res.json()).access_token as string };
  };
  const copyOf = (c: Client) => {
    const copy = new Client(t.app);
    for (const [k, v] of c.cookies) copy.cookies.set(k, v);
    return copy;
  };

  test("signing out ends the session on the server: a copy of the cookie made before is refused afterwards", async () => {
    const { client, token } = await signIn();
    const stolen = copyOf(client);
    expect((await stolen.get("/api/auth/user")).status).toBe(200);
    const out = await client.postForm("/logout", {});
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join()).toMatch(/session=;.*Max-Age=0/);
    expect((await stolen.get("/api/auth/user")).status).toBe(401);
    expect((await stolen.get("/settings")).headers.get("location")).toBe("/login");
    const bearer = await new Client(t.app).get("/api/auth/user", { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
  });

  test("two sign-ins in the same second get different sessions; the database holds neither token", async () => {
    const [a, b] = await Promise.all([signIn(), signIn()]);
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.db.db.select({ tokenHash: t.db.t.sessions.tokenHash }).from(t.db.t.sessions);
    const stored = rows.map((r) => r.tokenHash);
    expect(stored).not.toContain(a.token);
    expect(stored).not.toContain(b.token);
    // Ending one leaves the other.
    await a.client.postJson("/api/auth/logout", {});
    expect((await a.client.get("/api/auth/user")).status).toBe(401);
    expect((await b.client.get("/api/auth/user")).status).toBe(200);
  });

  test("signing out needs a session: without one nothing happens and the browser is sent to sign in", async () => {
    const anonymous = new Client(t.app);
    const page = await anonymous.postForm("/logout", {});
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    expect(page.headers.getSetCookie()).toEqual([]);
    expect((await anonymous.postJson("/api/auth/logout", {})).status).toBe(401);
  });

  test("the API lists the user's sessions with address, user agent and the current one marked", async () => {
    const { client } = await signIn();
    await signIn("curl/8.5.0");
    const res = await client.get("/api/auth/sessions");
    expect(res.status).toBe(200);
    const { sessions } = await res.json();
    const current = sessions.filter((s: { current: boolean }) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ method: "password", userAgent: FIREFOX });
    expect(sessions.some((s: { userAgent: string }) => s.userAgent === "curl/8.5.0")).toBe(true);
    for (const s of sessions) {
      expect(Date.parse(s.expiresAt)).toBeGreaterThan(Date.parse(s.createdAt));
      expect(s).toHaveProperty("clientAddress");
    }
  });

  test("ending one other session, then all others, over the API", async () => {
    const me = await signIn();
    const other = await signIn("curl/8.5.0");
    const third = await signIn();
    const list = async () => (await (await me.client.get("/api/auth/sessions")).json()).sessions as { id: number }[];
    const otherId = (await (await other.client.get("/api/auth/sessions")).json()).sessions.find(
      (s: { current: boolean }) => s.current,
    ).id;
    const del = await me.client.fetch(`/api/auth/sessions/${otherId}`, { method: "DELETE" });
    expect(await del.json()).toEqual({ revoked: 1 });
    expect((await other.client.get("/api/auth/user")).status).toBe(401);
    expect((await me.client.fetch(`/api/auth/sessions/${otherId}`, { method: "DELETE" })).status).toBe(404);
    expect((await list()).some((s) => s.id === otherId)).toBe(false);
    const all = await (await me.client.fetch("/api/auth/sessions", { method: "DELETE" })).json();
    expect(all.revoked).toBeGreaterThanOrEqual(1);
    expect((await third.client.get("/api/auth/user")).status).toBe(401);
    expect((await me.client.get("/api/auth/user")).status).toBe(200);
    expect(await list()).toHaveLength(1);
  });

  test("Settings lists the sessions, marks this one, and signs others out (htmx and plain forms)", async () => {
    const me = await signIn();
    const other = await signIn("curl/8.5.0");
    const page = await (await me.client.get("/settings")).text();
    expect(page).toContain("Sessions");
    expect(page).toContain("this session");
    expect(page).toContain("Firefox 140 on Linux");
    expect(page).toContain("curl 8.5.0");
    expect(page).toContain("Sign out everywhere else");
    const otherId = (await (await other.client.get("/api/auth/sessions")).json()).sessions.find(
      (s: { current: boolean }) => s.current,
    ).id;
    const card = await me.client.postForm(
      `/settings/sessions/${otherId}/revoke`,
      {},
      { headers: { "hx-request": "true" } },
    );
    expect(card.status).toBe(200);
    const html = await card.text();
    expect(html).toContain('id="sessions-card"');
    expect(html).toContain("The session was signed out.");
    expect((await other.client.get("/api/auth/user")).status).toBe(401);
    // Without htmx: back to the page.
    await signIn();
    const plain = await me.client.postForm("/settings/sessions/revoke-others", {});
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/settings");
    expect((await (await me.client.get("/api/auth/sessions")).json()).sessions).toHaveLength(1);
  });

  test("signing out this session from Settings leads to the sign-in page", async () => {
    const me = await signIn();
    const id = (await (await me.client.get("/api/auth/sessions")).json()).sessions.find(
      (s: { current: boolean }) => s.current,
    ).id;
    const res = await me.client.postForm(`/settings/sessions/${id}/revoke`, {}, { headers: { "hx-request": "true" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("hx-redirect")).toBe("/login");
    expect((await me.client.get("/api/auth/user")).status).toBe(401);
  });

  test("someone else's session cannot be ended, and hostile ids are refused with a message", async () => {
    const me = await signIn();
    for (const id of ["0", "-1", "1.5", "99999999999", "abc"]) {
      const res = await me.client.fetch(`/api/auth/sessions/${id}`, { method: "DELETE" });
      expect([id, res.status]).toEqual([id, 400]);
    }
    expect((await me.client.fetch("/api/auth/sessions/2147483647", { method: "DELETE" })).status).toBe(404);
  });

  test("the CLI's change-password ends every session of that user", async () => {
    const a = await signIn();
    const b = await signIn();
    await t.services.auth.setPassword(ADMIN.username, ADMIN.password);
    expect((await a.client.get("/api/auth/user")).status).toBe(401);
    expect((await b.client.get("/api/auth/user")).status).toBe(401);
  });

  test("deleting a user deletes their sessions", async () => {
    const other = await t.services.auth.createUser("leaving", "password123");
    const c = new Client(t.app);
    expect((await c.postJson("/api/auth/login", { username: "leaving", password: "password123" })).status).toBe(200);
    expect((await c.get("/api/auth/user")).status).toBe(200);
    await t.db.db.delete(t.db.t.users).where(eq(t.db.t.users.id, other.id));
    expect((await c.get("/api/auth/user")).status).toBe(401);
    const left = await t.db.db.select().from(t.db.t.sessions).where(eq(t.db.t.sessions.userId, other.id));
    expect(left).toEqual([]);
  });
});
