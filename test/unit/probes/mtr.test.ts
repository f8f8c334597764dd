import { describe, expect, test } from "bun:test";
import { BadInput } from "../../../src/core/errors";
import {
  describeMtrFailure,
  type MtrArgs,
  MtrError,
  MtrRawStream,
  mtrArgv,
  mtrEndToEnd,
  parseMtrJson,
  readMtrJsonRun,
} from "../../../src/measure/probes/mtr";

const sample = (name: string) => Bun.file(`${import.meta.dir}/../../fixtures/samples/${name}`).text();
/** Captures end with the exit status on a line of its own (`rc=N`), which is not tool output. */
const withoutStatus = (text: string) => text.replace(/^rc=\d+\n?$/m, "");

const args: MtrArgs = {
  host: "127.0.0.1",
  family: 0,
  count: 10,
  intervalSeconds: 1,
  privileged: false,
  dns: false,
  format: "json",
};

const hub = (fields: Record<string, unknown>) => ({
  count: 1,
  host: "???",
  "Loss%": 100,
  Snt: 10,
  Last: 0,
  Avg: 0,
  Best: 0,
  Wrst: 0,
  StDev: 0,
  ...fields,
});
const report = (dst: string, hubs: unknown[], tests = 10) =>
  JSON.stringify({ report: { mtr: { src: "vm", dst, tos: 0, tests, psize: "64", bitpattern: "0x00" }, hubs } });

describe("mtrArgv", () => {
  test("unprivileged: UDP probes, no DNS, JSON, options ended before the host", () => {
    expect(mtrArgv(args)).toEqual(["mtr", "-u", "-n", "-c", "10", "-i", "1", "--json", "--", "127.0.0.1"]);
  });

  test("privileged: ICMP (no -u); DNS shows names and addresses; raw; family", () => {
    expect(
      mtrArgv({ ...args, host: "::1", family: 6, privileged: true, dns: true, format: "raw", intervalSeconds: 0.5 }),
    ).toEqual(["mtr", "-6", "-b", "-c", "10", "-i", "0.5", "--raw", "--", "::1"]);
  });

  test.each([
    [{ host: "-F/etc/passwd" }, "must not start with '-'"],
    [{ host: "$(id)" }, "metacharacters"],
    [{ host: "::1", family: 4 as const }, "not an IPv4 address"],
    [{ count: 0 }, "count"],
    [{ count: 2.5 }, "count"],
    [{ intervalSeconds: 0.01 }, "intervalSeconds"],
    [{ intervalSeconds: Number.POSITIVE_INFINITY }, "intervalSeconds"],
  ])("rejects %p", (bad, why) => {
    expect(() => mtrArgv({ ...args, ...bad })).toThrow(BadInput);
    expect(() => mtrArgv({ ...args, ...bad })).toThrow(why);
  });
});

describe("parseMtrJson on captured samples", () => {
  test("mtr_json.json: numbers, exact received, end-to-end from the destination", async () => {
    expect(parseMtrJson(await sample("mtr_json.json"))).toEqual({
      destination: "127.0.0.1",
      ip: "127.0.0.1",
      tests: 3,
      hops: [
        {
          number: 1,
          host: "127.0.0.1",
          ip: "127.0.0.1",
          loss: 0,
          sent: 3,
          received: 3,
          last: 0.057,
          avg: 0.155,
          best: 0.049,
          worst: 0.36,
          stddev: 0.176,
        },
      ],
      endToEnd: {
        reached: true,
        loss: 0,
        sent: 3,
        received: 3,
        last: 0.057,
        avg: 0.155,
        best: 0.049,
        worst: 0.36,
        stddev: 0.176,
      },
    });
  });

  test("mtr_json_allfields.json: Rcv is used when present", async () => {
    const parsed = parseMtrJson(await sample("mtr_json_allfields.json"));
    expect(parsed.hops[0]).toMatchObject({ sent: 3, received: 3, avg: 0.053, stddev: 0.004 });
  });

  test("mtr_json_partial.json: 20 % of 10 lost is 8 received", async () => {
    const parsed = parseMtrJson(await sample("mtr_json_partial.json"));
    expect(parsed.hops[0]).toMatchObject({ loss: 20, sent: 10, received: 8 });
    expect(parsed.endToEnd).toMatchObject({ reached: true, loss: 20, received: 8 });
  });

  test("mtr_json_allloss.json: no hubs means the destination was not reached", async () => {
    const parsed = parseMtrJson(await sample("mtr_json_allloss.json"));
    expect(parsed.hops).toEqual([]);
    expect(parsed.endToEnd).toEqual({
      reached: false,
      loss: 100,
      sent: 2,
      received: 0,
      last: null,
      avg: null,
      best: null,
      worst: null,
      stddev: null,
    });
  });

  test.each(["mtr_udp.json", "mtr_tcp.json", "mtr_unpriv_dgram.txt"])("%s", async (file) => {
    const parsed = parseMtrJson(withoutStatus(await sample(file)));
    expect(parsed.hops).toHaveLength(1);
    expect(parsed.hops[0]).toMatchObject({ number: 1, ip: "127.0.0.1", loss: 0, sent: 2, received: 2 });
    expect(typeof parsed.hops[0]?.avg).toBe("number");
    expect(parsed.endToEnd.reached).toBe(true);
  });
});

describe("parseMtrJson edge cases", () => {
  test("a silent hop is ??? with null host, address and RTTs (not 0 ms)", () => {
    const parsed = parseMtrJson(
      report("192.0.2.9", [
        hub({ count: 1, host: "192.0.2.1", "Loss%": 0, Last: 1, Avg: 1, Best: 1, Wrst: 1, StDev: 0 }),
        hub({ count: 2 }),
        hub({ count: 3, host: "192.0.2.9", "Loss%": 10, Last: 5, Avg: 5.5, Best: 5, Wrst: 7, StDev: 0.6 }),
      ]),
    );
    expect(parsed.hops[1]).toEqual({
      number: 2,
      host: null,
      ip: null,
      loss: 100,
      sent: 10,
      received: 0,
      last: null,
      avg: null,
      best: null,
      worst: null,
      stddev: null,
    });
    expect(parsed.endToEnd).toMatchObject({ reached: true, loss: 10, received: 9, avg: 5.5 });
  });

  test("a trailing ??? hop means the destination never answered (the original reported that hop's figures)", () => {
    const parsed = parseMtrJson(
      report("example.net", [
        hub({ count: 1, host: "gw (192.0.2.1)", "Loss%": 0, Last: 1, Avg: 1, Best: 1, Wrst: 1, StDev: 0 }),
        hub({ count: 2 }),
      ]),
    );
    expect(parsed.ip).toBeNull();
    expect(parsed.endToEnd).toMatchObject({ reached: false, loss: 100, sent: 10, received: 0, avg: null });
  });

  test("name (address) hosts from -b; the destination found by a resolved address", () => {
    const hubs = [
      hub({ count: 1, host: "gw.example.net (192.0.2.1)", "Loss%": 0, Avg: 1, Last: 1, Best: 1, Wrst: 1 }),
      hub({ count: 2, host: "example.net (192.0.2.9)", "Loss%": 0, Avg: 9, Last: 9, Best: 9, Wrst: 9 }),
    ];
    const byLastHop = parseMtrJson(report("example.net", hubs));
    expect(byLastHop.hops[0]).toMatchObject({ host: "gw.example.net", ip: "192.0.2.1" });
    expect(byLastHop.ip).toBe("192.0.2.9");
    expect(byLastHop.endToEnd).toMatchObject({ reached: true, avg: 9 });
    const byAddress = parseMtrJson(report("example.net", hubs), "192.0.2.9");
    expect(byAddress.endToEnd).toMatchObject({ reached: true, avg: 9 });
  });

  test("a known destination address that no hop shows: not reached, even if the last hop answered (max hops)", () => {
    const parsed = parseMtrJson(
      report("192.0.2.9", [hub({ count: 1, host: "192.0.2.1", "Loss%": 0, Avg: 1, Last: 1, Best: 1, Wrst: 1 })]),
    );
    expect(parsed.endToEnd.reached).toBe(false);
  });

  test("IPv6 hubs", () => {
    const parsed = parseMtrJson(
      report("::1", [
        hub({ count: 1, host: "::1", "Loss%": 0, Snt: 1, Last: 0.07, Avg: 0.07, Best: 0.07, Wrst: 0.07 }),
      ]),
    );
    expect(parsed.hops[0]).toMatchObject({ host: "::1", ip: "::1", received: 1 });
    expect(parsed.endToEnd.reached).toBe(true);
  });

  test.each([
    ["", "no report"],
    ["   \n", "no report"],
    ["{ not json", "not valid JSON"],
    ['{"report":{}}', "lacks"],
    ["null", "lacks"],
  ])("rejects %p", (text, why) => {
    expect(() => parseMtrJson(text)).toThrow(MtrError);
    expect(() => parseMtrJson(text)).toThrow(why);
  });
});

describe("failures", () => {
  test("mtr_err_dns.txt: exit 0 with empty stdout is an unknown host, not an empty report", async () => {
    const stderr = withoutStatus(await sample("mtr_err_dns.txt"));
    const run = { exitCode: 0, stdout: "", stderr, timedOut: false };
    expect(() => readMtrJsonRun(run, "nonexistent.invalid")).toThrow(MtrError);
    expect(() => readMtrJsonRun(run, "nonexistent.invalid")).toThrow("unknown host nonexistent.invalid");
  });

  test("mtr_err_interval.txt", async () => {
    expect(describeMtrFailure(await sample("mtr_err_interval.txt"), "x")).toBe(
      "mtr allows intervals below 1 second only when run as root",
    );
  });

  test("mtr_err_noperm.txt", async () => {
    const run = { exitCode: 1, stdout: "", stderr: await sample("mtr_err_noperm.txt"), timedOut: false };
    expect(() => readMtrJsonRun(run, "x")).toThrow("CAP_NET_RAW");
  });

  test("unknown errors quote mtr's first line; a timeout says so", () => {
    expect(describeMtrFailure("mtr: Unknown option -Q\n", "x")).toBe("mtr failed: Unknown option -Q");
    expect(() => readMtrJsonRun({ exitCode: null, stdout: "", stderr: "", timedOut: true }, "x")).toThrow(
      "did not finish",
    );
  });

  test("a good run is parsed", async () => {
    const run = { exitCode: 0, stdout: await sample("mtr_json.json"), stderr: "", timedOut: false };
    expect(readMtrJsonRun(run, "127.0.0.1").endToEnd.reached).toBe(true);
  });
});

const feed = (stream: MtrRawStream, text: string) => {
  for (const line of text.split("\n")) stream.push(line);
};

describe("MtrRawStream on captured samples", () => {
  test("mtr_raw.txt: 0-based hops become 1-based, µs become ms, the probe past the destination is dropped", async () => {
    const stream = new MtrRawStream();
    feed(stream, await sample("mtr_raw.txt"));
    const [only, ...rest] = stream.finish();
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ number: 1, host: "127.0.0.1", ip: "127.0.0.1", loss: 0, sent: 3, received: 3 });
    expect(only?.last).toBeCloseTo(0.051);
    expect(only?.best).toBeCloseTo(0.049);
    expect(only?.worst).toBeCloseTo(0.112);
    expect(only?.avg).toBeCloseTo((0.049 + 0.112 + 0.051) / 3);
    // Sample standard deviation, as mtr reports it.
    expect(only?.stddev).toBeCloseTo(0.03581, 4);
  });

  test("mtr_raw_dns.txt: the d line names the hop", async () => {
    const stream = new MtrRawStream("127.0.0.1");
    feed(stream, await sample("mtr_raw_dns.txt"));
    const hops = stream.finish();
    expect(hops).toHaveLength(1);
    expect(hops[0]).toMatchObject({ host: "localhost", ip: "127.0.0.1", sent: 3, received: 3 });
    expect(mtrEndToEnd(hops, "127.0.0.1", 3)).toMatchObject({ reached: true, loss: 0 });
  });

  test("mtr_raw_partial.txt: the newest unanswered probe is in flight while running, lost at the end", async () => {
    const stream = new MtrRawStream();
    feed(stream, await sample("mtr_raw_partial.txt"));
    expect(stream.snapshot()[0]).toMatchObject({ sent: 4, received: 4, loss: 0 });
    expect(stream.finish()[0]).toMatchObject({ sent: 5, received: 4, loss: 20 });
  });

  test("mtr_raw_allloss.txt: nothing answered, nothing to show, destination not reached", async () => {
    const stream = new MtrRawStream("127.0.0.1");
    feed(stream, await sample("mtr_raw_allloss.txt"));
    expect(stream.finish()).toEqual([]);
    expect(mtrEndToEnd(stream.finish(), "127.0.0.1", 2)).toMatchObject({ reached: false, loss: 100, sent: 2 });
  });
});

describe("MtrRawStream live behaviour", () => {
  test("running stats grow line by line", () => {
    const stream = new MtrRawStream("192.0.2.9");
    const snapshots: string[] = [];
    const lines = [
      "x 0 33000",
      "h 0 192.0.2.1",
      "p 0 1500 33000",
      "x 1 33001",
      "x 2 33002",
      "h 2 192.0.2.9",
      "d 2 dest.example.net",
      "p 2 9000 33002",
      "x 0 33003",
      "p 0 2500 33003",
    ];
    for (const line of lines) {
      expect(stream.push(line)).toBe(true);
      snapshots.push(
        stream
          .snapshot()
          .map((h) => `${h.number}:${h.host ?? "???"}:${h.sent}/${h.received}`)
          .join(" "),
      );
    }
    expect(snapshots).toEqual([
      "",
      "1:192.0.2.1:0/0",
      "1:192.0.2.1:1/1",
      "1:192.0.2.1:1/1 2:???:0/0",
      "1:192.0.2.1:1/1 2:???:0/0",
      "1:192.0.2.1:1/1 2:???:0/0 3:192.0.2.9:0/0",
      "1:192.0.2.1:1/1 2:???:0/0 3:dest.example.net:0/0",
      "1:192.0.2.1:1/1 2:???:0/0 3:dest.example.net:1/1",
      "1:192.0.2.1:1/1 2:???:0/0 3:dest.example.net:1/1",
      "1:192.0.2.1:2/2 2:???:0/0 3:dest.example.net:1/1",
    ]);
    const final = stream.finish();
    expect(final[1]).toMatchObject({ host: null, ip: null, loss: 100, sent: 1, received: 0, avg: null });
    expect(final[0]).toMatchObject({ avg: 2, best: 1.5, worst: 2.5, last: 2.5 });
  });

  test("several addresses at one hop keep the first as the hop's address", () => {
    const stream = new MtrRawStream();
    feed(stream, "x 0 1\nh 0 192.0.2.1\np 0 100 1\nx 0 2\nh 0 192.0.2.2\np 0 200 2");
    expect(stream.finish()[0]).toMatchObject({ ip: "192.0.2.1", received: 2 });
  });

  test("IPv6 addresses", () => {
    const stream = new MtrRawStream("::1");
    feed(stream, "x 0 33000\nh 0 ::1\np 0 72 33000\nx 1 33001\nh 1 ::1\np 1 70 33001");
    expect(stream.finish()).toMatchObject([{ number: 1, ip: "::1", last: 0.072 }]);
  });

  test.each(["", "junk", "x", "x 0", "x -1 5", "h 0 not-an-ip", "p 0 50", "d 0 name", "m 0 24001 0 1 1", "q 0 1"])(
    "ignores %p",
    (line) => {
      expect(new MtrRawStream().push(line)).toBe(false);
    },
  );

  test("duplicate replies and repeated h lines change nothing", () => {
    const stream = new MtrRawStream();
    feed(stream, "x 0 1\nh 0 192.0.2.1\np 0 100 1");
    expect(stream.push("h 0 192.0.2.1")).toBe(false);
    expect(stream.push("p 0 100 1")).toBe(false);
    expect(stream.finish()[0]).toMatchObject({ sent: 1, received: 1 });
  });
});
