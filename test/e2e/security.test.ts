/**
 * Sign-in, sessions, the whitelist, trusted proxies and the request limits, against the compiled binary started
 * from an empty folder: what users run, built the way releases are (defect: the whitelist worked from source and
 * refused everyone in the binary).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { rawRequest } from "../helpers/raw-http";
import { type ServerProcess, startServer } from "../helpers/server-process";

let BIN: string;
beforeAll(async () => {
  BIN = await compiledBinary();
}, BUILD_TIMEOUT_MS);

/** A binary server for the enclosing describe block, with its first account registered. */
function binaryServer(env: Record<string, string> = {}) {
  const state: { server?: ServerProcess } = {};
  beforeAll(async () => {
    state.server = await startServer([BIN, "serve"], { env });
    await registerAdmin(state.server.url);
  });
  afterAll(async () => {
    await state.server?.stop();
  });
  return {
    get url() {
      return state.server!.url;
    },
    get server() {
      return state.server!;
    },
  };
}

const json = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const cookieOf = (res: Response) => res.headers.getSetCookie()[0]!.split(";")[0]!;

describe("[auth] whitelist in the binary", () => {
  const s = binaryServer({ NETRONOME__AUTH_WHITELIST: "0.0.0.0/0,::/0" });
  test("a whitelisted client is let in without signing in, on the API and the pages", async () => {
    const verify = await fetch(`${s.url}/api/auth/verify`);
    expect(verify.status).toBe(200);
    expect(await verify.json()).toEqual({ message: "authenticated", type: "whitelist" });
    const settings = await fetch(`${s.url}/settings`, { redirect: "manual" });
    expect(settings.status).toBe(200);
    expect(await settings.text()).toContain("whitelisted address");
  });
});

describe("[auth] whitelist of one address in the binary", () => {
  const s = binaryServer({ NETRONOME__AUTH_WHITELIST: "127.0.0.1/32" });
  test("the socket address is matched", async () => {
    expect((await fetch(`${s.url}/api/auth/verify`)).status).toBe(200);
  });
});

describe("trusted proxies in the binary", () => {
  const s = binaryServer({ NETRONOME__TRUSTED_PROXIES: "127.0.0.1/32", NETRONOME__AUTH_WHITELIST: "198.51.100.0/24" });
  test("the whitelist and the Secure flag follow the trusted proxy's headers", async () => {
    const verify = (xff: string) => fetch(`${s.url}/api/auth/verify`, { headers: { "x-forwarded-for": xff } });
    expect((await verify("198.51.100.7")).status).toBe(200);
    expect((await verify("203.0.113.1")).status).toBe(401);
    const login = await json(s.url, "/api/auth/login", ADMIN, {
      "x-forwarded-proto": "https",
      "x-forwarded-for": "203.0.113.1",
    });
    expect(login.headers.getSetCookie()[0]).toContain("Secure");
  });
});

describe("spoofing from an untrusted peer in the binary", () => {
  const s = binaryServer({ NETRONOME__AUTH_WHITELIST: "10.0.0.0/8" });
  test("X-Forwarded-For, Forwarded and X-Forwarded-Proto are ignored", async () => {
    for (const headers of [{ "x-forwarded-for": "10.0.0.1" }, { forwarded: "for=10.0.0.1" }] as Record<
      string,
      string
    >[])
      expect((await fetch(`${s.url}/api/auth/verify`, { headers })).status).toBe(401);
    const login = await json(s.url, "/api/auth/login", ADMIN, { "x-forwarded-proto": "https" });
    expect(login.headers.getSetCookie()[0]).not.toContain("Secure");
  });
});

describe("sign-in and sessions in the binary", () => {
  const s = binaryServer();

  test("signing in with the form, then out: a copy of the cookie is worthless afterwards", async () => {
    const signIn = await fetch(`${s.url}/login`, {
      method: "POST",
      body: new URLSearchParams(ADMIN),
      redirect: "manual",
    });
    expect(signIn.status).toBe(303);
    const cookie = cookieOf(signIn);
    expect((await fetch(`${s.url}/api/auth/user`, { headers: { cookie } })).status).toBe(200);
    const out = await fetch(`${s.url}/logout`, { method: "POST", headers: { cookie }, redirect: "manual" });
    expect(out.status).toBe(303);
    expect((await fetch(`${s.url}/api/auth/user`, { headers: { cookie } })).status).toBe(401);
  });

  test("two sign-ins at once get two sessions; changing the password ends the other one", async () => {
    const [a, b] = await Promise.all([json(s.url, "/api/auth/login", ADMIN), json(s.url, "/api/auth/login", ADMIN)]);
    const [ta, tb] = [(await a.json()).access_token, (await b.json()).access_token];
    expect(ta).not.toBe(tb);
    const change = await fetch(`${s.url}/settings/password`, {
      method: "POST",
      headers: { cookie: cookieOf(a) },
      body: new URLSearchParams({ current: ADMIN.password, password: ADMIN.password, confirm: ADMIN.password }),
    });
    expect(change.status).toBe(200);
    expect((await fetch(`${s.url}/api/auth/user`, { headers: { authorization: `Bearer ${ta}` } })).status).toBe(200);
    expect((await fetch(`${s.url}/api/auth/user`, { headers: { authorization: `Bearer ${tb}` } })).status).toBe(401);
    const { sessions } = await (await fetch(`${s.url}/api/auth/sessions`, { headers: { cookie: cookieOf(a) } })).json();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ current: true, clientAddress: "127.0.0.1" });
  });

  test("parallel wrong passwords: at most 10 are answered as wrong, the rest 429", async () => {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => json(s.url, "/api/auth/login", { username: "admin", password: `x${i}` })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThanOrEqual(50);
  });

  test("foreign origins, oversized and unauthenticated bodies are refused early", async () => {
    const cross = await json(s.url, "/api/auth/login", ADMIN, { origin: "http://evil.example" });
    expect(cross.status).toBe(403);
    const big = await rawRequest(s.url, {
      method: "POST",
      path: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      contentLength: 512 * 1024,
      send: 128 * 1024,
    });
    expect(big.status).toBe(413);
    const anonymous = await rawRequest(s.url, {
      method: "POST",
      path: "/api/schedules",
      headers: { "content-type": "application/json" },
      contentLength: 1024 * 1024,
      send: 256 * 1024,
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.sentBeforeAnswer).toBeLessThan(256 * 1024);
  });

  test("hostile paths and names answer without a server error", async () => {
    expect((await fetch(`${s.url}/assets/x/__proto__`)).status).toBe(404);
    const next = await fetch(`${s.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ ...ADMIN, next: "/日本" }),
      redirect: "manual",
    });
    // The throttle of the previous test may still hold: either way, no 500.
    expect([303, 429]).toContain(next.status);
    if (next.status === 303) expect(next.headers.get("location")).toBe("/%E6%97%A5%E6%9C%AC");
  });

  test("after all that, the log holds no failed request and no stack trace, but the refused sign-ins", async () => {
    expect(await s.server.stop()).toBe(0);
    const log = await s.server.stderr();
    expect(log).not.toContain("request failed");
    expect(log).not.toMatch(/\n\s+at /);
    expect(log).toContain("sign-in refused");
  });
});

describe("one port, one instance", () => {
  test("a second binary on a taken port stops with one clear message and exit code 1; the first keeps serving", async () => {
    const first = await startServer([BIN, "serve"]);
    try {
      const port = new URL(first.url).port;
      const second = Bun.spawn([BIN, "serve"], {
        cwd: first.dir,
        env: { PATH: process.env.PATH ?? "", HOME: first.dir, NETRONOME__PORT: port },
        stdout: "pipe",
        stderr: "pipe",
      });
      const code = await second.exited;
      const stderr = await new Response(second.stderr).text();
      expect(code).toBe(1);
      expect(stderr).toContain(`netronome: cannot listen on 127.0.0.1:${port}: the port is already in use`);
      expect(stderr).not.toMatch(/\n\s+at /);
      // Every request still reaches the first instance.
      for (let i = 0; i < 20; i++) expect((await fetch(`${first.url}/health`)).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  });
});
