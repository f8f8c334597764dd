/**
 * Everything provider-specific on the pages and in the API comes from the provider registry: each registered
 * provider has its tab, fields, latency help and schedule option, and can be chosen by `testType`, while the
 * original's useIperf/useLibrespeed keep working and are stored to match.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PROVIDER_IDS, PROVIDERS } from "../../src/measure/providers/registry";
import { type Client, signedInClient, startSqliteTestApp, type TestApp } from "../helpers/app";
import { describeIf, hasCommand } from "../helpers/env";
import { Iperf3Server } from "../helpers/iperf3-server";

const FAST_IPERF = {
  speedtest: {
    iperf: { test_duration: 1, parallel_conns: 1, timeout: 20, ping: { count: 1, interval: 200, timeout: 1 } },
  },
};

describe("providers from the registry", () => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await startSqliteTestApp(FAST_IPERF);
    c = await signedInClient(t);
  });
  afterAll(async () => {
    await t.close();
  });

  test("the Speed Test page has a tab, a fieldset and latency help for every provider, in registry order", async () => {
    const page = await (await c.get("/speedtest")).text();
    const tabs = [...page.matchAll(/name="provider" value="([^"]+)"/g)].map((m) => m[1]);
    expect(tabs).toEqual([...PROVIDER_IDS]);
    for (const id of PROVIDER_IDS) {
      const def = PROVIDERS[id];
      expect(page).toContain(`<span>${def.label}</span>`);
      expect(page).toContain(`x-show="provider === '${id}'" :disabled="provider !== '${id}'"`);
      // The help paragraph shown with the provider's tab starts with its help text (quotes come escaped).
      const help = page.match(new RegExp(`<p class="small muted" x-show="provider === '${id}'"[^>]*>([^<]*)</p>`));
      expect(help?.[1]).toStartWith(def.latencyHelp.split("'")[0]!);
      if (def.target === "servers") expect(page).toContain(`/speedtest/servers?testType=${id}`);
      else expect(page).toContain(`>${def.host!.label}</label>`);
    }
  });

  test("the schedule form offers every provider with its label", async () => {
    const page = await (await c.get("/speedtest")).text();
    const form = page.slice(page.indexOf('id="s-provider"'));
    const options = [...form.matchAll(/<option value="([^"]+)">([^<]+)<\/option>/g)].slice(0, PROVIDER_IDS.length);
    expect(options.map((m) => [m[1], m[2]])).toEqual(PROVIDER_IDS.map((id) => [id, PROVIDERS[id].label]));
  });

  test("testType must name a registered provider; the message lists them", async () => {
    const res = await c.postJson("/api/speedtest", { testType: "netperf", serverHost: "127.0.0.1" });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.message).toContain("testType");
    for (const id of PROVIDER_IDS) expect(body.message).toContain(id);
  });

  test("a servers provider refuses a hand-typed ID that does not fit its pattern, naming the field", async () => {
    const res = await c.postForm("/speedtest/run", { provider: "speedtest", serverIdManual: "12ab" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(PROVIDERS.speedtest.manualServerId!.problem);
  });

  describeIf(hasCommand("iperf3"), "iperf3 is not installed", "with a local iperf3 server", () => {
    let iperf: Iperf3Server;
    beforeAll(async () => {
      iperf = await Iperf3Server.start();
    });
    afterAll(async () => {
      await iperf?.stop();
    });

    test("testType chooses the provider and wins over the original's flags", async () => {
      const res = await c.postJson("/api/speedtest", {
        testType: "iperf3",
        useLibrespeed: true,
        serverHost: iperf.address,
        enableUpload: false,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ testType: "iperf3", error: null });
    }, 30_000);

    test("a schedule from the page stores testType with the original's flags set to match", async () => {
      const res = await c.postForm("/speedtest/schedules", {
        interval: "24h",
        provider: "iperf3",
        serverHost: iperf.address,
        enableDownload: "on",
      });
      expect(res.status).toBe(200);
      const schedules = await (await c.get("/api/schedules")).json();
      expect(schedules.at(-1).options).toMatchObject({
        testType: "iperf3",
        useIperf: true,
        useLibrespeed: false,
        serverHost: iperf.address,
      });
    });
  });
});
