/**
 * Measurements run from an agent measure that agent's path, not the hub's: a real agent process in the target
 * namespace of a three-hop chain (root → r1 → r2 → target, 10.213.0.0/16, made and deleted here), driven through
 * the hub's agent executor. Its trace and probe back to the root namespace cross r2 and r1 (the reverse path), while
 * the same measurements run by the hub towards the agent cross r1 and r2. Every run is numeric.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { configFrom } from "../../src/config/load";
import { createAgentExecutor } from "../../src/hub/agent-executor";
import { createLocalExecutor, type Executor } from "../../src/measure/executor";
import { createProviders } from "../../src/measure/providers/registry";
import type { ProbeRequest, TracerouteRequest } from "../../src/protocol/measurements";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { signedInClient, startSqliteTestApp } from "../helpers/app";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, type NetnsChain, netnsAvailable } from "../helpers/netns";

const trace = (host: string): TracerouteRequest => ({
  host,
  family: 4,
  maxHops: 8,
  waitSeconds: 1,
  queries: 2,
  numeric: true,
  maxSilentHops: 3,
  timeoutSeconds: 30,
});
const probe = (host: string): ProbeRequest => ({
  host,
  family: 4,
  count: 5,
  budgetSeconds: 10,
  icmp: true,
  dns: false,
});
const never = () => new AbortController().signal;

describeIf(
  netnsAvailable && ["traceroute", "mtr"].every(hasCommand),
  "needs root, iproute2, traceroute and mtr",
  "an agent at the far end of a three-hop chain",
  () => {
    let chain: NetnsChain;
    let agent: AgentProcess;
    let remote: Executor;
    let local: Executor;
    beforeAll(async () => {
      chain = await createChain();
      agent = await startAgent({ netns: chain.namespaces.target, host: chain.targetIp, args: ["--interface", "lo"] });
      remote = createAgentExecutor({
        name: "far end",
        target: () => ({ url: agent.url, apiKey: TEST_API_KEY }),
        capacity: () => ({ root: true, limits: { speedtest: 1, probe: 10, traceroute: 4 } }),
      });
      const { config, dir } = configFrom({});
      local = createLocalExecutor({ providers: createProviders({ speedtest: config.speedtest, dir }) });
    }, 60_000);
    afterAll(async () => {
      await agent?.stop();
      await chain?.destroy();
    });

    test("a traceroute from the agent reports the agent's path (r2, r1, root); the hub's own, the other way", async () => {
      const [there, here] = await Promise.all([
        remote.runTraceroute(trace(chain.rootIp), { signal: never() }),
        local.runTraceroute(trace(chain.targetIp), { signal: never() }),
      ]);
      expect(there.ip).toBe(chain.rootIp);
      expect(there.hops.map((h) => h.ip)).toEqual(chain.reverseHopIps);
      expect(here.hops.map((h) => h.ip)).toEqual(chain.hopIps);
    }, 60_000);

    test("a packet-loss probe from the agent measures hop by hop along the agent's path, every probe answered", async () => {
      const outcome = await remote.runProbe(probe(chain.rootIp), { signal: never() });
      expect(outcome).toMatchObject({ method: "mtr", ip: chain.rootIp, packetsSent: 5, packetsRecv: 5, packetLoss: 0 });
      expect(outcome.hops?.map((h) => h.ip)).toEqual(chain.reverseHopIps);
      expect(outcome.hops?.map((h) => [h.sent, h.received])).toEqual([
        [5, 5],
        [5, 5],
        [5, 5],
      ]);
    }, 60_000);

    test("through the hub: a monitor run from the agent stores the agent's path, a monitor here the hub's", async () => {
      const t = await startSqliteTestApp({ monitor: { poll_interval: "1s", reconnect_interval: "1s" } });
      try {
        await t.start();
        const c = await signedInClient(t);
        const added = await c.postJson("/api/monitor/agents", {
          name: "far end",
          url: agent.url,
          apiKey: TEST_API_KEY,
        });
        const agentId = (await added.json()).id;
        const monitor = async (host: string, from: number | null) => {
          const body = { host, interval: "1h", packetCount: 3, agentId: from, startImmediately: true };
          return (await (await c.postJson("/api/packetloss/monitors", body)).json()).id as number;
        };
        const [there, here] = [await monitor(chain.rootIp, agentId), await monitor(chain.targetIp, null)];
        const hopsOf = async (id: number) => {
          for (let i = 0; i < 300; i++) {
            const list = (await (await c.get(`/api/packetloss/monitors/${id}/history`)).json()).data;
            if (list?.length) {
              const detail = await (await c.get(`/api/packetloss/monitors/${id}/history/${list[0].id}`)).json();
              return { agentId: detail.agentId, ips: detail.mtrData.hops.map((h: { ip: string }) => h.ip) };
            }
            await Bun.sleep(100);
          }
          throw new Error(`no result for monitor ${id}`);
        };
        expect(await hopsOf(there)).toEqual({ agentId, ips: chain.reverseHopIps });
        expect(await hopsOf(here)).toEqual({ agentId: null, ips: chain.hopIps });
      } finally {
        await t.close();
      }
    }, 90_000);
  },
);
