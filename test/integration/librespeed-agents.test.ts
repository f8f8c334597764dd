/**
 * Agents as LibreSpeed servers, through the hub's API with real agent processes, on both dialects: the hub lists
 * each agent with the endpoint, tests hub → agent with the agent's key as its secret, runs agent A → agent B when B
 * has a token of its own, and refuses A → B when B's secret is its API key (never handed to a third machine).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { type Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";

const SETTINGS = {
  monitor: { poll_interval: "1s", reconnect_interval: "1s" },
  speedtest: { librespeed: { duration: 1 } },
};
const librespeed = (token: string) => ({
  NETRONOME__LIBRESPEED_SERVER_ENABLED: "true",
  NETRONOME__LIBRESPEED_SERVER_TOKEN: token,
  NETRONOME__LIBRESPEED_DURATION: "1",
});

describeEachDialect("agents as LibreSpeed servers", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let c: Client;
  const agents: AgentProcess[] = [];
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    database = await dialect.create();
    const started = await Promise.all([
      startTestApp(database, SETTINGS),
      startAgent({ args: ["--interface", "lo"], env: librespeed("token-of-a-0123456789") }),
      startAgent({ args: ["--interface", "lo"], env: librespeed("") }),
    ]);
    t = started[0];
    agents.push(started[1], started[2]);
    await t.start();
    c = await signedInClient(t);
    for (const [name, agent] of [
      ["A", agents[0]!],
      ["keyed", agents[1]!],
    ] as const) {
      const res = await c.postJson("/api/monitor/agents", { name, url: agent.url, apiKey: TEST_API_KEY });
      ids[name] = (await res.json()).id;
    }
    for (let i = 0; i < 200; i++) {
      const listed = await (await c.get("/api/servers?testType=librespeed")).json();
      if (Array.isArray(listed) && listed.length === 2) break;
      await Bun.sleep(100);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    for (const a of agents) await a.stop();
    await database?.drop();
  });

  test("the hub lists every agent with the endpoint; an agent's list leaves itself out", async () => {
    const here = await (await c.get("/api/servers?testType=librespeed")).json();
    expect(here.map((s: { id: string; name: string }) => [s.id, s.name]).sort()).toEqual(
      [
        [`agent-${ids.A}`, "Agent A"],
        [`agent-${ids.keyed}`, "Agent keyed"],
      ].sort(),
    );
    expect(here[0]).toMatchObject({ isLibrespeed: true, isPublic: false, url: "" });
    // No key or token reaches the browser.
    expect(JSON.stringify(here)).not.toContain(TEST_API_KEY);
    expect(JSON.stringify(here)).not.toContain("token-of-a");
    const fromA = await (await c.get(`/api/servers?testType=librespeed&agentId=${ids.A}`)).json();
    expect(fromA.map((s: { id: string }) => s.id)).toEqual([`agent-${ids.keyed}`]);
  });

  test("hub → agent: a LibreSpeed test against the agent with its key as the secret", async () => {
    const result = await (
      await c.postJson("/api/speedtest", { testType: "librespeed", serverIds: [`agent-${ids.keyed}`] })
    ).json();
    expect(result).toMatchObject({
      error: null,
      agentId: null,
      serverId: `agent-${ids.keyed}`,
      serverName: "Agent keyed",
    });
    expect(result.downloadSpeed).toBeGreaterThan(10);
    expect(result.uploadSpeed).toBeGreaterThan(10);
  }, 60_000);

  test("agent → agent: A tests against keyed only if keyed had a token; keyed tests against A", async () => {
    const refused = await c.postJson("/api/speedtest", {
      testType: "librespeed",
      serverIds: [`agent-${ids.keyed}`],
      agentId: ids.A,
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).message).toContain('agent "keyed" has no LibreSpeed token');
    const self = await c.postJson("/api/speedtest", {
      testType: "librespeed",
      serverIds: [`agent-${ids.A}`],
      agentId: ids.A,
    });
    expect([self.status, (await self.json()).message]).toEqual([400, "serverIds: an agent cannot test against itself"]);
    const result = await (
      await c.postJson("/api/speedtest", { testType: "librespeed", serverIds: [`agent-${ids.A}`], agentId: ids.keyed })
    ).json();
    expect(result).toMatchObject({ error: null, agentId: ids.keyed, agentName: "keyed", serverName: "Agent A" });
    expect(result.downloadSpeed).toBeGreaterThan(10);
  }, 60_000);
});
