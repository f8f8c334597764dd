import { expect, test } from "bun:test";
import { maxPacketCount, planProbe, runBudgetSeconds, runSpacingSeconds } from "../../src/diagnostics/monitors/probe";
import { stateOf, transition } from "../../src/diagnostics/monitors/state";
import { MONITOR_INTERVALS, parseInterval } from "../../src/scheduler/interval";

const interval = (text: string) => parseInterval(text, MONITOR_INTERVALS);

test("a run may take 80 % of the time to the next one; exact times count their shortest gap, past midnight too", () => {
  expect(runSpacingSeconds(interval("10s"))).toBe(10);
  expect(runBudgetSeconds(interval("10s"))).toBe(8);
  expect(runSpacingSeconds(interval("exact:06:00,18:00"))).toBe(12 * 3600);
  expect(runSpacingSeconds(interval("exact:23:50,00:10,12:00"))).toBe(20 * 60);
  expect(runSpacingSeconds(interval("exact:07:30"))).toBe(24 * 3600);
});

test("probes are one a second when there is time, and faster only where the interval needs it", () => {
  // An hourly monitor: the usual second between probes, for mtr and ping alike.
  expect(planProbe(10, runBudgetSeconds(interval("1h")), { icmp: false, root: false })).toMatchObject({
    mtrSpacing: 1,
    pingSpacing: 1,
  });
  // Every 10 s with 10 probes: mtr at one a second (plus its wait for late replies) would overrun, so ping runs,
  // faster; as root with ICMP probes mtr itself may go faster.
  const tight = runBudgetSeconds(interval("10s"));
  expect(planProbe(10, tight, { icmp: false, root: false })).toMatchObject({ mtrSpacing: null, pingSpacing: 0.6 });
  expect(planProbe(10, tight, { icmp: false, root: true }).mtrSpacing).toBeNull();
  expect(planProbe(10, tight, { icmp: true, root: true }).mtrSpacing).toBeCloseTo(0.6, 9);
  expect(planProbe(10, tight, { icmp: true, root: true }).timeoutSeconds).toBeGreaterThan(8);
});

test("the packets a run may send are bounded by the interval", () => {
  expect(maxPacketCount(interval("10s"))).toBe(60);
  expect(maxPacketCount(interval("30s"))).toBe(220);
  expect(maxPacketCount(interval("1h"))).toBeGreaterThan(1000);
});

test("the state machine: down at 100 % or nothing back, threshold above the limit, ok otherwise", () => {
  expect(stateOf({ packetLoss: 100, packetsRecv: 0 }, 5)).toBe("down");
  expect(stateOf({ packetLoss: 100, packetsRecv: 0 }, 100)).toBe("down");
  expect(stateOf({ packetLoss: 5.1, packetsRecv: 95 }, 5)).toBe("threshold_exceeded");
  expect(stateOf({ packetLoss: 5, packetsRecv: 95 }, 5)).toBe("ok");
  expect(stateOf({ packetLoss: 0, packetsRecv: 10 }, 0)).toBe("ok");
  expect(transition("ok", "ok", 0)).toBeNull();
  expect(transition("down", "ok", 0)).toEqual({ from: "down", to: "ok", packetLoss: 0 });
  expect(transition("unknown", "threshold_exceeded", 20)).toEqual({
    from: "unknown",
    to: "threshold_exceeded",
    packetLoss: 20,
  });
});
