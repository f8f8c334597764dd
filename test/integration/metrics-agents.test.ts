/** /metrics with a real `netronome agent` process: up with its figures while online, down without them after kill -9. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { Client, signedInClient, startTestApp, type TestApp } from "../helpers/app";
import { describeEachDialect, type TestDatabase } from "../helpers/db";
import { parseExposition } from "../helpers/prometheus";

const SETTINGS = { monitor: { poll_interval: "1s", reconnect_interval: "1s", stale_after: "5s" } };

describeEachDialect("agents in /metrics", (dialect) => {
  let database: TestDatabase;
  let t: TestApp;
  let agent: AgentProcess;
  let token: string;
  beforeAll(async () => {
    database = await dialect.create();
    t = await startTestApp(database, SETTINGS);
    await t.start();
    await signedInClient(t);
    token = (await t.services.tokens.create({ id: 1, username: "admin", role: "admin" }, { name: "prom" })).token;
    agent = await startAgent({ args: ["--interface", "lo"] });
  });
  afterAll(async () => {
    await t.close();
    await agent.stop("SIGKILL").catch(() => {});
    await database.drop();
  });

  const scrape = async () => {
    const res = await new Client(t.app).get("/metrics", { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };
  const agentValue = (families: Awaited<ReturnType<typeof scrape>>, name: string) =>
    families.get(name)!.samples.find((s) => s.labels.agent === "lab <node>")?.value;
  async function until(what: string, probe: () => Promise<boolean>) {
    for (let i = 0; i < 150; i++) {
      if (await probe()) return;
      await Bun.sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  test("online: up, with CPU, memory, disk and live rates; after kill -9: down, and no stale figures", async () => {
    await t.services.agents.create({ name: "lab <node>", url: agent.url, apiKey: TEST_API_KEY });
    await until("figures", async () => agentValue(await scrape(), "netronome_agent_cpu_usage_ratio") !== undefined);
    const online = await scrape();
    expect(agentValue(online, "netronome_agent_up")).toBe(1);
    const cpu = agentValue(online, "netronome_agent_cpu_usage_ratio")!;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(1);
    expect(agentValue(online, "netronome_agent_memory_used_ratio")).toBeGreaterThan(0);
    expect(agentValue(online, "netronome_agent_disk_used_ratio")).toBeGreaterThan(0);
    await until(
      "live rates",
      async () => agentValue(await scrape(), "netronome_agent_network_receive_bits_per_second") !== undefined,
    );
    expect(agentValue(await scrape(), "netronome_agent_last_seen_timestamp_seconds")).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );

    await agent.stop("SIGKILL");
    await until("down", async () => agentValue(await scrape(), "netronome_agent_up") === 0);
    const down = await scrape();
    expect(agentValue(down, "netronome_agent_cpu_usage_ratio")).toBeUndefined();
    expect(agentValue(down, "netronome_agent_network_receive_bits_per_second")).toBeUndefined();
    expect(down.get("netronome_agent_state")!.samples.find((s) => s.labels.state === "offline")?.value).toBe(1);
  }, 60_000);
});
