/**
 * The hub binary connected to a hostile agent (a compromised monitored host, or whoever sits on the plain-HTTP link
 * to it): an event stream whose one event never ends, `data:` line after `data:` line without the blank line that
 * dispatches it (defect: every line was kept, so the agent could grow the hub's memory without bound; the limit was
 * per line only). The hub must give up on such a stream after a bounded amount and call the agent incompatible.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { AGENT_PROTOCOL_VERSION, AGENT_SERVICE, AGENT_TYPE } from "../../src/protocol/agent";
import { ADMIN, registerAdmin } from "../helpers/admin";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { type ServerProcess, startServer } from "../helpers/server-process";

/** What the hostile agent may send before the test gives up on the hub stopping it (then the hub has failed). */
const FLOOD_LIMIT = 256 << 20;

let hub: ServerProcess;
let token: string;
let streamed = 0;
let streams = 0;
const line = new TextEncoder().encode(`data: ${"x".repeat(4000)}\n`);

const agent = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  fetch(req, server) {
    const path = new URL(req.url).pathname;
    const port = server.port;
    if (path === "/")
      return Response.json({
        service: AGENT_SERVICE,
        host: "127.0.0.1",
        port,
        endpoints: { live: "/events?stream=live-data", historical: "/export/historical", peaks: "/stats/peaks" },
        authentication: "none",
        auth_methods: [],
        bandwidth_source: "procfs",
        protocol_version: AGENT_PROTOCOL_VERSION,
      });
    if (path === "/netronome/info")
      return Response.json({
        type: AGENT_TYPE,
        version: "0.1.0",
        hostname: "hostile",
        listening_host: "127.0.0.1",
        listening_port: port,
        using_tailscale: false,
        protocol_version: AGENT_PROTOCOL_VERSION,
      });
    if (path === "/events") {
      streams++;
      let sent = 0;
      return new Response(
        new ReadableStream({
          pull(c) {
            if (sent >= FLOOD_LIMIT) {
              c.close();
              return;
            }
            c.enqueue(line);
            sent += line.byteLength;
            streamed += line.byteLength;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    }
    return Response.json({ error: "not_found" }, { status: 404 });
  },
});

beforeAll(async () => {
  hub = await startServer([await compiledBinary(), "serve"], {
    env: { NETRONOME__MONITOR_RECONNECT_INTERVAL: "60s" },
  });
  await registerAdmin(hub.url);
  const login = await fetch(`${hub.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  token = (await login.json()).access_token;
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await hub?.stop();
  agent.stop(true);
});

test("an event that never ends: the hub stops reading after a bounded amount and calls the agent incompatible", async () => {
  const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const created = await fetch(`${hub.url}/api/monitor/agents`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ name: "hostile", url: `http://127.0.0.1:${agent.port}` }),
  });
  expect(created.status).toBe(201);
  const { id } = await created.json();
  const deadline = Date.now() + 30_000;
  let status: { state: string | null; reason?: string } = { state: null };
  while (Date.now() < deadline) {
    status = await (await fetch(`${hub.url}/api/monitor/agents/${id}/status`, { headers: auth })).json();
    if (streams > 0 && status.state !== null && status.state !== "online") break;
    await Bun.sleep(100);
  }
  expect(status.state).toBe("incompatible");
  expect(status.reason).toContain("longer than");
  expect(streamed).toBeLessThan(64 << 20);
  const rss = Number(/VmHWM:\s+(\d+)/.exec(await Bun.file(`/proc/${hub.proc.pid}/status`).text())![1]) * 1024;
  expect(rss).toBeLessThan(400 << 20);
}, 60_000);
