/** Users and roles on both dialects: admins manage accounts, the last admin stays, changes apply at once. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

describeEachDialect("users and roles", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database);
    admin = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const signIn = async (username: string, password: string) => {
    const c = new Client(t.app);
    expect((await c.postJson("/api/auth/login", { username, password })).status).toBe(200);
    return c;
  };
  const idOf = async (username: string) =>
    ((await (await admin.get("/api/users")).json()).users as { id: number; username: string }[]).find(
      (u) => u.username === username,
    )!.id;

  test("an admin adds accounts: a viewer unless said otherwise; bad input names the field", async () => {
    const res = await admin.postJson("/api/users", { username: "vera", password: "vera-password" });
    expect(res.status).toBe(201);
    expect((await res.json()).user).toMatchObject({ username: "vera", role: "viewer", signIn: "password" });
    expect((await admin.postJson("/api/users", { username: "vera", password: "vera-password" })).status).toBe(409);
    const short = await admin.postJson("/api/users", { username: "x", password: "short" });
    expect(short.status).toBe(400);
    expect((await short.json()).message).toContain("password");
    expect((await admin.postJson("/api/users", { username: "<b>", password: "long-enough" })).status).toBe(400);
    expect((await admin.postJson("/api/users", { username: "y", password: "long-enough", role: "root" })).status).toBe(
      400,
    );
  });

  test("a role change applies to sessions that exist already", async () => {
    const vera = await signIn("vera", "vera-password");
    expect((await vera.postJson("/api/schedules", {})).status).toBe(403);
    expect(
      (await admin.fetch(`/api/users/${await idOf("vera")}`, { method: "PATCH", json: { role: "admin" } })).status,
    ).toBe(200);
    // No longer refused for the role: the body is now what is wrong.
    expect((await vera.postJson("/api/schedules", {})).status).toBe(400);
    expect((await (await vera.get("/api/auth/user")).json()).user.role).toBe("admin");
  });

  test("the last admin can be neither demoted nor removed, even by parallel requests", async () => {
    // Two admins (admin, vera) demote each other at once: exactly one of the two demotions goes through.
    const vera = await signIn("vera", "vera-password");
    const adminId = await idOf("admin");
    const veraId = await idOf("vera");
    const [a, b] = await Promise.all([
      admin.fetch(`/api/users/${veraId}`, { method: "PATCH", json: { role: "viewer" } }),
      vera.fetch(`/api/users/${adminId}`, { method: "PATCH", json: { role: "viewer" } }),
    ]);
    const [won, lost] = [a.status, b.status].sort();
    expect(won).toBe(200);
    // Refused as the last admin (409), or because its sender had just become a viewer (403).
    expect([403, 409]).toContain(lost!);
    const users = await t.services.users.list();
    expect(users.filter((u) => u.role === "admin")).toHaveLength(1);
    const last = users.find((u) => u.role === "admin")!;
    await expect(t.services.users.setRole(last.id, "viewer")).rejects.toThrow("only administrator");
    await expect(t.services.users.remove(last.id)).rejects.toThrow("only administrator");
    // Many at once against the last admin: all refused.
    const many = await Promise.all(Array.from({ length: 20 }, () => t.services.users.remove(last.id).catch((e) => e)));
    expect(many.every((e) => e instanceof Error)).toBe(true);
    expect((await t.services.users.list()).filter((u) => u.role === "admin")).toHaveLength(1);
  });

  test("removing a user ends their sessions at once; viewers cannot manage users", async () => {
    await t.services.users.setRole(await idOf("vera"), "viewer").catch(() => undefined);
    await t.services.users.setRole(await idOf("admin"), "admin");
    await t.services.users.create({ username: "gone", password: "gone-password", role: "viewer" });
    const gone = await signIn("gone", "gone-password");
    expect((await gone.get("/api/users")).status).toBe(403);
    expect((await gone.fetch(`/api/users/${await idOf("admin")}`, { method: "DELETE" })).status).toBe(403);
    expect((await admin.fetch(`/api/users/${await idOf("gone")}`, { method: "DELETE" })).status).toBe(200);
    expect((await gone.get("/api/auth/user")).status).toBe(401);
    expect((await admin.fetch("/api/users/999999", { method: "DELETE" })).status).toBe(404);
  });

  test("the Users page lists accounts and marks the only admin; it is for admins only", async () => {
    const page = await admin.get("/settings/users", { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("the only admin");
    expect(text).toContain("vera");
    const viewer = await signIn("vera", "vera-password");
    expect((await viewer.get("/settings/users", { headers: { accept: "text/html" } })).status).toBe(403);
    const added = await admin.postForm(
      "/settings/users",
      { username: "newbie", password: "newbie-pass", role: "admin" },
      {
        headers: { "hx-request": "true" },
      },
    );
    expect(added.status).toBe(200);
    expect(await added.text()).toContain("newbie was added as an admin.");
  });
});
