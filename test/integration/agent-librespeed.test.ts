/**
 * The LibreSpeed-compatible endpoint on real agent processes: the protocol as LibreSpeed's backends serve it
 * (protocols.md §2.2), its secret in the path, the entry the hub reads, and real tests through it: the appliance's
 * own LibreSpeed client against one agent, and one agent testing another through its measurement endpoint.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createLibreSpeedProvider } from "../../src/measure/providers/librespeed";
import type { AgentLibreSpeed, AgentRoot } from "../../src/protocol/agent";
import type { LibreSpeedServerEntry, SpeedTestMeasurement } from "../../src/protocol/measurements";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";

const TOKEN = "librespeed-token-0123456789";
const MiB = 1024 * 1024;
const enabled = (token = TOKEN) => ({
  NETRONOME__LIBRESPEED_SERVER_ENABLED: "true",
  NETRONOME__LIBRESPEED_SERVER_TOKEN: token,
  // Short tests: the LibreSpeed client measures this many seconds per direction.
  NETRONOME__LIBRESPEED_DURATION: "1",
});

/** The agent's entry as a hub builds it: the agent's address plus the path it reports. */
async function entryOf(agent: AgentProcess): Promise<LibreSpeedServerEntry> {
  const info = await agent.json<AgentLibreSpeed>("/measure/librespeed");
  return { name: `agent ${agent.port}`, server: `${agent.url}${info.path}`, ...info };
}

describe("LibreSpeed endpoint on an agent with a token", () => {
  let agent: AgentProcess;
  let base: string;
  beforeAll(async () => {
    agent = await startAgent({ args: ["--interface", "lo"], env: enabled() });
    base = `${agent.url}/librespeed/${TOKEN}`;
  });
  afterAll(async () => {
    await agent?.stop();
  });

  test("GET / lists it; the hub's entry needs the key and names the token as the secret", async () => {
    const root = (await (await agent.get("/", { key: null })).json()) as AgentRoot;
    expect(root.endpoints.librespeed).toBe("/measure/librespeed");
    expect((await agent.get("/measure/librespeed", { key: null })).status).toBe(401);
    expect(await agent.json<AgentLibreSpeed>("/measure/librespeed")).toEqual({
      path: `/librespeed/${TOKEN}/`,
      dlURL: "garbage",
      ulURL: "empty",
      pingURL: "empty",
      getIpURL: "getIP",
      secret: "token",
    });
  });

  test("garbage streams ckSize MiB of random bytes (4 by default), under both names", async () => {
    for (const [query, size] of [
      ["ckSize=2", 2],
      ["ckSize=abc", 4],
      ["ckSize=-1", 4],
      ["", 4],
    ] as const) {
      for (const name of ["garbage", "garbage.php"]) {
        const res = await fetch(`${base}/${name}?r=0.123&${query}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/octet-stream");
        expect(res.headers.get("cache-control")).toContain("no-store");
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
        const body = new Uint8Array(await res.arrayBuffer());
        expect([query, name, body.length]).toEqual([query, name, size * MiB]);
        // Random, not a pattern a compressing proxy could shrink.
        expect(new Set(body.subarray(0, 4096)).size).toBeGreaterThan(200);
      }
    }
  });

  test("empty answers pings and swallows uploads; getIP labels a local client as LibreSpeed does", async () => {
    const ping = await fetch(`${base}/empty?r=1`);
    expect([ping.status, await ping.text()]).toEqual([200, ""]);
    const upload = await fetch(`${base}/empty.php`, { method: "POST", body: new Uint8Array(3 * MiB) });
    expect([upload.status, await upload.text()]).toEqual([200, ""]);
    expect(await (await fetch(`${base}/getIP?isp=true&distance=km`)).json()).toEqual({
      processedString: "127.0.0.1 - localhost IPv4 access",
      rawIspInfo: "",
    });
    expect(await (await fetch(`${base}/getIP.php`)).json()).toEqual({ processedString: "127.0.0.1", rawIspInfo: "" });
  });

  test("?cors adds the PHP backend's CORS headers, and preflights are answered; nothing else sends them", async () => {
    const cors = await fetch(`${base}/getIP?cors`);
    expect(cors.headers.get("access-control-allow-origin")).toBe("*");
    const preflight = await fetch(`${base}/empty?cors`, { method: "OPTIONS" });
    expect([preflight.status, preflight.headers.get("access-control-allow-methods")]).toEqual([204, "GET, POST"]);
  });

  test("a wrong secret, the API key as the secret, unknown names and other methods all look alike: 404", async () => {
    for (const path of [
      "/librespeed/wrong-token-0123456789/garbage",
      `/librespeed/${TEST_API_KEY}/garbage`,
      `/librespeed/${TOKEN.slice(0, -1)}/garbage`,
      "/librespeed/garbage",
      `/librespeed/${TOKEN}/stats`,
      `/librespeed/${TOKEN}/garbage/extra`,
      `/librespeed/${TOKEN}/`,
    ]) {
      const res = await fetch(`${agent.url}${path}`);
      expect([path, res.status, await res.text()]).toEqual([path, 404, "not found"]);
    }
    const put = await fetch(`${base}/garbage`, { method: "PUT", body: "x" });
    expect(put.status).toBe(404);
  });

  test("the appliance's LibreSpeed client measures through it, given the agent's entry", async () => {
    const provider = createLibreSpeedProvider({
      serversFile: "/nonexistent/librespeed-servers.json",
      publicServersUrl: "",
      timeoutSeconds: 30,
      durationSeconds: 1,
      graceSeconds: 0.3,
    });
    const m = await provider.run({
      serverId: "agent-1",
      libreSpeedServer: await entryOf(agent),
      enableDownload: true,
      enableUpload: true,
      signal: AbortSignal.timeout(30_000),
      onProgress: () => {},
    });
    expect(m).toMatchObject({
      serverId: "agent-1",
      isp: "localhost IPv4 access",
      serverHost: `127.0.0.1:${agent.port}`,
    });
    expect(m.downloadMbps).toBeGreaterThan(10);
    expect(m.uploadMbps).toBeGreaterThan(10);
    expect(m.latencyMs).toBeGreaterThan(0);
  }, 40_000);
});

describe("LibreSpeed endpoint: the secret and agent-to-agent tests", () => {
  test("one agent tests another through its measurement endpoint, with the other's entry", async () => {
    const [a, b] = await Promise.all([
      startAgent({ args: ["--interface", "lo"], env: enabled() }),
      startAgent({ args: ["--interface", "lo"], env: enabled("another-token-0123456789") }),
    ]);
    try {
      const stream = await a.measure("/measure/speedtest", {
        provider: "librespeed",
        serverId: "agent-b",
        libreSpeedServer: await entryOf(b),
        enableDownload: true,
        enableUpload: true,
      });
      const events = await stream.all();
      expect(events.some((e) => e.event === "progress")).toBe(true);
      expect(events.at(-1)!.event).toBe("outcome");
      const m = events.at(-1)!.data as SpeedTestMeasurement;
      expect(m.serverHost).toBe(`127.0.0.1:${b.port}`);
      expect(m.downloadMbps).toBeGreaterThan(10);
      expect(m.uploadMbps).toBeGreaterThan(10);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);

  test("without a token the API key is the secret (said so to the hub); without either the endpoint stays off", async () => {
    const keyed = await startAgent({ args: ["--interface", "lo"], env: enabled("") });
    try {
      const info = await keyed.json<AgentLibreSpeed>("/measure/librespeed");
      expect(info).toMatchObject({ path: `/librespeed/${TEST_API_KEY}/`, secret: "api_key" });
      expect((await fetch(`${keyed.url}${info.path}empty`)).status).toBe(200);
    } finally {
      await keyed.stop();
    }
    const open = await startAgent({ key: null, args: ["--interface", "lo"], env: enabled("") });
    try {
      const root = (await (await open.get("/")).json()) as AgentRoot;
      expect(root.endpoints.librespeed).toBeUndefined();
      expect((await open.get("/measure/librespeed")).status).toBe(404);
      expect(open.log()).toContain("the LibreSpeed endpoint stays off");
    } finally {
      await open.stop();
    }
  }, 30_000);

  test("a token too short or a path with odd characters stops the agent with one clear message", async () => {
    for (const [env, message] of [
      [
        { NETRONOME__LIBRESPEED_SERVER_TOKEN: "short" },
        "NETRONOME__LIBRESPEED_SERVER_TOKEN: must be 16 to 200 letters",
      ],
      [{ NETRONOME__LIBRESPEED_SERVER_PATH: "/a b" }, 'must be a path such as "/librespeed"'],
      [{ NETRONOME__LIBRESPEED_SERVER_PATH: "librespeed" }, 'must be a path such as "/librespeed"'],
    ] as const) {
      const error = await startAgent({ args: ["--interface", "lo"], env: { ...enabled(), ...env } }).catch((e) => e);
      expect(String(error)).toContain(message);
    }
  }, 30_000);
});
