/**
 * Traceroute and mtr over real routed hops: root → r1 → r2 → target in
 * network namespaces this file creates and deletes (10.213.0.0/16). Every run
 * is numeric, so no reverse lookup of a test address leaves the machine.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { run } from "../../src/core/runner";
import { mtrArgv, readMtrJsonRun } from "../../src/measure/probes/mtr";
import { type Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { describeIf, hasCommand } from "../helpers/env";
import { createChain, dropTracerouteProbes, type NetnsChain, netnsAvailable } from "../helpers/netns";

const MAX_SILENT_HOPS = 3;

interface HopJson {
  number: number;
  host: string;
  ip: string;
  rtt1: number;
  rtt2: number;
  rtt3: number;
  timeout: boolean;
  loss: number;
}

describeIf(
  netnsAvailable && hasCommand("traceroute") && hasCommand("iptables"),
  "needs root, iproute2, iptables and traceroute",
  "a three-hop chain in network namespaces",
  () => {
    let chain: NetnsChain;
    let t: TestApp;
    let c: Client;
    beforeAll(async () => {
      chain = await createChain();
      t = await startSqliteTestApp({
        traceroute: { resolve_hostnames: false, wait_seconds: 1, max_hops: 12, max_silent_hops: MAX_SILENT_HOPS },
      });
      c = await signedInClient(t);
    });
    // Runs whatever happened in the tests, so no namespace, veth or route outlives the file.
    afterAll(async () => {
      await t?.close();
      await chain?.destroy();
    });

    test("traceroute sees exactly r1, r2 and the target, in order, with numeric RTTs", async () => {
      const res = await c.get(`/api/traceroute?host=${chain.targetIp}`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({
        destination: chain.targetIp,
        ip: chain.targetIp,
        totalHops: 3,
        complete: true,
        terminatedEarly: false,
      });
      const hops = body.hops as HopJson[];
      expect(hops.map((h) => [h.number, h.ip])).toEqual(chain.hopIps.map((ip, i) => [i + 1, ip]));
      for (const hop of hops) {
        expect(hop).toMatchObject({ host: hop.ip, timeout: false, loss: 0 });
        for (const rtt of [hop.rtt1, hop.rtt2, hop.rtt3]) {
          expect(typeof rtt).toBe("number");
          expect(rtt).toBeGreaterThan(0);
        }
      }
    });

    test.skipIf(!hasCommand("mtr"))("mtr sees the same three hops", async () => {
      const argv = mtrArgv({
        host: chain.targetIp,
        family: 4,
        count: 3,
        intervalSeconds: 0.2,
        privileged: true,
        dns: false,
        format: "json",
      });
      const report = readMtrJsonRun(await run(argv, { timeoutMs: 30_000 }), chain.targetIp);
      expect(report.hops.map((h) => h.ip)).toEqual(chain.hopIps);
      expect(report.endToEnd).toMatchObject({ reached: true, loss: 0 });
    });

    test("a target that drops the probes gives silent hops and an early stop", async () => {
      const drop = await dropTracerouteProbes(chain);
      expect(drop.exitCode).toBe(0);
      try {
        const started = performance.now();
        const body = await (await c.get(`/api/traceroute?host=${chain.targetIp}`)).json();
        expect(body).toMatchObject({ ip: chain.targetIp, complete: false, terminatedEarly: true, timedOut: false });
        const hops = body.hops as HopJson[];
        expect(hops.slice(0, 2).map((h) => h.ip)).toEqual(chain.hopIps.slice(0, 2));
        const silent = hops.slice(2);
        expect(silent).toHaveLength(MAX_SILENT_HOPS);
        for (const hop of silent) expect(hop).toMatchObject({ host: "*", ip: "*", timeout: true, loss: 100, rtt1: 0 });
        // Stopped long before the 12-hop limit would have been reached.
        expect(body.totalHops).toBeLessThan(12);
        expect(performance.now() - started).toBeLessThan(10_000);
      } finally {
        await chain.exec("target", ["iptables", "-F", "INPUT"]);
      }
    });

    test("destroy removes the namespaces, the root link and the route", async () => {
      const extra = await createChain();
      const { stdout: before } = await run(["ip", "netns", "list"]);
      expect(before).toContain(extra.namespaces.target);
      await extra.destroy();
      const { stdout: after } = await run(["ip", "netns", "list"]);
      for (const name of Object.values(extra.namespaces)) expect(after).not.toContain(name);
      const { stdout: route } = await run([
        "ip",
        "-4",
        "route",
        "show",
        `${extra.targetIp.replace(/\.\d+$/, ".0")}/24`,
      ]);
      expect(route.trim()).toBe("");
      // The original chain is untouched by another chain's removal.
      expect((await c.get(`/api/traceroute?host=${chain.targetIp}`)).status).toBe(200);
    });
  },
);
