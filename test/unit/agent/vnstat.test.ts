import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { normaliseVnstatJson, parseLiveLine, VnstatError } from "../../../src/measure/collectors/vnstat";

const sample = (name: string) => readFileSync(join(import.meta.dir, "../../fixtures/samples", name), "utf8");
/** Unix seconds of a local date and hour (vnStat's dates are in the host's time zone). */
const local = (y: number, m: number, d = 1, h = 0) => new Date(y, m - 1, d, h).getTime() / 1000;

describe("vnstat --live --json lines", () => {
  test("samples are parsed; the header line and the summary printed on exit are not samples", () => {
    const lines = sample("vnstat_live_sigint.json.txt").trim().split("\n");
    const parsed = lines.map(parseLiveLine);
    expect(parsed[0]).toBeNull();
    expect(parsed[3]).toBeNull();
    expect(parsed[1]).toEqual({
      index: 1,
      seconds: 2,
      rx: {
        ratestring: "49.97 Mbit/s",
        bytespersecond: 6246300,
        packetspersecond: 315,
        bytes: 12492600,
        packets: 630,
        totalbytes: 12492600,
        totalpackets: 630,
      },
      tx: {
        ratestring: "49.97 Mbit/s",
        bytespersecond: 6246300,
        packetspersecond: 315,
        bytes: 12492600,
        packets: 630,
        totalbytes: 12492600,
        totalpackets: 630,
      },
    });
    expect(parsed[2]?.index).toBe(2);
  });

  test("vnstat's errors (written to stdout) and broken lines are not samples", () => {
    expect(parseLiveLine('Error: Unable to get interface "x" statistics.')).toBeNull();
    expect(parseLiveLine('{"index":1,"seconds":2,"rx":{"bytespersecond":')).toBeNull();
    expect(parseLiveLine('{"index":"1","rx":{"bytespersecond":1},"tx":{"bytespersecond":1}}')).toBeNull();
  });
});

describe("vnstat --json export", () => {
  test("JSON version 2 (vnStat 2.x) passes through unchanged", () => {
    for (const file of ["vnstat_eth0.json.txt", "vnstat_json_d1.json.txt"]) {
      const raw = JSON.parse(sample(file));
      expect(normaliseVnstatJson(raw)).toEqual(raw);
    }
  });

  test("JSON version 1 (vnStat 1.x) becomes version 2: names, singular lists, hours with time, bytes not KiB", () => {
    const v2 = normaliseVnstatJson(JSON.parse(sample("vnstat_v1.json.txt")));
    expect(v2.jsonversion).toBe("2");
    expect(v2.vnstatversion).toBe("1.18");
    expect(v2.interfaces.map((i) => [i.name, i.alias])).toEqual([
      ["eth0", "uplink"],
      ["wlan0", "wlan0"],
    ]);
    const eth0 = v2.interfaces[0]!.traffic;
    expect(eth0.total).toEqual({ rx: 2097152 * 1024, tx: 1048576 * 1024 });
    expect(Object.keys(eth0).sort()).toEqual(["day", "hour", "month", "top", "total"]);
    // Oldest first, as vnStat 2 lists them; the hour of day came in `id`.
    expect(eth0.hour).toEqual([
      {
        id: 15,
        date: { year: 2019, month: 3, day: 3 },
        time: { hour: 15, minute: 0 },
        timestamp: local(2019, 3, 3, 15),
        rx: 10240,
        tx: 5120,
      },
      {
        id: 13,
        date: { year: 2019, month: 3, day: 4 },
        time: { hour: 13, minute: 0 },
        timestamp: local(2019, 3, 4, 13),
        rx: 102400,
        tx: 51200,
      },
      {
        id: 14,
        date: { year: 2019, month: 3, day: 4 },
        time: { hour: 14, minute: 0 },
        timestamp: local(2019, 3, 4, 14),
        rx: 204800,
        tx: 61440,
      },
    ]);
    expect(eth0.day?.map((d) => [d.date, d.timestamp, d.rx])).toEqual([
      [{ year: 2019, month: 3, day: 3 }, local(2019, 3, 3), 2048 * 1024],
      [{ year: 2019, month: 3, day: 4 }, local(2019, 3, 4), 3072 * 1024],
    ]);
    expect(eth0.month).toEqual([
      { id: 0, date: { year: 2019, month: 3 }, timestamp: local(2019, 3), rx: 5120 * 1024, tx: 1536 * 1024 },
    ]);
    expect(eth0.top?.[0]).toMatchObject({ date: { year: 2019, month: 3, day: 4 }, rx: 3072 * 1024 });
    expect(v2.interfaces[1]!.traffic).toEqual({ total: { rx: 0, tx: 0 }, hour: [], day: [], month: [], top: [] });
  });

  test("an export without interfaces, or not an object, is an error rather than an empty answer", () => {
    expect(normaliseVnstatJson({ vnstatversion: "2.10", jsonversion: "2", interfaces: [] }).interfaces).toEqual([]);
    expect(() => normaliseVnstatJson({ jsonversion: "2" })).toThrow(VnstatError);
    expect(() => normaliseVnstatJson("Error: x")).toThrow(VnstatError);
  });
});
