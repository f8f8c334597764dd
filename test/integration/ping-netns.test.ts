/**
 * ping sends exactly the probes asked for, through a lossy three-hop chain in network namespaces this file
 * creates and deletes (10.213.0.0/16): the target drops 10 % of echo requests with iptables' statistic match.
 * With `-w`, iputils keeps sending until `-c` *replies* arrive, so a lossy path used to measure 54–58 probes for
 * 50 and report every one of the 50 as received.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { runPing } from "../../src/measure/probes/ping";
import { type Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { binomialInterval } from "../helpers/binomial";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, type NetnsChain, netnsAvailable } from "../helpers/netns";

const DROP_ECHO_REQUESTS = [
  "INPUT",
  "-p",
  "icmp",
  "--icmp-type",
  "echo-request",
  "-m",
  "statistic",
  "--mode",
  "random",
  "--probability",
  "0.1",
  "-j",
  "DROP",
];

describeIf(
  netnsAvailable && hasCommand("ping") && hasCommand("iptables"),
  "needs root, iproute2, iptables and ping",
  "ping over a lossy chain in network namespaces",
  () => {
    let chain: NetnsChain;
    const iptables = async (args: string[]) => {
      const r = await chain.exec("target", ["iptables", ...args]);
      if (r.exitCode !== 0) throw new Error(`iptables ${args.join(" ")}: ${r.stderr}`);
    };
    beforeAll(async () => {
      chain = await createChain();
    });
    afterAll(async () => {
      await chain?.destroy();
    });

    test("10 % drop: every run sends exactly 50, and the pooled loss lies in the 99 % binomial interval", async () => {
      await iptables(["-A", ...DROP_ECHO_REQUESTS]);
      try {
        const RUNS = 6;
        const COUNT = 50;
        const runs = [];
        for (let i = 0; i < RUNS; i++)
          runs.push(
            await runPing({ host: chain.targetIp, family: 4 }, { count: COUNT, intervalMs: 20, timeoutSeconds: 1 }),
          );
        for (const r of runs) {
          expect(r.transmitted).toBe(COUNT);
          expect(r.received).toBeLessThanOrEqual(COUNT);
          expect(r.lossPercent).toBeCloseTo(((COUNT - r.received) / COUNT) * 100, 0);
        }
        const lost = runs.reduce((sum, r) => sum + (r.transmitted - r.received), 0);
        const [low, high] = binomialInterval(RUNS * COUNT, 0.1, 0.99);
        expect(lost).toBeGreaterThanOrEqual(low);
        expect(lost).toBeLessThanOrEqual(high);
      } finally {
        await iptables(["-D", ...DROP_ECHO_REQUESTS]);
      }
    }, 60_000);

    test("a silent target: all probes sent, none back, ending after the reply wait rather than a deadline", async () => {
      await iptables(["-A", "INPUT", "-p", "icmp", "-j", "DROP"]);
      try {
        const started = performance.now();
        const r = await runPing({ host: chain.targetIp, family: 4 }, { count: 5, intervalMs: 100, timeoutSeconds: 1 });
        expect(r).toMatchObject({ transmitted: 5, received: 0, lossPercent: 100, avgMs: null });
        // 5 probes 0.1 s apart, then the 1 s wait for late replies.
        expect(performance.now() - started).toBeLessThan(4000);
      } finally {
        await iptables(["-D", "INPUT", "-p", "icmp", "-j", "DROP"]);
      }
    }, 30_000);

    {
      let t: TestApp;
      let c: Client;
      test("a monitor that falls back to ping records exactly its packet count, and says why it has no hops", async () => {
        // The default UDP mode: mtr sends a probe a second, so 50 probes cannot fit a 10 s monitor and ping runs.
        t = await startSqliteTestApp({ packetloss: { privileged_mode: false } });
        c = await signedInClient(t);
        await iptables(["-A", ...DROP_ECHO_REQUESTS]);
        try {
          const created = await c.postJson("/api/packetloss/monitors", {
            host: chain.targetIp,
            interval: "10s",
            packetCount: 50,
            threshold: 50,
            enabled: true,
          });
          expect(created.status).toBe(201);
          const { id } = await created.json();
          expect((await c.postJson(`/api/packetloss/monitors/${id}/start`, {})).status).toBe(202);
          let result: Record<string, unknown> | undefined;
          for (let i = 0; i < 100 && !result; i++) {
            await Bun.sleep(200);
            result = (await (await c.get(`/api/packetloss/monitors/${id}/history`)).json()).data[0];
          }
          await c.postJson(`/api/packetloss/monitors/${id}/stop`, {});
          expect(result).toMatchObject({ method: "ping", packetsSent: 50, error: null });
          expect(result!.packetsRecv as number).toBeLessThanOrEqual(50);
          expect(result!.fallbackReason).toContain("mtr would need 52 s for 50 probes at one a second");
        } finally {
          await iptables(["-D", ...DROP_ECHO_REQUESTS]);
          await t?.close();
        }
      }, 60_000);
    }
  },
);
