/**
 * Measurements from real agent binaries through the hub binary, where the hub's bookkeeping met the agent's:
 *
 * - an agent that allows fewer probes at once than the hub ([packetloss] max_concurrent_monitors = 1 on the agent),
 *   after a hub restart (defect: the hub sized the agent's monitor group before it had heard the agent's limit, so
 *   runs started together were refused by the agent and stored as "agent busy" instead of waiting their turn);
 * - an agent's LibreSpeed endpoint behind a proxy that fails (defect: the failure named the endpoint's URL, whose
 *   path carries the agent's API key, and was stored as the result's error for every viewer, read-only token and
 *   export to see, and written to the log).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { describeIf, hasCommand } from "../helpers/env";
import { type ServerProcess, startServer } from "../helpers/server-process";

const VIEWER = { username: "watcher", password: "watcher-password" };

describeIf(["ping", "mtr"].every(hasCommand), "ping and mtr are required", "hub and agent binaries", () => {
  const dir = mkdtempSync(join(tmpdir(), "netronome-hub-"));
  let binary: string;
  let hub: ServerProcess;
  let narrow: AgentProcess;
  let proxied: AgentProcess;
  let token: string;
  const ids: Record<string, number> = {};
  /** Through this proxy the agent answers, except its LibreSpeed endpoint, which fails as a broken proxy would. */
  let proxy: ReturnType<typeof Bun.serve>;

  const api = (path: string, init: RequestInit = {}, bearer = token) =>
    fetch(`${hub.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...(init.headers ?? {}) },
    });
  const startHub = async () => {
    hub = await startServer([binary, "serve"], {
      cwd: dir,
      env: { NETRONOME__MONITOR_RECONNECT_INTERVAL: "1s", NETRONOME__LIBRESPEED_DURATION: "1" },
    });
  };
  const online = async (id: number) => {
    for (let i = 0; i < 300; i++) {
      if ((await (await api(`/api/monitor/agents/${id}/status`)).json()).connected) return;
      await Bun.sleep(100);
    }
    throw new Error(`agent ${id} did not come online`);
  };

  beforeAll(async () => {
    binary = await compiledBinary();
    [narrow, proxied] = await Promise.all([
      startAgent({
        binary,
        args: ["--interface", "lo"],
        env: { NETRONOME__PACKETLOSS_MAX_CONCURRENT_MONITORS: "1" },
      }),
      startAgent({ binary, args: ["--interface", "lo"], env: { NETRONOME__LIBRESPEED_SERVER_ENABLED: "true" } }),
    ]);
    proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0,
      async fetch(req) {
        const url = new URL(req.url);
        if (url.pathname.startsWith("/librespeed/")) return new Response("bad gateway", { status: 502 });
        const upstream = await fetch(`${proxied.url}${url.pathname}${url.search}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          redirect: "manual",
        });
        return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
      },
    });
    await startHub();
    await registerAdmin(hub.url);
    const login = await fetch(`${hub.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    token = (await login.json()).access_token;
    for (const [name, url] of [
      ["narrow", narrow.url],
      ["proxied", `http://127.0.0.1:${proxy.port}`],
    ] as const) {
      const res = await api("/api/monitor/agents", {
        method: "POST",
        body: JSON.stringify({ name, url, apiKey: TEST_API_KEY }),
      });
      expect(res.status).toBe(201);
      ids[name] = (await res.json()).id;
    }
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.stop();
    proxy?.stop(true);
    await Promise.all([narrow?.stop(), proxied?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("after a hub restart, runs beyond the agent's own limit wait their turn instead of failing as busy", async () => {
    const monitors: number[] = [];
    for (const n of [1, 2, 3]) {
      const res = await api("/api/packetloss/monitors", {
        method: "POST",
        body: JSON.stringify({
          host: "127.0.0.1",
          name: `narrow ${n}`,
          interval: "1h",
          packetCount: 3,
          enabled: true,
          agentId: ids.narrow,
        }),
      });
      expect(res.status).toBe(201);
      monitors.push((await res.json()).id);
    }
    // The hub restores its monitors before it connects to its agents.
    await hub.stop();
    await startHub();
    await online(ids.narrow!);
    for (const id of monitors)
      expect((await api(`/api/packetloss/monitors/${id}/start`, { method: "POST" })).status).toBe(202);
    const results: { agentUnreachable: boolean; error: string | null; packetsSent: number }[] = [];
    for (const id of monitors) {
      for (let i = 0; i < 600; i++) {
        const rows = (await (await api(`/api/packetloss/monitors/${id}/history`)).json()).data;
        if (rows.length) {
          results.push(rows[0]);
          break;
        }
        await Bun.sleep(100);
      }
    }
    expect(results.map((r) => [r.agentUnreachable, r.error, r.packetsSent])).toEqual([
      [false, null, 3],
      [false, null, 3],
      [false, null, 3],
    ]);
    expect(narrow.log()).not.toContain("busy");
  }, 120_000);

  test("a failing LibreSpeed endpoint of an agent never shows its API key, to viewers or anyone", async () => {
    await online(ids.proxied!);
    const run = await api("/api/speedtest", {
      method: "POST",
      body: JSON.stringify({ testType: "librespeed", serverIds: [`agent-${ids.proxied}`] }),
    });
    const result = await run.json();
    expect(result.error).toMatch(/LibreSpeed/);
    expect(result.error).toMatch(/HTTP 502/);
    // The viewer's view of the same.
    expect(
      (await api("/api/users", { method: "POST", body: JSON.stringify({ ...VIEWER, role: "viewer" }) })).status,
    ).toBe(201);
    const viewerLogin = await fetch(`${hub.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(VIEWER),
    });
    const viewer = (await viewerLogin.json()).access_token;
    const seen = await Promise.all(
      [
        "/api/speedtest/history?timeRange=all",
        "/api/speedtest/history/export?format=csv",
        "/metrics",
        "/speedtest",
      ].map(async (path) => {
        const res = await api(path, {}, viewer);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        return res.text();
      }),
    );
    for (const text of seen) expect(text).not.toContain(TEST_API_KEY);
    expect(seen[0]).toContain("HTTP 502");
    await hub.stop();
    expect(await hub.stderr()).not.toContain(TEST_API_KEY);
  }, 120_000);
});
