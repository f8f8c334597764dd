import { describe, expect, test } from "bun:test";
import { BadInput } from "../../../src/core/errors";
import {
  checkTracerouteExit,
  DEFAULT_MAX_SILENT_HOPS,
  describeTracerouteFailure,
  parseTraceroute,
  parseTracerouteHeader,
  parseTracerouteLine,
  shouldStopTraceroute,
  TracerouteError,
  TracerouteStream,
  tracerouteArgv,
} from "../../../src/measure/probes/traceroute";
import type { TracerouteHop } from "../../../src/protocol/measurements";

const sample = (name: string) => Bun.file(`${import.meta.dir}/../../fixtures/samples/${name}`).text();

/** traceroute_samples.txt is a transcript: `$ command`, the output, then `rc=N`. */
async function transcript(): Promise<{ command: string; output: string; exitCode: number }[]> {
  const text = await sample("traceroute_samples.txt");
  return [...text.matchAll(/^\$ (.+)\n([\s\S]*?)^rc=(\d+)$/gm)].map((m) => ({
    command: m[1]!,
    output: m[2]!,
    exitCode: Number(m[3]),
  }));
}

const hop = (overrides: Partial<TracerouteHop>): TracerouteHop => ({
  number: 1,
  host: "127.0.0.1",
  ip: "127.0.0.1",
  rtts: [0.1, 0.1, 0.1],
  loss: 0,
  annotations: [],
  responders: [{ host: "127.0.0.1", ip: "127.0.0.1", rtts: [0.1, 0.1, 0.1] }],
  timeout: false,
  ...overrides,
});
const silent = (number: number) =>
  hop({ number, host: null, ip: null, rtts: [null, null, null], loss: 100, responders: [], timeout: true });

describe("tracerouteArgv", () => {
  test("keeps reverse DNS by default and ends options before the host", () => {
    expect(tracerouteArgv({ host: "example.com", family: 0, maxHops: 30, waitSeconds: 2, queries: 3 })).toEqual([
      "traceroute",
      "-m",
      "30",
      "-q",
      "3",
      "-w",
      "2",
      "--",
      "example.com",
    ]);
  });

  test("numeric and family flags", () => {
    expect(tracerouteArgv({ host: "::1", family: 6, maxHops: 5, waitSeconds: 0.5, queries: 1, numeric: true })).toEqual(
      ["traceroute", "-n", "-6", "-m", "5", "-q", "1", "-w", "0.5", "--", "::1"],
    );
  });

  test.each([
    [{ host: "-F/etc/passwd" }, "must not start with '-'"],
    [{ host: "a;b" }, "metacharacters"],
    [{ host: "127.0.0.1", family: 6 as const }, "not an IPv6 address"],
    [{ maxHops: 0 }, "maxHops"],
    [{ maxHops: 256 }, "maxHops"],
    [{ queries: 11 }, "queries"],
    [{ queries: 1.5 }, "queries"],
    [{ waitSeconds: 0 }, "waitSeconds"],
    [{ waitSeconds: Number.NaN }, "waitSeconds"],
  ])("rejects %p", (bad, why) => {
    const args = { host: "127.0.0.1", family: 0 as const, maxHops: 30, waitSeconds: 2, queries: 3, ...bad };
    expect(() => tracerouteArgv(args)).toThrow(BadInput);
    expect(() => tracerouteArgv(args)).toThrow(why);
  });
});

describe("parseTracerouteHeader", () => {
  test("IPv4 and IPv6 headers", () => {
    expect(parseTracerouteHeader("traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 60 byte packets")).toEqual({
      target: "127.0.0.1",
      ip: "127.0.0.1",
      maxHops: 30,
      packetBytes: 60,
    });
    expect(parseTracerouteHeader("traceroute to ip6-localhost (::1), 5 hops max, 80 byte packets")).toEqual({
      target: "ip6-localhost",
      ip: "::1",
      maxHops: 5,
      packetBytes: 80,
    });
    expect(parseTracerouteHeader(" 1  127.0.0.1  0.028 ms")).toBeNull();
  });
});

describe("parseTracerouteLine", () => {
  test("numeric hop", () => {
    expect(parseTracerouteLine(" 1  127.0.0.1  0.028 ms  0.005 ms  0.004 ms")).toEqual({
      number: 1,
      host: "127.0.0.1",
      ip: "127.0.0.1",
      rtts: [0.028, 0.005, 0.004],
      loss: 0,
      annotations: [],
      responders: [{ host: "127.0.0.1", ip: "127.0.0.1", rtts: [0.028, 0.005, 0.004] }],
      timeout: false,
    });
  });

  test("name and address", () => {
    const parsed = parseTracerouteLine(" 1  localhost (127.0.0.1)  0.011 ms  0.006 ms  0.005 ms");
    expect(parsed?.host).toBe("localhost");
    expect(parsed?.ip).toBe("127.0.0.1");
    expect(parsed?.rtts).toEqual([0.011, 0.006, 0.005]);
  });

  test("all stars is a timeout with 100 % loss", () => {
    expect(parseTracerouteLine(" 2  * * *")).toEqual({
      number: 2,
      host: null,
      ip: null,
      rtts: [null, null, null],
      loss: 100,
      annotations: [],
      responders: [],
      timeout: true,
    });
  });

  test("partial stars keep probe order and count as loss", () => {
    const parsed = parseTracerouteLine(" 1  127.0.0.1  0.236 ms * * *  0.175 ms");
    expect(parsed?.rtts).toEqual([0.236, null, null, null, 0.175]);
    expect(parsed?.loss).toBe(60);
    expect(parsed?.timeout).toBe(false);
  });

  test("a leading star before the responder", () => {
    const parsed = parseTracerouteLine(" 4  * 192.0.2.1  0.5 ms  0.6 ms");
    expect(parsed?.ip).toBe("192.0.2.1");
    expect(parsed?.rtts).toEqual([null, 0.5, 0.6]);
    expect(parsed?.loss).toBeCloseTo(100 / 3);
  });

  test("several responders in one hop", () => {
    const parsed = parseTracerouteLine(
      " 7  ae1.r1.example.net (192.0.2.1)  10.101 ms ae2.r2.example.net (192.0.2.9)  11.202 ms ae1.r1.example.net (192.0.2.1)  10.5 ms",
    );
    expect(parsed?.host).toBe("ae1.r1.example.net");
    expect(parsed?.rtts).toEqual([10.101, 11.202, 10.5]);
    expect(parsed?.responders).toEqual([
      { host: "ae1.r1.example.net", ip: "192.0.2.1", rtts: [10.101, 10.5] },
      { host: "ae2.r2.example.net", ip: "192.0.2.9", rtts: [11.202] },
    ]);
  });

  test.each([
    ["!H", " 1  127.0.0.1  0.222 ms !H  0.193 ms !H  0.182 ms !H"],
    ["!N", " 9  192.0.2.1  1.000 ms !N  1.100 ms !N  1.200 ms !N"],
    ["!X", " 1  127.0.0.1  0.039 ms !X  0.005 ms !X  0.004 ms !X"],
    ["!P", " 3  192.0.2.1  1.0 ms !P  1.0 ms !P  1.0 ms !P"],
    ["!A", " 3  192.0.2.1  1.0 ms !A  1.0 ms !A  1.0 ms !A"],
    ["!Z", " 3  192.0.2.1  1.0 ms !Z  1.0 ms !Z  1.0 ms !Z"],
    ["!F-1500", " 3  192.0.2.1  1.0 ms !F-1500  1.0 ms !F-1500  1.0 ms !F-1500"],
    ["!<13>", " 3  192.0.2.1  1.0 ms !<13>  1.0 ms !<13>  1.0 ms !<13>"],
  ])("annotation %s", (annotation, line) => {
    const parsed = parseTracerouteLine(line);
    expect(parsed?.annotations).toEqual([annotation]);
    expect(parsed?.rtts.every((r) => typeof r === "number")).toBe(true);
    expect(parsed?.loss).toBe(0);
  });

  test("mixed annotations and a star", () => {
    const parsed = parseTracerouteLine("12  192.0.2.1  1.0 ms !H * 192.0.2.2  2.0 ms !N");
    expect(parsed?.number).toBe(12);
    expect(parsed?.annotations).toEqual(["!H", "!N"]);
    expect(parsed?.rtts).toEqual([1, null, 2]);
  });

  test("IPv6 hops, numeric and named", () => {
    expect(parseTracerouteLine(" 1  ::1  0.028 ms  0.002 ms  0.002 ms")?.ip).toBe("::1");
    const named = parseTracerouteLine(" 3  core1.example.net (2001:db8::1)  5.1 ms  5.2 ms  5.3 ms");
    expect(named?.host).toBe("core1.example.net");
    expect(named?.ip).toBe("2001:db8::1");
  });

  test("AS and MPLS extras are skipped", () => {
    const parsed = parseTracerouteLine(" 2  192.0.2.1 [AS64496] <MPLS:L=24001,E=0,S=1,T=1>  1.5 ms  1.6 ms  1.7 ms");
    expect(parsed?.ip).toBe("192.0.2.1");
    expect(parsed?.rtts).toEqual([1.5, 1.6, 1.7]);
  });

  test.each([
    "traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 60 byte packets",
    "",
    " 5 ",
    "rc=0",
    'Cannot handle "host" cmdline arg `nonexistent.invalid\' on position 1 (argc 1)',
    " 1  0.5 ms",
  ])("not a hop: %p", (line) => {
    expect(parseTracerouteLine(line)).toBeNull();
  });
});

describe("captured samples", () => {
  test("every run in traceroute_samples.txt", async () => {
    const runs = await transcript();
    expect(runs).toHaveLength(11);
    for (const run of runs) {
      const result = parseTraceroute(run.output);
      if (run.exitCode !== 0) {
        expect(result).toEqual({ header: null, hops: [] });
        continue;
      }
      expect(result.header?.ip).toBe("127.0.0.1");
      expect(result.hops).toHaveLength(1);
      const [only] = result.hops;
      expect(only?.ip).toBe("127.0.0.1");
      expect(only?.loss).toBe(0);
      expect(only?.rtts.every((r) => typeof r === "number" && r > 0)).toBe(true);
      const queries = Number(run.command.match(/-q (\d+)/)?.[1] ?? 3);
      expect(only?.rtts).toHaveLength(queries);
      expect(only?.number).toBe(run.command.includes("-f 3") ? 3 : 1);
      expect(only?.host).toBe(run.command.includes("-n") ? "127.0.0.1" : "localhost");
    }
  });

  test("traceroute_allstar.txt: three silent hops", async () => {
    const { header, hops } = parseTraceroute(await sample("traceroute_allstar.txt"));
    expect(header?.maxHops).toBe(3);
    expect(hops.map((h) => [h.number, h.timeout, h.loss])).toEqual([
      [1, true, 100],
      [2, true, 100],
      [3, true, 100],
    ]);
  });

  test("traceroute_partial.txt: 5 probes, 3 lost", async () => {
    const { hops } = parseTraceroute(await sample("traceroute_partial.txt"));
    expect(hops).toHaveLength(1);
    expect(hops[0]?.rtts).toEqual([0.236, null, null, null, 0.175]);
    expect(hops[0]?.loss).toBe(60);
  });

  test.each([
    ["traceroute_H.txt", "!H", [0.222, 0.193, 0.182]],
    ["traceroute_X.txt", "!X", [0.039, 0.005, 0.004]],
  ])("%s", async (file, annotation, rtts) => {
    const { hops } = parseTraceroute(await sample(file));
    expect(hops).toHaveLength(1);
    expect(hops[0]?.annotations).toEqual([annotation]);
    expect(hops[0]?.rtts).toEqual(rtts);
  });
});

describe("TracerouteStream", () => {
  /** The bytes traceroute 2.1.2 writes, one flushed write per probe: the newline comes before each hop number. */
  const writes = [
    "traceroute to 192.0.2.50 (192.0.2.50), 30 hops max, 60 byte packets",
    "\n 1  192.0.2.1  0.500 ms",
    "  0.400 ms",
    "  0.300 ms",
    "\n 2  *",
    " *",
    " *",
    "\n 3  192.0.2.50  5.000 ms !H",
    "  5.100 ms !H",
    "  5.200 ms !H",
    "\n",
  ];

  test("emits each hop as soon as its last probe is printed, before the next hop starts", () => {
    const emitted: { hop: number; afterWrite: number }[] = [];
    let written = 0;
    const stream = new TracerouteStream({
      queries: 3,
      onHop: (h) => emitted.push({ hop: h.number, afterWrite: written }),
    });
    for (const chunk of writes) {
      written++;
      stream.push(chunk);
    }
    const result = stream.end();
    expect(emitted).toEqual([
      { hop: 1, afterWrite: 4 },
      { hop: 2, afterWrite: 7 },
      { hop: 3, afterWrite: 10 },
    ]);
    expect(stream.header?.ip).toBe("192.0.2.50");
    expect(result.hops.map((h) => h.number)).toEqual([1, 2, 3]);
    expect(result.hops[2]?.annotations).toEqual(["!H"]);
  });

  test("a hop with fewer probes than expected is emitted when the next begins or output ends", () => {
    const emitted: number[] = [];
    const stream = new TracerouteStream({ queries: 10, onHop: (h) => emitted.push(h.number) });
    stream.push(writes.slice(0, 4).join(""));
    expect(emitted).toEqual([]);
    stream.push(writes[4]!);
    expect(emitted).toEqual([1]);
    stream.push(" *");
    stream.end();
    expect(emitted).toEqual([1, 2]);
  });

  test("any chunking gives the same hops as the whole text", async () => {
    const text = await sample("traceroute_partial.txt");
    const whole = parseTraceroute(text).hops;
    for (const size of [1, 2, 3, 7, 16]) {
      const stream = new TracerouteStream({ queries: 5 });
      for (let i = 0; i < text.length; i += size) stream.push(text.slice(i, i + size));
      expect(stream.end().hops).toEqual(whole);
    }
  });

  test("an annotation arriving after the hop was emitted replaces it", () => {
    const emitted: TracerouteHop[] = [];
    const stream = new TracerouteStream({ queries: 1, onHop: (h) => emitted.push(h) });
    stream.push("traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 60 byte packets\n 1  127.0.0.1  0.2 ms");
    stream.push(" !X");
    const { hops } = stream.end();
    expect(emitted.map((h) => h.annotations)).toEqual([[], ["!X"]]);
    expect(hops).toHaveLength(1);
    expect(hops[0]?.annotations).toEqual(["!X"]);
    expect(stream.completedHops).toEqual(hops);
  });

  test("a hop cut short by a kill is still reported at the end", () => {
    const stream = new TracerouteStream({ queries: 3 });
    stream.push("traceroute to 127.0.0.1 (127.0.0.1), 30 hops max, 60 byte packets\n 1  * *");
    expect(stream.completedHops).toEqual([]);
    expect(stream.end().hops[0]?.rtts).toEqual([null, null]);
  });
});

describe("shouldStopTraceroute", () => {
  test("stops after the given number of consecutive silent hops", () => {
    const hops = [hop({ number: 1 }), silent(2), silent(3), silent(4)];
    expect(shouldStopTraceroute(hops, 3)).toBe(true);
    expect(shouldStopTraceroute(hops, 4)).toBe(false);
  });

  test("a responding hop resets the count", () => {
    expect(shouldStopTraceroute([silent(1), silent(2), hop({ number: 3 }), silent(4)], 2)).toBe(false);
  });

  test("partial loss is not silence", () => {
    const lossy = hop({ number: 2, rtts: [null, 1, null], loss: 200 / 3 });
    expect(shouldStopTraceroute([silent(1), lossy, silent(3)], 2)).toBe(false);
  });

  test("the default tolerates the three silent hops the original stopped at", () => {
    const three = [hop({ number: 1 }), silent(2), silent(3), silent(4)];
    expect(shouldStopTraceroute(three)).toBe(false);
    const many = [hop({ number: 1 }), ...Array.from({ length: DEFAULT_MAX_SILENT_HOPS }, (_, i) => silent(i + 2))];
    expect(shouldStopTraceroute(many)).toBe(true);
  });
});

describe("failures", () => {
  test("unresolvable host (sample: exit 2)", async () => {
    const run = (await transcript()).find((r) => r.exitCode === 2)!;
    expect(describeTracerouteFailure(run.output, "nonexistent.invalid")).toBe("unknown host nonexistent.invalid");
    expect(() => checkTracerouteExit({ exitCode: 2, stderr: run.output }, "nonexistent.invalid")).toThrow(
      TracerouteError,
    );
  });

  test("missing privileges", () => {
    const stderr =
      "You do not have enough privileges to use this traceroute method.\nsocket: Operation not permitted\n";
    expect(describeTracerouteFailure(stderr, "x")).toContain("CAP_NET_RAW");
  });

  test("other errors quote traceroute's first line", () => {
    expect(describeTracerouteFailure("no more than 10 probes per hop\n", "x")).toBe(
      "traceroute failed: no more than 10 probes per hop",
    );
  });

  test("exit 0 (even unreachable) and a killed run are not failures", () => {
    expect(() => checkTracerouteExit({ exitCode: 0, stderr: "" }, "x")).not.toThrow();
    expect(() => checkTracerouteExit({ exitCode: null, stderr: "" }, "x")).not.toThrow();
  });
});
