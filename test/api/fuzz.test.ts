/**
 * Walks every route the app registers with hostile path parameters, query values, bodies and credentials, with and
 * without a session, and asserts that nothing answers 500 and nothing lands in the log as a failed request or a
 * stack trace. Routes added later are walked without changing this file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLogger } from "../../src/core/log";
import { ADMIN } from "../helpers/admin";
import { startSqliteTestApp, type TestApp } from "../helpers/app";

/** Hostile strings for any field. None is a resolvable host name (the tests stay off DNS; see HOST_SAFE). */
const HOSTILE = [
  "",
  " ",
  "-1",
  "0",
  "1.5",
  "1e20",
  "9007199254740993",
  "-rf",
  "--help",
  "__proto__",
  "constructor",
  "<script>alert(1)</script>",
  `"'><img src=x onerror=alert(1)>`,
  "' OR 1=1 --",
  "../../../etc/passwd",
  "%00",
  "%ZZ",
  "\u0000",
  "\u202e\u0301",
  "日本語",
  "/日本語?ü=1",
  "//evil.example/",
  "/\\evil.example",
  "😀",
  "a".repeat(10_000),
  "127.0.0.1",
  "[::1]:99999",
];
/** Host fields get only values that are not names a resolver would be asked about. */
const HOST_SAFE = new Set([
  "",
  " ",
  "-1",
  "-rf",
  "--help",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "%00",
  "\u0000",
  "😀",
  "a".repeat(10_000),
  "127.0.0.1",
  "[::1]:99999",
  "../../../etc/passwd",
]);
/** Values of other JSON types, for bodies. */
const HOSTILE_JSON: unknown[] = [
  null,
  true,
  -1,
  1e308,
  [],
  {},
  ["a"],
  { __proto__: { admin: true } },
  "x".repeat(70_000),
];
const STREAMS = new Set(["/events", "/traceroute/stream", "/api/packetloss/monitors/:id/events"]);

interface Route {
  method: string;
  path: string;
  hooks: { query?: { properties?: object }; body?: { properties?: object } };
}

const valuesFor = (field: string) => (/host/i.test(field) ? HOSTILE.filter((v) => HOST_SAFE.has(v)) : HOSTILE);
/** Fields that get the admin's credentials while another field of the same body is under test. */
const CREDENTIALS: Record<string, string> = { username: ADMIN.username, password: ADMIN.password };
const fieldsOf = (schema: { properties?: object } | undefined) => Object.keys(schema?.properties ?? {});

describe("fuzzing every route", () => {
  let t: TestApp;
  const log: string[] = [];
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let requests = 0;

  beforeAll(async () => {
    t = await startSqliteTestApp(
      {
        // Speed-test services are "down" (closed port): nothing leaves the machine.
        speedtest: {
          speedtestnet: { servers_url: "http://127.0.0.1:9/servers", config_url: "http://127.0.0.1:9/config" },
          iperf: { timeout: 5 },
        },
        traceroute: { max_hops: 2, wait_seconds: 0.2, queries: 1, timeout_seconds: 5, resolve_hostnames: false },
        packetloss: { default_packet_count: 1 },
      },
      { log: createLogger("info", "", (line) => log.push(line)) },
    );
    admin = await t.services.auth.createUser(ADMIN.username, ADMIN.password);
  });
  afterAll(async () => {
    await t.close();
  });

  let admin: { id: number };
  // Sessions are made directly: the sign-in routes are fuzzed too, and their throttle soon refuses everyone.
  const signIn = async () => {
    const { token } = await t.services.sessions.create(admin, "password", { address: null, userAgent: "fuzz" });
    return `session=${token}`;
  };

  async function hit(route: Route, path: string, init: RequestInit, label: string) {
    requests++;
    const controller = new AbortController();
    const res = await t.app.handle(new Request(`http://localhost${path}`, { ...init, signal: controller.signal }));
    if (STREAMS.has(route.path)) controller.abort();
    else await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status >= 500 && res.status !== 502)
      failures.push(`${res.status} ${route.method} ${path.slice(0, 120)} (${label})`);
  }

  /**
   * One field at a time, the others valid or absent, so that one bad field cannot hide another behind its
   * validation error. Runs before the all-at-once walk: that one exhausts the sign-in throttle, after which a
   * sign-in with the right password (and a hostile `next`) would only see 429.
   */
  async function walkFields(route: Route, cookie: () => Promise<string | undefined>) {
    const path = route.path.replace(/:(\w+)/g, "1");
    const body = route.method !== "GET" && route.method !== "HEAD";
    const fields = body ? fieldsOf(route.hooks.body) : fieldsOf(route.hooks.query);
    const base = Object.fromEntries(fields.filter((f) => f in CREDENTIALS).map((f) => [f, CREDENTIALS[f]!]));
    for (const field of fields.filter((f) => !(f in CREDENTIALS)))
      for (const value of valuesFor(field)) {
        const session = await cookie();
        const headers: Record<string, string> = session ? { cookie: session } : {};
        const label = `${field}=${JSON.stringify(value.slice(0, 20))}`;
        if (!body) {
          await hit(
            route,
            `${path}?${new URLSearchParams({ [field]: value })}`,
            { method: route.method, headers },
            label,
          );
          continue;
        }
        const form = new URLSearchParams({ ...base, [field]: value }).toString();
        const formHeaders = { ...headers, "content-type": "application/x-www-form-urlencoded" };
        await hit(route, path, { method: route.method, headers: formHeaders, body: form }, label);
        const json = JSON.stringify({ ...base, [field]: value });
        await hit(
          route,
          path,
          { method: route.method, headers: { ...headers, "content-type": "application/json" }, body: json },
          label,
        );
      }
  }

  async function walk(route: Route, cookie: () => Promise<string | undefined>) {
    await walkFields(route, cookie);
    const fill = (value: string) => route.path.replace(/:(\w+)/g, () => encodeURIComponent(value));
    const queryFields = [...new Set([...fieldsOf(route.hooks.query), "page", "limit", "id"])];
    const bodyFields = fieldsOf(route.hooks.body);
    const hasBody = route.method !== "GET" && route.method !== "HEAD";
    for (const value of HOSTILE) {
      const headers: Record<string, string> = {};
      const session = await cookie();
      if (session) headers.cookie = session;
      const query = new URLSearchParams();
      for (const f of queryFields) if (valuesFor(f).includes(value)) query.set(f, value);
      const path = `${fill(/^[\w.-]*$/.test(value) ? value : "1")}?${query}`;
      if (!hasBody) {
        await hit(route, path, { method: route.method, headers }, `value ${JSON.stringify(value.slice(0, 20))}`);
        await hit(route, fill(value), { method: route.method, headers }, "path");
        continue;
      }
      const fields = Object.fromEntries(bodyFields.filter((f) => valuesFor(f).includes(value)).map((f) => [f, value]));
      const json = { ...headers, "content-type": "application/json" };
      const form = { ...headers, "content-type": "application/x-www-form-urlencoded" };
      await hit(route, path, { method: route.method, headers: json, body: JSON.stringify(fields) }, "json fields");
      await hit(
        route,
        path,
        { method: route.method, headers: form, body: new URLSearchParams(fields).toString() },
        "form",
      );
      await hit(route, fill(value), { method: route.method, headers: json, body: value }, "raw body");
    }
    if (route.method === "GET" || route.method === "HEAD") return;
    for (const value of HOSTILE_JSON) {
      const session = await cookie();
      const headers = { "content-type": "application/json", ...(session ? { cookie: session } : {}) };
      const body = bodyFields.length ? Object.fromEntries(bodyFields.map((f) => [f, value])) : value;
      await hit(
        route,
        fill("1"),
        { method: route.method, headers, body: JSON.stringify(body) },
        `json ${typeof value}`,
      );
    }
  }

  test("without a session, and with forged credentials", async () => {
    const forged = ["session=' OR 1=1 --", `session=${"A".repeat(43)}`, "session=%ZZ", `session=${"x".repeat(8000)}`];
    let i = 0;
    for (const route of t.app.routes as Route[]) await walk(route, async () => forged[i++ % (forged.length + 1)]);
    const bearer = await t.app.handle(
      new Request("http://localhost/api/auth/user", { headers: { authorization: "Bearer <script>" } }),
    );
    expect(bearer.status).toBe(401);
    expect(failures).toEqual([]);
  }, 120_000);

  test("with a session", async () => {
    for (const route of t.app.routes as Route[]) {
      // Each route gets a session of its own: some of them (sign-out, sessions) end it.
      const session = await signIn();
      await walk(route, async () => session);
    }
    expect(failures).toEqual([]);
  }, 240_000);

  test("nothing was logged as a failed request or with a stack trace", () => {
    expect(requests).toBeGreaterThan(5000);
    // The walk reached handlers and validation, not only the doors.
    for (const status of [200, 303, 400, 401, 404, 413, 415])
      expect([status, statuses.get(status) ?? 0]).not.toEqual([status, 0]);
    const bad = log.filter((l) => / ERR |request failed|\n\s+at |\bat .*\.ts:\d+/.test(l));
    expect(bad).toEqual([]);
  });
});
