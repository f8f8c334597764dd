/** API tokens on both dialects: shown once, stored hashed, scoped, revocable, last use, and attacks on them. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ADMIN } from "../helpers/admin";
import { Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

describeEachDialect("API tokens", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let admin: Client;
  /** The app on a real socket, where the whitelist (127.0.0.0/8) applies. */
  let url: string;
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database, { auth: { whitelist: ["127.0.0.0/8"] } });
    admin = await signedInClient(t);
    url = `http://127.0.0.1:${t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const bearer = (token: string, path = "/api/auth/verify", init: RequestInit = {}) =>
    new Client(t.app).fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

  test("created in the API: the token is in that answer only, and only its hash is stored", async () => {
    const res = await admin.postJson("/api/auth/tokens", { name: "prometheus", scope: "read" });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({ name: "prometheus", scope: "read", lastUsedAt: null });
    expect(created.token).toMatch(/^ntr_[A-Za-z0-9_-]{43}$/);
    const { tokens } = await (await admin.get("/api/auth/tokens")).json();
    expect(tokens).toEqual([expect.objectContaining({ id: created.id, name: "prometheus" })]);
    expect(JSON.stringify(tokens)).not.toContain(created.token);
    const rows = await t.db.db.select().from(t.db.t.apiTokens);
    expect(JSON.stringify(rows)).not.toContain(created.token.slice(4));
    expect(rows[0]!.tokenHash).toBe(new Bun.CryptoHasher("sha256").update(created.token).digest("hex"));
    const verify = await bearer(created.token);
    expect(await verify.json()).toEqual({ message: "authenticated", type: "token" });
  });

  test("last use is recorded, and written at most once a minute", async () => {
    const { token, id } = await (await admin.postJson("/api/auth/tokens", { name: "busy" })).json();
    for (let i = 0; i < 20; i++) expect((await bearer(token)).status).toBe(200);
    const listed = async () =>
      ((await (await admin.get("/api/auth/tokens")).json()).tokens as { id: number; lastUsedAt: string }[]).find(
        (k) => k.id === id,
      )!.lastUsedAt;
    const first = await listed();
    expect(first).not.toBeNull();
    await Bun.sleep(5);
    await bearer(token);
    expect(await listed()).toBe(first);
  });

  test("revoking ends it at once: 401, even from a whitelisted address (a presented token is never passed over)", async () => {
    const { token, id } = await (await admin.postJson("/api/auth/tokens", { name: "short-lived" })).json();
    const overSocket = () => fetch(`${url}/api/auth/verify`, { headers: { authorization: `Bearer ${token}` } });
    expect(await (await overSocket()).json()).toMatchObject({ type: "token" });
    expect((await admin.fetch(`/api/auth/tokens/${id}`, { method: "DELETE" })).status).toBe(200);
    expect((await overSocket()).status).toBe(401);
    expect(await (await fetch(`${url}/api/auth/verify`)).json()).toMatchObject({ type: "whitelist" });
    expect((await admin.fetch(`/api/auth/tokens/${id}`, { method: "DELETE" })).status).toBe(404);
  });

  test("names are required and bounded; markup stays text; a viewer gets read tokens only", async () => {
    expect((await admin.postJson("/api/auth/tokens", { name: "  " })).status).toBe(400);
    expect((await admin.postJson("/api/auth/tokens", { name: "x".repeat(65) })).status).toBe(400);
    expect((await admin.postJson("/api/auth/tokens", { name: "a\u0000b" })).status).toBe(400);
    expect((await admin.postJson("/api/auth/tokens", { name: "n", scope: "admin" })).status).toBe(400);
    const markup = await admin.postJson("/api/auth/tokens", { name: '<script>alert("x")</script>' });
    expect(markup.status).toBe(201);
    const page = await (await admin.get("/settings", { headers: { accept: "text/html" } })).text();
    expect(page).not.toContain("<script>alert");
    expect(page).toContain("&lt;script&gt;alert");
    await t.services.users.create({ username: "watcher", password: "watcher-pass", role: "viewer" });
    const viewer = new Client(t.app);
    await viewer.postJson("/api/auth/login", { username: "watcher", password: "watcher-pass" });
    expect((await viewer.postJson("/api/auth/tokens", { name: "w", scope: "write" })).status).toBe(403);
    expect((await viewer.postJson("/api/auth/tokens", { name: "r", scope: "read" })).status).toBe(201);
  });

  test("a token of someone else cannot be listed or revoked", async () => {
    const viewer = new Client(t.app);
    await viewer.postJson("/api/auth/login", { username: "watcher", password: "watcher-pass" });
    const { tokens } = await (await admin.get("/api/auth/tokens")).json();
    const { tokens: theirs } = await (await viewer.get("/api/auth/tokens")).json();
    expect(theirs.map((k: { id: number }) => k.id)).not.toContain(tokens[0].id);
    expect((await viewer.fetch(`/api/auth/tokens/${tokens[0].id}`, { method: "DELETE" })).status).toBe(404);
  });

  test("a bearer request is not a CSRF risk: a foreign Origin does not stop it, while a cookie with one is refused", async () => {
    const { token } = await (await admin.postJson("/api/auth/tokens", { name: "cross", scope: "write" })).json();
    const foreign = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
    const withToken = await bearer(token, "/api/speedtest/cancel", { method: "POST", headers: foreign });
    expect(withToken.status).toBe(200);
    const withCookie = await admin.fetch("/api/speedtest/cancel", { method: "POST", headers: foreign });
    expect(withCookie.status).toBe(403);
  });

  test("a token only works as a bearer header: in the session cookie it is nobody", async () => {
    const { token } = await (await admin.postJson("/api/auth/tokens", { name: "cookie-test" })).json();
    const c = new Client(t.app);
    c.cookies.set("session", token);
    expect((await c.get("/api/auth/verify")).status).toBe(401);
  });

  test("guessing: wrong tokens get 401, then 429 before any lookup; a right token from elsewhere still works", async () => {
    const { token } = await (await admin.postJson("/api/auth/tokens", { name: "real" })).json();
    const guesses = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const guess = `ntr_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
        return (await bearer(guess)).status;
      }),
    );
    // In-process requests have no address: they all count as one client, like one attacker.
    expect(guesses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(30);
    expect((await bearer("ntr_whatever")).status).toBe(429);
    expect((await bearer("not-even-a-token")).status).toBe(429);
    // Sessions are unaffected: the throttle is for bearer tokens.
    expect((await admin.get("/api/auth/user")).status).toBe(200);
    expect(token).toBeTruthy();
  });

  test("deleting a user ends their tokens with them", async () => {
    const { users } = await (await admin.get("/api/users")).json();
    const watcher = users.find((u: { username: string }) => u.username === "watcher");
    const { token } = await t.services.tokens.create(
      { id: watcher.id, username: "watcher", role: "viewer" },
      { name: "doomed" },
    );
    expect((await t.services.tokens.resolve(token))?.user.username).toBe("watcher");
    expect((await admin.fetch(`/api/users/${watcher.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await t.services.tokens.resolve(token)).toBeNull();
    expect(ADMIN.username).toBe("admin");
  });
});
