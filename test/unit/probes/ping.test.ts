import { describe, expect, test } from "bun:test";
import { BadInput } from "../../../src/core/errors";
import {
  describePingFailure,
  PingError,
  type PingReply,
  parsePingReply,
  parsePingSummary,
  pingArgv,
  runPing,
} from "../../../src/measure/probes/ping";
import { describeIf, hasCommand } from "../../helpers/env";

const sample = (name: string) => Bun.file(`${import.meta.dir}/../../fixtures/samples/${name}`).text();

describe("pingArgv", () => {
  test("builds iputils flags: count, interval in seconds, -W in seconds, family, then -- host", () => {
    expect(pingArgv({ host: "127.0.0.1", family: 4, count: 5, intervalMs: 1000, timeoutSeconds: 10 })).toEqual([
      "ping",
      "-n",
      "-c",
      "5",
      "-i",
      "1",
      "-W",
      "10",
      "-4",
      "--",
      "127.0.0.1",
    ]);
  });

  test("never passes -w: with a deadline iputils sends past -c until that many replies arrive", () => {
    for (const count of [1, 50, 1000])
      expect(pingArgv({ host: "192.0.2.1", family: 4, count, intervalMs: 10, timeoutSeconds: 2 })).not.toContain("-w");
  });

  test("leaves the family to ping for names", () => {
    expect(pingArgv({ host: "localhost", family: 0, count: 3, intervalMs: 200, timeoutSeconds: 1 })).toEqual([
      "ping",
      "-n",
      "-c",
      "3",
      "-i",
      "0.2",
      "-W",
      "1",
      "--",
      "localhost",
    ]);
  });

  test("passes -6 for IPv6 literals", () => {
    expect(pingArgv({ host: "::1", family: 6, count: 1, intervalMs: 500, timeoutSeconds: 2 })).toContain("-6");
  });

  test("raises intervals below the 2 ms non-root minimum instead of letting ping refuse them", () => {
    const argv = pingArgv({ host: "127.0.0.1", family: 4, count: 2, intervalMs: 0.5, timeoutSeconds: 1 });
    expect(argv[argv.indexOf("-i") + 1]).toBe("0.002");
  });

  test.each([
    [{ host: "-oFlag" }, "must not start with '-'"],
    [{ host: "a;b" }, "metacharacters"],
    [{ count: 0 }, "count"],
    [{ count: 1.5 }, "count"],
    [{ intervalMs: 0 }, "intervalMs"],
    [{ timeoutSeconds: -1 }, "timeoutSeconds"],
  ])("rejects %p", (override, why) => {
    const args = { host: "127.0.0.1", family: 4 as const, count: 3, intervalMs: 1000, timeoutSeconds: 1, ...override };
    expect(() => pingArgv(args)).toThrow(BadInput);
    expect(() => pingArgv(args)).toThrow(why);
  });
});

describe("parsePingReply", () => {
  test("reads seq, ttl and a fractional RTT", () => {
    expect(parsePingReply("64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.030 ms")).toEqual({
      from: "127.0.0.1",
      seq: 1,
      ttl: 64,
      rttMs: 0.03,
      duplicate: false,
    });
  });

  test("takes the address from `name (ip)`, handles IPv6, -D timestamps, integer RTTs and DUP!", () => {
    expect(parsePingReply("64 bytes from localhost (127.0.0.1): icmp_seq=1 ttl=64 time=0.026 ms")?.from).toBe(
      "127.0.0.1",
    );
    expect(parsePingReply("64 bytes from ::1: icmp_seq=7 ttl=64 time=0.286 ms")).toMatchObject({ from: "::1", seq: 7 });
    expect(parsePingReply("[1795674043.139693] 64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.011 ms")?.rttMs).toBe(
      0.011,
    );
    expect(parsePingReply("64 bytes from 192.0.2.9: icmp_seq=3 ttl=52 time=123 ms")?.rttMs).toBe(123);
    expect(parsePingReply("64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.040 ms (DUP!)")?.duplicate).toBe(true);
  });

  test.each([
    "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.",
    "no answer yet for icmp_seq=6",
    "From 192.0.2.1 icmp_seq=1 Destination Host Unreachable",
    "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 (truncated)",
    "rtt min/avg/max/mdev = 0.030/0.034/0.038/0.003 ms",
    "",
  ])("ignores %p", (line) => {
    expect(parsePingReply(line)).toBeNull();
  });

  test("every reply line of the captured samples parses, and nothing else does", async () => {
    const text = await sample("ping_loss_O.txt");
    const replies = text.split("\n").map(parsePingReply).filter(Boolean);
    expect(replies.map((r) => r?.seq)).toEqual([1, 2, 3, 4, 5, 7, 10]);
  });
});

describe("parsePingSummary", () => {
  test.each([
    [
      "ping_basic.txt",
      { transmitted: 3, received: 3, lossPercent: 0, minMs: 0.03, avgMs: 0.034, maxMs: 0.038, mdevMs: 0.003 },
    ],
    [
      "ping_D_O.txt",
      { transmitted: 3, received: 3, lossPercent: 0, minMs: 0.011, avgMs: 0.03, maxMs: 0.041, mdevMs: 0.013 },
    ],
    ["ping_w.txt", { transmitted: 4, received: 4, lossPercent: 0, avgMs: 0.029 }],
    ["ping_n_W.txt", { transmitted: 3, received: 3, avgMs: 0.031 }],
    ["ping_q.txt", { transmitted: 2, received: 2, avgMs: 0.027, mdevMs: 0.007 }],
    ["ping_localhost.txt", { transmitted: 1, received: 1, minMs: 0.026, mdevMs: 0 }],
    ["ping_unpriv_dgram.txt", { transmitted: 2, received: 2, avgMs: 0.054 }],
    ["ping_sigquit.out", { transmitted: 8, received: 8, maxMs: 0.034 }],
    ["ping_loss.txt", { transmitted: 10, received: 4, lossPercent: 60, minMs: 0.042, maxMs: 0.052 }],
    ["ping_loss_O.txt", { transmitted: 10, received: 7, lossPercent: 30, avgMs: 0.038 }],
  ])("%s", async (file, expected) => {
    const summary = parsePingSummary(await sample(file));
    expect(summary).toMatchObject({ duplicates: 0, errors: 0, ...expected });
  });

  test.each([
    ["ping_allloss.txt", 3],
    ["ping_allloss_w.txt", 4],
  ])("%s: 100 %% loss has null RTTs", async (file, transmitted) => {
    expect(parsePingSummary(await sample(file))).toEqual({
      transmitted,
      received: 0,
      duplicates: 0,
      errors: 0,
      lossPercent: 100,
      minMs: null,
      avgMs: null,
      maxMs: null,
      mdevMs: null,
    });
  });

  test("counts ICMP errors and duplicates, and keeps %g loss figures", () => {
    const errors = "5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4005ms\n";
    expect(parsePingSummary(errors)).toMatchObject({ transmitted: 5, received: 0, errors: 5, lossPercent: 100 });
    const dups = [
      "3 packets transmitted, 3 received, +2 duplicates, 0% packet loss, time 2003ms",
      "rtt min/avg/max/mdev = 0.030/0.034/0.038/0.003 ms",
    ].join("\n");
    expect(parsePingSummary(dups)).toMatchObject({ received: 3, duplicates: 2, avgMs: 0.034 });
    const partial = "3 packets transmitted, 2 received, +1 errors, 33.3333% packet loss, time 2002ms";
    expect(parsePingSummary(partial)).toMatchObject({ errors: 1, lossPercent: 33.3333 });
  });

  test("ignores the ipg/ewma suffix of flood and adaptive mode", () => {
    const text = [
      "100 packets transmitted, 100 received, 0% packet loss, time 5ms",
      "rtt min/avg/max/mdev = 0.005/0.010/0.022/0.008 ms, ipg/ewma 0.041/0.018 ms",
    ].join("\n");
    expect(parsePingSummary(text)).toMatchObject({ minMs: 0.005, avgMs: 0.01, maxMs: 0.022, mdevMs: 0.008 });
  });

  test("also reads BusyBox/macOS `round-trip` lines (the only form the original understood)", () => {
    const text = [
      "3 packets transmitted, 3 packets received, 0% packet loss",
      "round-trip min/avg/max = 0.1/0.2/0.3 ms",
    ].join("\n");
    expect(parsePingSummary(text)).toMatchObject({ received: 3, avgMs: 0.2, mdevMs: null });
  });

  test("returns null without statistics (errors, killed ping)", async () => {
    expect(parsePingSummary(await sample("ping_err_dns.txt"))).toBeNull();
    expect(parsePingSummary("PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n")).toBeNull();
  });
});

describe("describePingFailure", () => {
  test("unknown host", async () => {
    expect(describePingFailure(await sample("ping_err_dns.txt"), "nonexistent.invalid")).toBe(
      "unknown host nonexistent.invalid",
    );
  });

  test("missing capability", async () => {
    expect(describePingFailure(await sample("ping_err_noperm.txt"), "127.0.0.1")).toContain("CAP_NET_RAW");
  });

  test.each([
    ["ping: example.test: Temporary failure in name resolution", "DNS server did not answer"],
    ["ping: connect: Network is unreachable", "unreachable"],
    ["ping: cannot flood; minimal interval allowed for user is 2ms", "2 ms minimum"],
    ["ping: invalid argument: '1.5'", "ping failed: invalid argument: '1.5'"],
    ["", "ping failed"],
  ])("%p", (stderr, expected) => {
    expect(describePingFailure(stderr, "example.test")).toContain(expected);
  });
});

describeIf(hasCommand("ping"), "ping (iputils) is not installed", "runPing against loopback", () => {
  test("measures 127.0.0.1 and streams each reply", async () => {
    const replies: PingReply[] = [];
    const summary = await runPing(
      { host: "127.0.0.1", family: 4 },
      { count: 3, intervalMs: 200, timeoutSeconds: 1 },
      { onReply: (r) => replies.push(r) },
    );
    expect(summary).toMatchObject({ transmitted: 3, received: 3, lossPercent: 0 });
    for (const ms of [summary.minMs, summary.avgMs, summary.maxMs, summary.mdevMs]) {
      expect(ms).toBeNumber();
      expect(ms!).toBeGreaterThanOrEqual(0);
    }
    expect(summary.avgMs!).toBeGreaterThan(0);
    expect(replies.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(replies.every((r) => r.from === "127.0.0.1" && r.rttMs > 0)).toBe(true);
  });

  test("measures ::1", async () => {
    const summary = await runPing({ host: "::1", family: 6 }, { count: 2, intervalMs: 200, timeoutSeconds: 1 });
    expect(summary).toMatchObject({ transmitted: 2, received: 2 });
    expect(summary.avgMs!).toBeGreaterThan(0);
  });

  test("exit code 2 becomes a plain-English PingError", async () => {
    // Forcing IPv6 on an IPv4 literal fails inside ping without sending anything.
    const attempt = runPing({ host: "127.0.0.1", family: 6 }, { count: 1, intervalMs: 200, timeoutSeconds: 1 });
    await expect(attempt).rejects.toThrow(PingError);
    await expect(attempt).rejects.toThrow("127.0.0.1 has no address of the requested IP version");
  });

  test("aborting kills ping and rejects with the abort reason", async () => {
    const controller = new AbortController();
    const reason = new Error("stopped by test");
    const attempt = runPing(
      { host: "127.0.0.1", family: 4 },
      { count: 50, intervalMs: 200, timeoutSeconds: 1 },
      { signal: controller.signal, onReply: () => controller.abort(reason) },
    );
    await expect(attempt).rejects.toBe(reason);
  });
});
