import { expect, test } from "bun:test";
import { maxPacketCount, runBudgetSeconds, runSpacingSeconds } from "../../src/diagnostics/monitors/budget";
import { stateOf, transition } from "../../src/diagnostics/monitors/state";
import { planProbe } from "../../src/measure/probes/plan";
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
  const plan = (count: number, budgetSeconds: number, icmp: boolean, root: boolean) =>
    planProbe({ count, budgetSeconds, icmp }, { root });
  const spacing = (p: ReturnType<typeof plan>) => Object.fromEntries(p.steps.map((s) => [s.method, s.spacingSeconds]));
  // An hourly monitor: the usual second between probes, for mtr and ping alike.
  expect(spacing(plan(10, runBudgetSeconds(interval("1h")), false, false))).toEqual({ mtr: 1, ping: 1 });
  // Every 10 s with 10 probes: mtr at one a second (plus its wait for late replies) would overrun, so ping runs,
  // faster; as root with ICMP probes mtr itself may go faster.
  const tight = runBudgetSeconds(interval("10s"));
  expect(spacing(plan(10, tight, false, false))).toEqual({ ping: 0.6 });
  expect(spacing(plan(10, tight, false, true))).toEqual({ ping: 0.6 });
  expect(spacing(plan(10, tight, true, true)).mtr).toBeCloseTo(0.6, 9);
  expect(plan(10, tight, true, true).timeoutSeconds).toBeGreaterThan(8);
});

test("a plan says why mtr cannot run: the time it needs, the budget, and what would let it probe faster", () => {
  const tight = runBudgetSeconds(interval("10s"));
  expect(planProbe({ count: 10, budgetSeconds: tight, icmp: false }, { root: false }).skipped).toEqual([
    {
      method: "mtr",
      reason:
        "mtr would need 12 s for 10 probes at one a second (mtr sends probes less than a second apart only when Netronome runs as root), more than the 8 s a run may take (6 probes fit)",
    },
  ]);
  expect(planProbe({ count: 10, budgetSeconds: tight, icmp: false }, { root: true }).skipped[0]?.reason).toContain(
    "privileged_mode = true uses ICMP",
  );
  expect(planProbe({ count: 10, budgetSeconds: tight, icmp: true }, { root: true }).skipped).toEqual([]);
  // Exactly at the edge: 6 probes a second apart plus the 2 s grace fill the 8 s.
  expect(planProbe({ count: 6, budgetSeconds: tight, icmp: false }, { root: false }).skipped).toEqual([]);
  expect(planProbe({ count: 7, budgetSeconds: tight, icmp: false }, { root: false }).skipped).toHaveLength(1);
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
