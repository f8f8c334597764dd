import { describe, expect, test } from "bun:test";
import {
  describeIperf3Error,
  findIperf3Error,
  parseIperf3Json,
  parseIperf3Line,
  parseIperf3Text,
} from "../../src/measure/providers/iperf3-output";
import { ProviderError } from "../../src/measure/providers/provider";

/**
 * Captures are byte-exact copies of the reference samples. The JSON ones carry a
 * `.txt` suffix so Biome leaves iperf3's own formatting alone (tabs, and the
 * duplicate keys -P prints); the `rc=N` line the capture script appended is dropped.
 */
async function sample(name: string): Promise<string> {
  const file = name.endsWith(".json") ? `${name}.txt` : name;
  const text = await Bun.file(`${import.meta.dir}/../fixtures/samples/${file}`).text();
  return text.replace(/^rc=\d+\n?$/m, "");
}
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("parseIperf3Line", () => {
  test("TCP sender interval: binary bytes, decimal bits, no side", () => {
    expect(parseIperf3Line("[  5]   0.00-0.50   sec  1.38 GBytes  23.6 Gbits/sec   10    895 KBytes       ")).toEqual({
      stream: 5,
      startSeconds: 0,
      endSeconds: 0.5,
      bytes: Math.round(1.38 * GiB),
      mbps: 23600,
      jitterMs: null,
      lostDatagrams: null,
      totalDatagrams: null,
      lossPercent: null,
      side: null,
      omitted: false,
    });
  });

  test("summary lines carry their side", () => {
    expect(
      parseIperf3Line("[  5]   0.00-2.00   sec  5.50 GBytes  23.6 Gbits/sec   12             sender"),
    ).toMatchObject({ side: "sender", endSeconds: 2, mbps: 23600 });
    expect(
      parseIperf3Line("[  5]   0.00-2.00   sec  4.93 GBytes  21.2 Gbits/sec                  receiver"),
    ).toMatchObject({ side: "receiver", bytes: Math.round(4.93 * GiB) });
  });

  test("[SUM] lines of -P > 1", () => {
    expect(parseIperf3Line("[SUM]   1.00-1.50   sec  1009 MBytes  16.9 Gbits/sec    8             ")).toMatchObject({
      stream: "SUM",
      startSeconds: 1,
      endSeconds: 1.5,
      bytes: 1009 * MiB,
      mbps: 16900,
      side: null,
    });
  });

  test("UDP receiver figures; loss from the exact counts, not the %.2g text", () => {
    const line = parseIperf3Line(
      "[  5]   0.00-2.00   sec  4.30 MBytes  18.0 Mbits/sec  0.007 ms  337/3452 (9.8%)  receiver",
    );
    expect(line).toMatchObject({ jitterMs: 0.007, lostDatagrams: 337, totalDatagrams: 3452, side: "receiver" });
    expect(line?.lossPercent).toBeCloseTo((337 / 3452) * 100, 10);
    expect(
      parseIperf3Line("[  5]   0.00-1.00   sec  0.00 Bytes  0.00 bits/sec  0.000 ms  40/40 (1e+02%)  receiver")
        ?.lossPercent,
    ).toBe(100);
    expect(
      parseIperf3Line("[  5]   0.00-1.00   sec  0.00 Bytes  0.00 bits/sec  0.000 ms  0/0 (0%)  receiver"),
    ).toMatchObject({ lossPercent: 0, totalDatagrams: 0 });
  });

  test("UDP sender interval (datagram count only) has no jitter", () => {
    expect(parseIperf3Line("[  5]   0.00-0.50   sec  1.22 MBytes  20.4 Mbits/sec  39  ")).toMatchObject({
      mbps: 20.4,
      jitterMs: null,
      side: null,
    });
  });

  test("-f k rates, --timestamps prefixes, (omitted) warm-up, zero transfers", () => {
    expect(parseIperf3Line("[  5]   0.00-0.50   sec   320 KBytes  5242 Kbits/sec  10  ")).toMatchObject({
      bytes: 320 * 1024,
      mbps: 5.242,
    });
    expect(
      parseIperf3Line(
        "Thu Nov 26 06:18:35 2026 [  5]   0.00-0.50   sec  1.50 GBytes  25746 Mbits/sec    2    895 KBytes       ",
      ),
    ).toMatchObject({ stream: 5, mbps: 25746 });
    expect(
      parseIperf3Line("[  5]   0.00-1.00   sec  2.50 GBytes  21.5 Gbits/sec    0    767 KBytes       (omitted)")
        ?.omitted,
    ).toBe(true);
    expect(
      parseIperf3Line("[  5]   0.00-1.30   sec  0.00 Bytes  0.00 bits/sec                  receiver"),
    ).toMatchObject({
      bytes: 0,
      mbps: 0,
    });
  });

  test.each([
    "Connecting to host 127.0.0.1, port 5201",
    "[  5] local 127.0.0.1 port 34142 connected to 127.0.0.1 port 5201",
    "[ ID] Interval           Transfer     Bitrate         Retr  Cwnd",
    "- - - - - - - - - - - - - - - - - - - - - - - - -",
    "iperf Done.",
    "iperf3: error - the server is busy running a test. try again later",
    "",
  ])("ignores %p", (line) => {
    expect(parseIperf3Line(line)).toBeNull();
  });

  test("--bidir role lines are not taken for plain ones (the provider never runs --bidir)", async () => {
    const lines = (await sample("iperf3_bidir_human.txt")).split("\n");
    expect(lines.map(parseIperf3Line).filter(Boolean)).toEqual([]);
  });

  test("a -P 2 report yields per-stream and [SUM] intervals, then summaries", async () => {
    const lines = (await sample("iperf3_tcp_human_P2.txt"))
      .split("\n")
      .map(parseIperf3Line)
      .filter((l) => l !== null);
    const sumIntervals = lines.filter((l) => l.stream === "SUM" && l.side === null);
    expect(sumIntervals.map((l) => l.endSeconds)).toEqual([0.5, 1, 1.5, 2]);
    expect(sumIntervals.map((l) => l.mbps)).toEqual([19900, 15400, 16900, 26400]);
    expect(lines.filter((l) => l.side !== null)).toHaveLength(6);
  });
});

describe("parseIperf3Text (human summaries)", () => {
  test.each([
    ["iperf3_tcp_human.txt", 23600, 5.5 * GiB, 2, null],
    ["iperf3_tcp_human_R.txt", 21200, 4.93 * GiB, 2, null],
    ["iperf3_tcp_human_P2.txt", 19600, 4.57 * GiB, 2, null],
    ["iperf3_tbf50_netns.txt", 47.2, 16.9 * MiB, 3, null],
    ["iperf3_human_fm_ts.txt", 25744, 3 * GiB, 1, null],
    ["iperf3_udp_human.txt", 20.1, 4.78 * MiB, 2, 0.008],
    ["iperf3_udp_human_R.txt", 20.1, 4.78 * MiB, 2, 0.009],
    ["iperf3_udp_fk.txt", 5.242, 640 * 1024, 1, 0.003],
  ])("%s → receiver figures", async (file, mbps, bytes, seconds, jitterMs) => {
    const result = parseIperf3Text(await sample(file), "");
    expect(result.mbps).toBeCloseTo(mbps, 6);
    expect(result.bytes).toBe(Math.round(bytes));
    expect(result.seconds).toBe(seconds);
    expect(result.jitterMs).toBe(jitterMs);
    expect(result.lossPercent).toBe(jitterMs === null ? null : 0);
  });

  test("UDP loss from the receiver line", async () => {
    const result = parseIperf3Text(await sample("iperf3_udp_loss_netns.txt"), "");
    expect(result.mbps).toBe(18);
    expect(result.lossPercent).toBeCloseTo(9.76, 2);
  });

  test.each([
    ["iperf3_err_busy.txt", "the server is busy running a test; try again later"],
    ["iperf3_err_refused.txt", "connection refused: no iperf3 server is listening on that host and port"],
    ["iperf3_err_dns.txt", "unknown host: the server name could not be resolved"],
    ["iperf3_err_connect_timeout.txt", "the connection to the server timed out"],
    ["iperf3_err_serverkilled.txt", "the server stopped in the middle of the test"],
    ["iperf3_sigint_human.txt", "the test was interrupted"],
    ["iperf3_err_badopt.txt", "the installed iperf3 does not support an option Netronome needs"],
  ])("%s → %p", async (file, message) => {
    const text = await sample(file);
    // Errors go to stderr in human mode; the sample captures mix both streams, so try each side.
    for (const [stdout, stderr] of [
      ["", text],
      [text, ""],
    ] as const) {
      expect(() => parseIperf3Text(stdout, stderr)).toThrow(ProviderError);
      expect(() => parseIperf3Text(stdout, stderr)).toThrow(message);
    }
  });

  test("a report without a receiver summary is not a result", () => {
    const cut = "[  5]   0.00-0.50   sec  1.38 GBytes  23.6 Gbits/sec   10    895 KBytes\n";
    expect(() => parseIperf3Text(cut, "")).toThrow("iperf3 finished without reporting a result");
  });
});

describe("parseIperf3Json", () => {
  test("TCP upload: goodput is sum_received, not sum_sent", async () => {
    const result = parseIperf3Json(await sample("iperf3_tcp.json"));
    expect(result).toEqual({
      mbps: 21495257907.9938 / 1e6,
      bytes: 5375262720,
      seconds: 2.000539,
      jitterMs: null,
      lossPercent: null,
    });
  });

  test("TCP download (-R): sum_received is what reached the client (sum_sent is larger)", async () => {
    const result = parseIperf3Json(await sample("iperf3_tcp_reverse.json"));
    expect(result.bytes).toBe(5867175936);
    expect(result.mbps).toBeCloseTo(23467.835434, 6);
  });

  test("-P 2 sums all streams", async () => {
    const result = parseIperf3Json(await sample("iperf3_tcp_P2.json"));
    expect(result.bytes).toBe(3688366080);
    expect(result.mbps).toBeCloseTo(14745.796506, 6);
  });

  test.each([
    ["iperf3_udp.json", 50.06257033400874, 0.007602496082365728],
    ["iperf3_udp_reverse.json", 50.0673010387543, 0.00848916713957215],
  ])("UDP %s: receiver jitter and loss", async (file, mbps, jitterMs) => {
    const result = parseIperf3Json(await sample(file));
    expect(result.mbps).toBeCloseTo(mbps, 9);
    expect(result.bytes).toBe(12517376);
    expect(result.jitterMs).toBe(jitterMs);
    expect(result.lossPercent).toBe(0);
  });

  test("UDP figures fall back to end.sum when sum_received lacks them", () => {
    const doc = {
      start: { test_start: { protocol: "UDP" } },
      end: {
        sum: { jitter_ms: 0.5, lost_percent: 12.5 },
        sum_received: { bits_per_second: 1e6, bytes: 125000, seconds: 1 },
      },
    };
    expect(parseIperf3Json(JSON.stringify(doc))).toMatchObject({ mbps: 1, jitterMs: 0.5, lossPercent: 12.5 });
  });

  test.each([
    ["iperf3_err_busy.json", "the server is busy running a test; try again later"],
    ["iperf3_err_refused.json", "connection refused"],
    ["iperf3_err_dns.json", "unknown host"],
    ["iperf3_err_serverkilled.json", "the server stopped in the middle of the test"],
    ["iperf3_sigint.json", "the test was interrupted"],
  ])("%s: the error key wins, even though 3.12 exited 0 and the document has figures", async (file, message) => {
    const text = await sample(file);
    expect(() => parseIperf3Json(text)).toThrow(ProviderError);
    expect(() => parseIperf3Json(text)).toThrow(message);
  });

  test.each([
    ["", "not valid JSON"],
    ["{", "not valid JSON"],
    ["[]", "without reporting a result"],
    ['{"start":{},"intervals":[],"end":{}}', "without reporting a result"],
  ])("rejects %p", (text, message) => {
    expect(() => parseIperf3Json(text)).toThrow(message);
  });
});

describe("iperf3 error texts", () => {
  test("findIperf3Error picks the error line out of mixed output", () => {
    const text =
      "Connecting to host 127.0.0.1, port 5201\niperf3: error - unable to connect to server: Connection refused\n";
    expect(findIperf3Error(text)).toBe("unable to connect to server: Connection refused");
    expect(findIperf3Error("iperf Done.\n")).toBeNull();
  });

  test.each([
    ["unable to connect to server: No route to host", "there is no route to the server"],
    ["unable to connect to server: Network is unreachable", "the network is unreachable"],
    ["unable to connect to server: Temporary failure in name resolution", "the DNS server did not answer"],
    ["unable to connect stream: Connection refused", "data connections failed"],
    ["unable to write to stream socket: Broken pipe", "the server stopped in the middle of the test"],
    ["unable to read from stream socket: Connection reset by peer", "the server stopped in the middle of the test"],
    ["control socket has closed unexpectedly", "the server stopped in the middle of the test"],
    ["unable to receive results: Bad file descriptor", "the server stopped in the middle of the test"],
    ["test authorization failed", "authentication"],
    ["iperf3: error - something new", "iperf3 failed: something new"],
  ])("%p → %p", (raw, meaning) => {
    expect(describeIperf3Error(raw)).toContain(meaning);
  });
});
