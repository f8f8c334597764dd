import { afterAll, afterEach, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { ADMIN } from "../helpers/admin";
import { Client, startSqliteTestApp, type TestApp } from "../helpers/app";

/** Password verifications performed while `work` runs. */
async function countVerifications(work: () => Promise<void>): Promise<number> {
  const spy = spyOn(Bun.password, "verify");
  try {
    await work();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

const loginJson = (url: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username: ADMIN.username, password }),
  });

describe("login throttling under concurrency (real sockets)", () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startSqliteTestApp();
    await t.services.auth.createUser(ADMIN.username, ADMIN.password);
    url = `http://127.0.0.1:${t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
  });
  afterAll(async () => {
    await t.app.stop(true);
    await t.close();
  });

  test("200 parallel wrong passwords: at most 10 are checked, the rest get 429 without a check", async () => {
    let statuses: number[] = [];
    const checked = await countVerifications(async () => {
      const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => loginJson(url, `guess-${i}`)));
      statuses = answers.map((r) => r.status);
    });
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 401).length).toBe(checked);
    expect(statuses.filter((s) => s === 429).length).toBe(200 - checked);
    // The right password, now, is refused as well until the window ends.
    const late = await loginJson(url, ADMIN.password);
    expect(late.status).toBe(429);
    expect(Number(late.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("a correct password hidden among parallel guesses", () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startSqliteTestApp();
    await t.services.auth.createUser(ADMIN.username, ADMIN.password);
    url = `http://127.0.0.1:${t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
  });
  afterAll(async () => {
    await t.app.stop(true);
    await t.close();
  });

  test("100 parallel attempts, one of them right: no more than 10 are evaluated at all", async () => {
    let statuses: number[] = [];
    const checked = await countVerifications(async () => {
      const attempts = Array.from({ length: 100 }, (_, i) => (i === 99 ? ADMIN.password : `guess-${i}`));
      statuses = (await Promise.all(attempts.map((p) => loginJson(url, p)))).map((r) => r.status);
    });
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 429).length).toBe(checked);
  });
});

describe("throttling behind a reverse proxy", () => {
  const proxied = (trusted: string[]) => {
    const state: { t?: TestApp; url?: string } = {};
    beforeAll(async () => {
      state.t = await startSqliteTestApp({ server: { trusted_proxies: trusted } });
      await state.t.services.auth.createUser(ADMIN.username, ADMIN.password);
      state.url = `http://127.0.0.1:${state.t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port}`;
    });
    afterAll(async () => {
      await state.t?.app.stop(true);
      await state.t?.close();
    });
    return state;
  };

  describe("with the proxy trusted", () => {
    const s = proxied(["127.0.0.1/32"]);
    test("failures count per forwarded client, not per proxy", async () => {
      const from = (client: string, password: string) => loginJson(s.url!, password, { "x-forwarded-for": client });
      for (let i = 0; i < 10; i++) expect((await from("198.51.100.7", "wrong")).status).toBe(401);
      expect((await from("198.51.100.7", "wrong")).status).toBe(429);
      expect((await from("198.51.100.8", "wrong")).status).toBe(401);
      expect((await from("198.51.100.8", ADMIN.password)).status).toBe(200);
    });
  });

  describe("without it", () => {
    const s = proxied([]);
    test("X-Forwarded-For is ignored: a client cannot escape its count by inventing addresses", async () => {
      for (let i = 0; i < 10; i++)
        expect((await loginJson(s.url!, "wrong", { "x-forwarded-for": `203.0.113.${i}` })).status).toBe(401);
      expect((await loginJson(s.url!, "wrong", { "x-forwarded-for": "203.0.113.99" })).status).toBe(429);
    });
  });
});

describe("the current-password check of password change", () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  test("is throttled like a sign-in: 30 parallel wrong guesses, at most 10 checked", async () => {
    t = await startSqliteTestApp();
    await t.services.auth.createUser(ADMIN.username, ADMIN.password);
    const c = new Client(t.app);
    await c.postJson("/api/auth/login", ADMIN);
    let statuses: number[] = [];
    const checked = await countVerifications(async () => {
      const tries = Array.from({ length: 30 }, (_, i) =>
        c.postForm("/settings/password", {
          current: `guess-${i}`,
          password: "new password 1",
          confirm: "new password 1",
        }),
      );
      statuses = (await Promise.all(tries)).map((r) => r.status);
    });
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 400).length).toBe(checked);
    expect(statuses.filter((s) => s === 429).length).toBe(30 - checked);
    const right = await c.postForm("/settings/password", {
      current: ADMIN.password,
      password: "new password 1",
      confirm: "new password 1",
    });
    expect(right.status).toBe(429);
    expect(await right.text()).toContain("too many failed sign-in attempts");
  });
});
