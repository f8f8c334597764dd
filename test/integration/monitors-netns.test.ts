/**
 * Packet-loss monitors over real routed hops: root → r1 → r2 → target in
 * network namespaces this file creates and deletes (10.213.0.0/16). Loss is
 * made with iptables' statistic match at the target (no netem on this
 * kernel). mtr runs numerically with ICMP probes, so no reverse lookup of a
 * test address leaves the machine.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { binomialInterval } from "../helpers/binomial";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, type NetnsChain, netnsAvailable } from "../helpers/netns";

describeIf(
  netnsAvailable && hasCommand("mtr") && hasCommand("iptables"),
  "needs root, iproute2, iptables and mtr",
  "packet-loss monitors over a three-hop chain in network namespaces",
  () => {
    let chain: NetnsChain;
    let t: TestApp;
    let c: Client;
    beforeAll(async () => {
      chain = await createChain();
      // ICMP probes: the target answers echo requests at any rate, unlike the port-unreachables UDP probes draw.
      t = await startSqliteTestApp({ packetloss: { privileged_mode: true, mtr_enable_dns: false } });
      c = await signedInClient(t);
    });
    // Runs whatever happened in the tests, so no namespace, veth or route outlives the file.
    afterAll(async () => {
      await t?.close();
      await chain?.destroy();
    });

    const iptables = async (args: string[]) => {
      const r = await chain.exec("target", ["iptables", ...args]);
      if (r.exitCode !== 0) throw new Error(`iptables ${args.join(" ")}: ${r.stderr}`);
    };

    async function create(body: Record<string, unknown>): Promise<number> {
      const res = await c.postJson("/api/packetloss/monitors", { host: chain.targetIp, ...body });
      expect(res.status).toBe(201);
      return (await res.json()).id;
    }

    /** Starts one run and waits for its result (as the history lists it) and the monitor's state after it. */
    async function runOnce(id: number, timeoutMs: number) {
      const before = (await (await c.get(`/api/packetloss/monitors/${id}/history`)).json()).total;
      expect((await c.postJson(`/api/packetloss/monitors/${id}/start`, {})).status).toBe(202);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const h = await (await c.get(`/api/packetloss/monitors/${id}/history`)).json();
        if (h.total > before) {
          const monitor = (await (await c.get("/api/packetloss/monitors")).json()).find(
            (m: { id: number }) => m.id === id,
          );
          const detail = await (await c.get(`/api/packetloss/monitors/${id}/history/${h.data[0].id}`)).json();
          return { result: h.data[0], detail, state: monitor.lastState as string };
        }
        if (Date.now() > deadline) throw new Error(`no result within ${timeoutMs} ms`);
        await Bun.sleep(200);
      }
    }

    test("a clean path: 0 % loss at the target, r1 and r2 on the way, state ok", async () => {
      const id = await create({ name: "clean", interval: "10s", packetCount: 30 });
      const { result, detail, state } = await runOnce(id, 20_000);
      await c.postJson(`/api/packetloss/monitors/${id}/stop`, {});
      expect(result).toMatchObject({
        method: "mtr",
        packetLoss: 0,
        packetsSent: 30,
        packetsRecv: 30,
        hopCount: 3,
        error: null,
      });
      expect(result.minRtt).toBeGreaterThan(0);
      expect(result.avgRtt).toBeLessThan(10);
      expect(detail.mtrData.hops.map((h: { ip: string }) => h.ip)).toEqual(chain.hopIps);
      expect(detail.mtrData.ip).toBe(chain.targetIp);
      expect(state).toBe("ok");
    }, 30_000);

    test("10 % random drop at the target: a 200-probe run's loss lies in the 99 % binomial interval", async () => {
      const drop = ["INPUT", "-m", "statistic", "--mode", "random", "--probability", "0.1", "-j", "DROP"];
      await iptables(["-A", ...drop]);
      try {
        const id = await create({ name: "lossy", interval: "30s", packetCount: 200, threshold: 50 });
        const { result, state } = await runOnce(id, 45_000);
        await c.postJson(`/api/packetloss/monitors/${id}/stop`, {});
        const n = result.packetsSent;
        expect(n).toBe(200);
        const lost = n - result.packetsRecv;
        const [low, high] = binomialInterval(n, 0.1, 0.99);
        expect(lost).toBeGreaterThanOrEqual(low);
        expect(lost).toBeLessThanOrEqual(high);
        expect(result.packetLoss).toBeCloseTo((lost / n) * 100, 9);
        expect(state).toBe("ok");
      } finally {
        await iptables(["-D", ...drop]);
      }
    }, 60_000);

    test("a blackholed target is 100 % loss and down; clearing it recovers to ok, each change an event", async () => {
      const id = await create({ name: "blackhole", interval: "24h", packetCount: 5 });
      expect((await runOnce(id, 20_000)).state).toBe("ok");
      await iptables(["-A", "INPUT", "-j", "DROP"]);
      try {
        const { result, detail, state } = await runOnce(id, 30_000);
        expect(result).toMatchObject({ method: "mtr", packetLoss: 100, packetsRecv: 0, error: null });
        expect(result.avgRtt).toBeNull();
        expect(state).toBe("down");
        // The routers still answer; the silent target is the hop after them.
        const hops = detail.mtrData.hops as { ip: string | null; recv: number }[];
        expect(hops.slice(0, 2).map((h) => h.ip)).toEqual(chain.hopIps.slice(0, 2));
        expect(hops.at(-1)).toMatchObject({ ip: null, recv: 0 });
        expect(detail.mtrData.ip).toBeNull();
      } finally {
        await iptables(["-D", "INPUT", "-j", "DROP"]);
      }
      expect((await runOnce(id, 20_000)).state).toBe("ok");
      await c.postJson(`/api/packetloss/monitors/${id}/stop`, {});
      const events = await (await c.get(`/api/packetloss/monitors/${id}/events`)).json();
      expect(events.map((e: { fromState: string; toState: string }) => `${e.fromState}→${e.toState}`)).toEqual([
        "down→ok",
        "ok→down",
        "unknown→ok",
      ]);
      expect(events[1].packetLoss).toBe(100);
    }, 90_000);
  },
);
