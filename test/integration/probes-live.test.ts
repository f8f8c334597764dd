/**
 * The real traceroute and mtr, run through the process runner against
 * loopback only, parsed by the probe modules. Every run is numeric (`-n`):
 * a reverse lookup of an address missing from /etc/hosts would ask the
 * configured DNS server, and no traffic may leave loopback.
 */
import { expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import { run } from "../../src/core/runner";
import { MtrRawStream, mtrArgv, mtrEndToEnd, readMtrJsonRun } from "../../src/measure/probes/mtr";
import { checkTracerouteExit, TracerouteStream, tracerouteArgv } from "../../src/measure/probes/traceroute";
import type { TracerouteHop } from "../../src/protocol/measurements";
import { describeIf, hasCommand, isRoot } from "../helpers/env";

const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((address) => address?.internal && address.family === "IPv6" && address.address === "::1");

const PROBES = 3;
/** mtr refuses sub-second intervals to non-root users. */
const MTR_INTERVAL = isRoot ? 0.2 : 1;
const RUN_LIMIT_MS = 30_000;
/** mtr waits its 5 s grace time for late replies after the last probe. */
const TEST_LIMIT_MS = RUN_LIMIT_MS + 5_000;

function expectOneCleanHop(hop: { ip: string | null; loss: number } | undefined, ip: string): void {
  expect(hop?.ip).toBe(ip);
  expect(hop?.loss).toBe(0);
}

describeIf(hasCommand("traceroute"), "traceroute is not installed", "live traceroute", () => {
  async function trace(host: string, family: 4 | 6) {
    const emitted: TracerouteHop[] = [];
    const stream = new TracerouteStream({ queries: PROBES, onHop: (hop) => emitted.push(hop) });
    const argv = tracerouteArgv({ host, family, maxHops: 5, waitSeconds: 1, queries: PROBES, numeric: true });
    const result = await run(argv, {
      timeoutMs: RUN_LIMIT_MS,
      onChunk: (text, source) => {
        if (source === "stdout") stream.push(text);
      },
    });
    checkTracerouteExit(result, host);
    return { ...stream.end(), emitted };
  }

  async function expectOneHopTrace(host: string, family: 4 | 6): Promise<void> {
    const { header, hops, emitted } = await trace(host, family);
    expect(header?.ip).toBe(host);
    expect(hops).toHaveLength(1);
    expectOneCleanHop(hops[0], host);
    expect(hops[0]?.number).toBe(1);
    expect(hops[0]?.timeout).toBe(false);
    expect(hops[0]?.rtts).toHaveLength(PROBES);
    for (const rtt of hops[0]?.rtts ?? []) {
      expect(typeof rtt).toBe("number");
      expect(rtt).toBeGreaterThanOrEqual(0);
    }
    expect(emitted).toEqual(hops);
  }

  test("127.0.0.1: one hop, no loss, numeric RTTs", () => expectOneHopTrace("127.0.0.1", 4), TEST_LIMIT_MS);

  test.skipIf(!hasIpv6Loopback)(
    "::1: one hop, no loss, numeric RTTs",
    () => expectOneHopTrace("::1", 6),
    TEST_LIMIT_MS,
  );
});

describeIf(hasCommand("mtr"), "mtr is not installed", "live mtr", () => {
  async function mtrJson(host: string, family: 4 | 6, privileged: boolean) {
    const argv = mtrArgv({
      host,
      family,
      count: PROBES,
      intervalSeconds: MTR_INTERVAL,
      privileged,
      dns: false,
      format: "json",
    });
    return readMtrJsonRun(await run(argv, { timeoutMs: RUN_LIMIT_MS }), host);
  }

  test(
    "JSON report over ICMP (privileged) and UDP (unprivileged mode)",
    async () => {
      const reports = await Promise.all([mtrJson("127.0.0.1", 4, true), mtrJson("127.0.0.1", 4, false)]);
      for (const report of reports) {
        expect(report.destination).toBe("127.0.0.1");
        expect(report.hops).toHaveLength(1);
        const hop = report.hops[0];
        expectOneCleanHop(hop, "127.0.0.1");
        expect(hop).toMatchObject({ number: 1, sent: PROBES, received: PROBES });
        for (const value of [hop?.last, hop?.avg, hop?.best, hop?.worst, hop?.stddev])
          expect(typeof value).toBe("number");
        expect(report.endToEnd).toMatchObject({ reached: true, loss: 0, sent: PROBES, received: PROBES });
      }
    },
    TEST_LIMIT_MS,
  );

  test.skipIf(!hasIpv6Loopback)(
    "JSON report over IPv6 loopback",
    async () => {
      const report = await mtrJson("::1", 6, true);
      expect(report.hops).toHaveLength(1);
      expectOneCleanHop(report.hops[0], "::1");
      expect(report.endToEnd.reached).toBe(true);
    },
    TEST_LIMIT_MS,
  );

  test(
    "raw stream gives running statistics and the same final picture",
    async () => {
      const stream = new MtrRawStream("127.0.0.1");
      const snapshots: number[] = [];
      const argv = mtrArgv({
        host: "127.0.0.1",
        family: 4,
        count: PROBES,
        intervalSeconds: MTR_INTERVAL,
        privileged: false,
        dns: false,
        format: "raw",
      });
      const result = await run(argv, {
        timeoutMs: RUN_LIMIT_MS,
        onLine: (line, source) => {
          if (source === "stdout" && stream.push(line)) snapshots.push(stream.snapshot()[0]?.received ?? 0);
        },
      });
      expect(result.exitCode).toBe(0);
      expect(snapshots.at(-1)).toBe(PROBES);
      expect(snapshots.some((received) => received > 0 && received < PROBES)).toBe(true);
      const hops = stream.finish();
      expect(hops).toHaveLength(1);
      expectOneCleanHop(hops[0], "127.0.0.1");
      expect(hops[0]).toMatchObject({ number: 1, sent: PROBES, received: PROBES });
      expect(typeof hops[0]?.avg).toBe("number");
      expect(mtrEndToEnd(hops, "127.0.0.1", PROBES)).toMatchObject({ reached: true, loss: 0 });
    },
    TEST_LIMIT_MS,
  );
});
