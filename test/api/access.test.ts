/**
 * Who may do what, walked over the whole route table: a read-only API token and a viewer are refused (403) by every
 * state-changing route, before its body is read, except a viewer's own sign-ins; API tokens never manage users or
 * sign-ins; user management is for admins.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN } from "../helpers/admin";
import { Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { startIdp, type TestIdp } from "../servers/oidc-provider";

const VIEWER = { username: "viewer", password: "viewer-password" } as const;
const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Public routes: they take no identity at all (covered by the sign-in and CSRF tests). */
const PUBLIC = new Set(["POST /login", "POST /register", "POST /api/auth/register", "POST /api/auth/login"]);
/** The caller's own sign-ins: open to viewers, closed to API tokens. */
const ACCOUNT = new Set([
  "POST /logout",
  "POST /api/auth/logout",
  "DELETE /api/auth/sessions/:id",
  "DELETE /api/auth/sessions",
  "POST /api/auth/tokens",
  "DELETE /api/auth/tokens/:id",
  "POST /settings/password",
  "POST /settings/sessions/:id/revoke",
  "POST /settings/sessions/revoke-others",
  "POST /settings/tokens",
  "POST /settings/tokens/:id/revoke",
]);
/** User management: admins only, never with a token. */
const ADMIN_ONLY = new Set([
  "GET /api/users",
  "POST /api/users",
  "PATCH /api/users/:id",
  "DELETE /api/users/:id",
  "GET /settings/users",
  "POST /settings/users",
  "POST /settings/users/:id/role",
  "POST /settings/users/:id/delete",
]);

let idp: TestIdp;
let t: TestApp;
let admin: Client;
const tokens: Record<"adminRead" | "adminWrite" | "viewerRead", string> = {
  adminRead: "",
  adminWrite: "",
  viewerRead: "",
};

beforeAll(async () => {
  // With single sign-on configured, so that its routes are in the table too.
  idp = await startIdp({ clients: [{ client_id: "n", client_secret: "s", redirect_uris: ["http://localhost/cb"] }] });
  t = await startSqliteTestApp({ oidc: { issuer: idp.issuer, client_id: "n", client_secret: "s" } });
  admin = await signedInClient(t);
  await t.services.users.create({ ...VIEWER, role: "viewer" });
  const adminUser = { id: 1, username: ADMIN.username, role: "admin" } as const;
  const viewerUser = (await t.services.users.list()).find((u) => u.username === VIEWER.username)!;
  tokens.adminRead = (await t.services.tokens.create(adminUser, { name: "scrape", scope: "read" })).token;
  tokens.adminWrite = (await t.services.tokens.create(adminUser, { name: "automation", scope: "write" })).token;
  tokens.viewerRead = (await t.services.tokens.create(viewerUser, { name: "mine", scope: "read" })).token;
});
afterAll(async () => {
  await t.close();
  await idp.stop();
});

const viewerClient = async () => {
  const c = new Client(t.app);
  expect((await c.postJson("/api/auth/login", VIEWER)).status).toBe(200);
  return c;
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every route of the app as "METHOD /path", with a request path that fills its parameters. */
function routeTable() {
  return t.app.routes.map((r) => ({
    key: `${r.method} ${r.path}`,
    method: r.method,
    path: r.path
      .replace(/:resultId|:id/g, "1")
      .replace(":action", "pause")
      .replace(":hash/:name", "x/base.css"),
  }));
}

/** A request to a route with a body of the route's kind (one that would not pass validation anyway). */
function send(c: Client, route: { method: string; path: string }, headers: Record<string, string> = {}) {
  const api = route.path.startsWith("/api/");
  return c.fetch(route.path, {
    method: route.method,
    headers: { accept: api ? "application/json" : "text/html", ...headers },
    ...(api ? { json: { probe: true } } : { form: { probe: "true" } }),
  });
}

describe("the route table", () => {
  test("is walked whole: new routes are covered by default, and the exceptions name real routes", () => {
    const keys = routeTable().map((r) => r.key);
    expect(keys.filter((k) => !READ_METHODS.has(k.split(" ")[0]!)).length).toBeGreaterThan(50);
    for (const key of [...PUBLIC, ...ACCOUNT, ...ADMIN_ONLY]) expect(keys).toContain(key);
  });

  test("a read-only token (an admin's or a viewer's) is refused by every state-changing route", async () => {
    for (const r of routeTable()) {
      if (READ_METHODS.has(r.method) || PUBLIC.has(r.key)) continue;
      for (const token of [tokens.adminRead, tokens.viewerRead]) {
        const res = await send(new Client(t.app), r, bearer(token));
        expect({ route: r.key, status: res.status }).toEqual({ route: r.key, status: 403 });
      }
    }
  });

  test("a read-write token is refused by sign-in and user management routes", async () => {
    for (const r of routeTable()) {
      if (!ACCOUNT.has(r.key) && !ADMIN_ONLY.has(r.key)) continue;
      if (READ_METHODS.has(r.method) && !ADMIN_ONLY.has(r.key)) continue;
      const res = await send(new Client(t.app), r, bearer(tokens.adminWrite));
      expect({ route: r.key, status: res.status }).toEqual({ route: r.key, status: 403 });
    }
  });

  test("a viewer is refused by every state-changing route but their own sign-ins, and by user management", async () => {
    const viewer = await viewerClient();
    for (const r of routeTable()) {
      if (PUBLIC.has(r.key) || ACCOUNT.has(r.key)) continue;
      if (READ_METHODS.has(r.method) && !ADMIN_ONLY.has(r.key)) continue;
      const res = await send(viewer, r);
      expect({ route: r.key, status: res.status }).toEqual({ route: r.key, status: 403 });
    }
    expect((await viewer.get("/api/auth/user")).status).toBe(200);
  });

  test("a viewer may manage their own sign-ins", async () => {
    for (const r of routeTable()) {
      if (!ACCOUNT.has(r.key)) continue;
      const res = await send(await viewerClient(), r);
      expect({ route: r.key, refused: res.status === 403 || res.status === 401 }).toEqual({
        route: r.key,
        refused: false,
      });
    }
  });

  test("viewers and read tokens read everything but user management", async () => {
    const viewer = await viewerClient();
    for (const path of [
      "/api/speedtest/history",
      "/api/schedules",
      "/api/packetloss/monitors",
      "/api/notifications/channels",
      "/api/auth/tokens",
    ]) {
      expect((await viewer.get(path)).status).toBe(200);
      expect((await new Client(t.app).get(path, { headers: bearer(tokens.adminRead) })).status).toBe(200);
    }
    for (const path of ["/", "/speedtest", "/settings", "/settings/notifications"]) {
      const res = await viewer.get(path, { headers: { accept: "text/html" } });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });

  test("an admin's read-write token changes things, and its refusals are about the token", async () => {
    const created = await new Client(t.app).fetch("/api/schedules", {
      method: "POST",
      headers: bearer(tokens.adminWrite),
      json: { serverIds: [], interval: "1h", enabled: false, options: { useIperf: false } },
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const read = await new Client(t.app).fetch(`/api/schedules/${id}`, {
      method: "DELETE",
      headers: bearer(tokens.adminRead),
    });
    expect(read.status).toBe(403);
    expect((await read.json()).message).toBe("this API token is read-only");
    const del = await new Client(t.app).fetch(`/api/schedules/${id}`, {
      method: "DELETE",
      headers: bearer(tokens.adminWrite),
    });
    expect(del.status).toBe(200);
    expect((await admin.get("/api/schedules")).status).toBe(200);
  });
});
