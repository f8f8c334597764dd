/** Single sign-on settings: password sign-in turned off, the original's bare OIDC_* variables, start-up checks. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN } from "../helpers/admin";
import { Client, startSqliteTestApp, type TestApp } from "../helpers/app";
import { startIdp, type TestIdp } from "../servers/oidc-provider";

let idp: TestIdp;
beforeAll(async () => {
  idp = await startIdp({
    clients: [
      { client_id: "netronome", client_secret: "s", redirect_uris: ["http://localhost/api/auth/oidc/callback"] },
    ],
  });
});
afterAll(() => idp.stop());

async function ssoApp(overrides: Record<string, Record<string, unknown>>) {
  const t = await startSqliteTestApp(overrides);
  await t.start();
  return { t };
}
const oidcConfig = () => ({ oidc: { issuer: idp.issuer, client_id: "netronome", client_secret: "s" } });

describe("password sign-in turned off", () => {
  let t: TestApp;
  beforeAll(async () => {
    ({ t } = await ssoApp({ ...oidcConfig(), auth: { password_login: false } }));
  });
  afterAll(() => t.close());

  test("before any account: no registration; the sign-in page offers single sign-on only", async () => {
    const c = new Client(t.app);
    expect((await c.get("/register")).headers.get("location")).toBe("/login");
    expect((await c.postJson("/api/auth/register", ADMIN)).status).toBe(403);
    const page = await c.get("/login");
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(`Sign in with 127.0.0.1:${idp.port}`);
    expect(text).not.toContain('name="password"');
    expect((await c.get("/settings", { headers: { accept: "text/html" } })).headers.get("location")).toBe("/login");
  });

  test("password sign-in is refused even for an account with a password", async () => {
    await t.services.auth.createUser("local", "local-password", "admin");
    const api = await new Client(t.app).postJson("/api/auth/login", { username: "local", password: "local-password" });
    expect(api.status).toBe(403);
    const form = await new Client(t.app).postForm("/login", { username: "local", password: "local-password" });
    expect(form.status).toBe(403);
  });
});

describe("configuration", () => {
  test("the bare OIDC_* variables of the original work; NETRONOME__OIDC_* wins over them", async () => {
    const { loadConfig } = await import("../../src/config/load");
    const { config } = loadConfig({
      path: undefined,
      env: {
        OIDC_ISSUER: "https://id.example.net",
        OIDC_CLIENT_ID: "bare",
        NETRONOME__OIDC_CLIENT_ID: "prefixed",
        OIDC_CLIENT_SECRET: "s",
        OIDC_REDIRECT_URL: "https://netronome.example.net/api/auth/oidc/callback",
        OIDC_SCOPES: "openid profile,groups",
      },
    });
    expect(config.oidc).toMatchObject({
      issuer: "https://id.example.net",
      client_id: "prefixed",
      redirect_url: "https://netronome.example.net/api/auth/oidc/callback",
      scopes: ["openid", "profile", "groups"],
    });
  });

  test("an issuer without a client, or no way to sign in at all, stops the start with a clear message", async () => {
    const { configFrom } = await import("../../src/config/load");
    expect(() => configFrom({ oidc: { issuer: "https://id.example.net" } })).toThrow("[oidc] client_id is required");
    expect(() => configFrom({ auth: { password_login: false } })).toThrow("leaves no way to sign in");
    expect(configFrom({ oidc: { issuer: "http://127.0.0.1:1", client_id: "x" } }).warnings.join()).toContain(
      "plain http",
    );
  });
});
