import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN } from "../helpers/admin";
import { type Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

describe("cross-site request forgery", () => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await startSqliteTestApp();
    c = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  const stateChanging = () => t.app.routes.filter((r) => STATE_CHANGING.has(r.method));
  const send = (method: string, path: string, headers: Record<string, string>, form = false) =>
    c.fetch(path.replace(/:(\w+)/g, "1"), {
      method,
      headers,
      ...(form ? { form: { name: "x", host: "127.0.0.1" } } : { json: { name: "x", host: "127.0.0.1" } }),
    });

  test("every state-changing route refuses a foreign Origin, even with a valid session", async () => {
    expect(stateChanging().length).toBeGreaterThan(15);
    for (const r of stateChanging()) {
      for (const form of [false, true]) {
        const res = await send(r.method, r.path, { origin: "http://evil.example" }, form);
        expect([r.method, r.path, form, res.status]).toEqual([r.method, r.path, form, 403]);
      }
    }
  });

  test("every state-changing route refuses Sec-Fetch-Site: cross-site and same-site", async () => {
    for (const r of stateChanging())
      for (const site of ["cross-site", "same-site"]) {
        const res = await send(r.method, r.path, { "sec-fetch-site": site, origin: "http://localhost" });
        expect([r.method, r.path, site, res.status]).toEqual([r.method, r.path, site, 403]);
      }
  });

  test("a foreign Referer without Origin is refused; this site's Origin, Referer or Sec-Fetch-Site passes", async () => {
    const post = (headers: Record<string, string>) =>
      c.fetch("/api/iperf/servers", { method: "POST", headers, json: { name: "lab", host: "127.0.0.1" } });
    expect((await post({ referer: "http://evil.example/attack.html" })).status).toBe(403);
    expect((await post({ origin: "null" })).status).toBe(403);
    const sameSite: Record<string, string>[] = [
      { origin: "http://localhost" },
      { referer: "http://localhost/speedtest" },
      { "sec-fetch-site": "same-origin", origin: "http://localhost" },
      {},
    ];
    for (const headers of sameSite) expect([headers, (await post(headers)).status]).toEqual([headers, 201]);
  });

  test("a refused request changes nothing", async () => {
    const created = await (await c.postJson("/api/iperf/servers", { name: "keep", host: "127.0.0.1" })).json();
    const id = created.server.id;
    const res = await c.fetch(`/api/iperf/servers/${id}`, {
      method: "DELETE",
      headers: { origin: "http://evil.example" },
    });
    expect(res.status).toBe(403);
    expect((await res.json()).message).toContain("http://evil.example is not this server");
    const listed = await (await c.get("/api/iperf/servers")).json();
    expect(listed.some((s: { id: number }) => s.id === id)).toBe(true);
  });

  test("sign-in from another site is refused too (login CSRF), with an HTML page for browsers", async () => {
    const res = await c.postForm("/login", ADMIN, { headers: { origin: "http://evil.example", accept: "text/html" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  test("htmx requests of this site's pages keep working", async () => {
    const res = await c.postForm(
      "/speedtest/schedules",
      { interval: "1h", provider: "speedtest" },
      { headers: { "hx-request": "true", "sec-fetch-site": "same-origin", origin: "http://localhost" } },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="schedules"');
  });

  test("scripts with a Bearer token and no browser headers keep working", async () => {
    const login = await (await c.postJson("/api/auth/login", ADMIN)).json();
    const res = await t.app.handle(
      new Request("http://localhost/api/iperf/servers", {
        method: "POST",
        headers: { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "script", host: "127.0.0.1" }),
      }),
    );
    expect(res.status).toBe(201);
  });
});
