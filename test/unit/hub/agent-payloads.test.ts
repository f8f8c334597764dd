/** What an agent answers is read into the contract's types: hostile, oversized or foreign answers never pass through whole. */
import { describe, expect, test } from "bun:test";
import {
  looksLikeAgent,
  MAX_DISKS,
  PayloadInvalid,
  readHardware,
  readHistorical,
  readLiveSample,
  readRoot,
  readSystemInfo,
} from "../../../src/hub/agent-payloads";
import { startFakeAgent } from "../../servers/agent-server";

describe("agent payloads", () => {
  const fake = startFakeAgent({ intervalMs: 60_000 });
  const docs = { system: fake.system, hardware: fake.hardware, historical: fake.historical };
  void fake.stop();

  test("the contract's own documents read back unchanged", () => {
    expect(readSystemInfo(JSON.parse(JSON.stringify(docs.system)))).toEqual(docs.system);
    expect(readHardware(JSON.parse(JSON.stringify(docs.hardware)))).toEqual(docs.hardware);
    expect(readHistorical(JSON.parse(JSON.stringify(docs.historical)))).toEqual(docs.historical);
  });

  test("fields outside the contract are dropped (an agent URL cannot be used to echo other data)", () => {
    const read = readSystemInfo({
      ...docs.system,
      secret: "db password",
      interfaces: { eth0: { name: "eth0", token: "x" } },
    });
    expect(JSON.stringify(read)).not.toContain("db password");
    expect(JSON.stringify(read)).not.toContain("token");
  });

  test("strings are cut, numbers must be finite, percentages stay within 0–100, lists are capped", () => {
    const hw = readHardware({
      cpu: { usage_percent: 1e9, model: "x".repeat(100_000), load_avg: [Number.NaN, "2", 3] },
      memory: { used_percent: -5, total: "lots" },
      disks: Array.from({ length: 5000 }, (_, i) => ({ path: `/mnt/${i}`, used_percent: 50 })),
      temperature: [
        { sensor_key: "", temperature: 40 },
        { sensor_key: "cpu", temperature: "hot" },
      ],
    });
    expect(hw.cpu.usage_percent).toBe(100);
    expect(hw.cpu.model.length).toBe(256);
    expect(hw.cpu.load_avg).toEqual([0, 0, 3]);
    expect(hw.memory.used_percent).toBe(0);
    expect(hw.memory.total).toBe(0);
    expect(hw.disks.length).toBe(MAX_DISKS);
    expect(hw.temperature).toEqual([{ sensor_key: "cpu", temperature: 0, label: "", critical: 0 }]);
  });

  test("markup stays a plain string (escaping is the views' job)", () => {
    const info = readSystemInfo({ hostname: "<img src=x onerror=alert(1)>", interfaces: {} });
    expect(info.hostname).toBe("<img src=x onerror=alert(1)>");
  });

  test("GET / must carry the endpoints map; a foreign service is not an agent", () => {
    expect(() => readRoot({ status: "ok" })).toThrow(PayloadInvalid);
    expect(() => readRoot([])).toThrow(PayloadInvalid);
    expect(looksLikeAgent({ service: "monitor SSE agent" })).toBe(true);
    expect(looksLikeAgent({ status: "ok", version: "1" })).toBe(false);
    const root = readRoot({
      service: "monitor SSE agent",
      endpoints: { live: "/events", system: 5 },
      protocol_version: 2,
    });
    expect(root.endpoints.system).toBeUndefined();
    expect(root.protocol_version).toBe(2);
  });

  test("a live sample must be JSON with rx and tx; rates are never negative", () => {
    expect(() => readLiveSample("not json")).toThrow(PayloadInvalid);
    expect(() => readLiveSample('{"index":1}')).toThrow(PayloadInvalid);
    const s = readLiveSample('{"index":2,"rx":{"bytespersecond":-3},"tx":{"bytespersecond":12.5}}');
    expect(s.rx.bytespersecond).toBe(0);
    expect(s.tx.bytespersecond).toBe(12.5);
  });

  test("vnstat exports keep only well-formed entries of known periods", () => {
    const doc = readHistorical({
      vnstatversion: "2.10",
      jsonversion: "2",
      interfaces: [
        {
          name: "eth0",
          traffic: {
            total: { rx: 1, tx: 2 },
            day: [{ date: { year: 2026, month: 12, day: 3 }, rx: 5, tx: 6 }, "junk", { rx: 1 }],
            bogus: [1],
          },
        },
        { traffic: {} },
      ],
    });
    expect(doc.interfaces).toHaveLength(1);
    expect(doc.interfaces[0]!.traffic.day).toEqual([{ date: { year: 2026, month: 12, day: 3 }, rx: 5, tx: 6 }]);
    expect(doc.interfaces[0]!.traffic).not.toHaveProperty("bogus");
  });
});
