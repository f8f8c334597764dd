import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "../../src/core/log";
import { ADMIN } from "../helpers/admin";
import { startSqliteTestApp, type TestApp } from "../helpers/app";

/** An app listening on 127.0.0.1 with the given config, and its log lines. */
function listening(overrides: Record<string, Record<string, unknown>>) {
  const state = { t: undefined as TestApp | undefined, url: "", log: [] as string[] };
  beforeAll(async () => {
    const log = createLogger("info", "", (line) => state.log.push(line));
    state.t = await startSqliteTestApp(overrides, { log });
    await state.t.services.auth.createUser(ADMIN.username, ADMIN.password);
    state.url = `http://127.0.0.1:${state.t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
  });
  afterAll(async () => {
    await state.t?.app.stop(true);
    await state.t?.close();
  });
  return state;
}

const verify = (url: string, headers: Record<string, string> = {}) => fetch(`${url}/api/auth/verify`, { headers });
const login = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(ADMIN),
  });

describe("whitelist, directly connected", () => {
  const s = listening({ auth: { whitelist: ["127.0.0.1/32"] } });
  test("the socket address is let in without signing in", async () => {
    const res = await verify(s.url);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "authenticated", type: "whitelist" });
  });
});

describe("whitelist, spoofing from an untrusted peer", () => {
  const s = listening({ auth: { whitelist: ["10.0.0.0/8", "::1/128"] } });
  test("X-Forwarded-For and Forwarded naming a whitelisted address are ignored", async () => {
    const spoofs: Record<string, string>[] = [
      { "x-forwarded-for": "10.1.2.3" },
      { forwarded: "for=10.1.2.3" },
      { "x-real-ip": "10.1.2.3" },
      { "x-forwarded-for": "::1" },
    ];
    for (const headers of spoofs) expect([headers, (await verify(s.url, headers)).status]).toEqual([headers, 401]);
  });
  test("nor do they make a cookie Secure", async () => {
    const res = await login(s.url, { "x-forwarded-proto": "https" });
    expect(res.headers.getSetCookie()[0]).not.toContain("Secure");
  });
});

describe("behind a trusted reverse proxy", () => {
  const s = listening({
    server: { trusted_proxies: ["127.0.0.0/8"] },
    auth: { whitelist: ["198.51.100.0/24"] },
  });

  test("the whitelist is matched against the forwarded client", async () => {
    expect((await verify(s.url, { "x-forwarded-for": "198.51.100.7" })).status).toBe(200);
    expect((await verify(s.url, { forwarded: 'for="198.51.100.7:5555"' })).status).toBe(200);
    expect((await verify(s.url, { "x-forwarded-for": "203.0.113.5" })).status).toBe(401);
    // A client that prepends a whitelisted address is still the address the proxy saw.
    expect((await verify(s.url, { "x-forwarded-for": "198.51.100.7, 203.0.113.5" })).status).toBe(401);
  });

  test("the session cookie is Secure when the proxy says the client used HTTPS", async () => {
    const https = await login(s.url, { "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.5" });
    expect(https.headers.getSetCookie()[0]).toContain("Secure");
    const http = await login(s.url, { "x-forwarded-for": "203.0.113.5" });
    expect(http.headers.getSetCookie()[0]).not.toContain("Secure");
  });

  test("sessions record the forwarded address; refused sign-ins log it", async () => {
    const res = await login(s.url, { "x-forwarded-for": "203.0.113.77", "user-agent": "proxy-test" });
    const cookie = res.headers.getSetCookie()[0]!.split(";")[0]!;
    const { sessions } = await (await fetch(`${s.url}/api/auth/sessions`, { headers: { cookie } })).json();
    expect(sessions.find((x: { current: boolean }) => x.current).clientAddress).toBe("203.0.113.77");
    await fetch(`${s.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.78" },
      body: JSON.stringify({ username: "admin", password: "wrong" }),
    });
    expect(s.log.some((l) => l.includes("sign-in refused") && l.includes("source=203.0.113.78"))).toBe(true);
  });

  test("the app's own origin is the forwarded host and scheme", async () => {
    const res = await login(s.url, {
      "x-forwarded-for": "203.0.113.5",
      "x-forwarded-host": "netronome.example",
      "x-forwarded-proto": "https",
      origin: "https://netronome.example",
    });
    expect(res.status).toBe(200);
    const foreign = await login(s.url, {
      "x-forwarded-for": "203.0.113.5",
      "x-forwarded-host": "netronome.example",
      "x-forwarded-proto": "https",
      origin: `http://netronome.example`,
    });
    expect(foreign.status).toBe(403);
  });
});

describe("an untrusted peer cannot claim the public host either", () => {
  const s = listening({});
  test("X-Forwarded-Host is ignored: an Origin matching only that host is refused", async () => {
    const res = await login(s.url, { "x-forwarded-host": "evil.example", origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect((await res.json()).message).toContain("trusted_proxies");
  });
});
