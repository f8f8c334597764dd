import { afterEach, describe, expect, test } from "bun:test";
import { localTimestamp, validateHistoryInterface } from "../../../src/agent/agent.service";
import { BadInput } from "../../../src/core/errors";

const savedTz = process.env.TZ;
afterEach(() => {
  process.env.TZ = savedTz;
});

describe("agent service helpers", () => {
  test("server_time is local RFC 3339 with the offset, like vnstat's local dates", () => {
    const at = new Date("2026-12-03T10:15:30.250Z");
    process.env.TZ = "UTC";
    expect(localTimestamp(at)).toBe("2026-12-03T10:15:30+00:00");
    process.env.TZ = "Asia/Kolkata";
    expect(localTimestamp(at)).toBe("2026-12-03T15:45:30+05:30");
    process.env.TZ = "America/New_York";
    expect(localTimestamp(at)).toBe("2026-12-03T05:15:30-05:00");
    expect(Date.parse(localTimestamp(at))).toBe(Date.parse("2026-12-03T10:15:30Z"));
  });

  test("?interface= accepts interface names and vnstat's a+b merges, nothing else", () => {
    for (const ok of ["eth0", "enp3s0f1", "wg0", "br-1a2b3c4d5e6f", "eth0.100", "bond0:1", "eth0+eth1"])
      expect(validateHistoryInterface(ok)).toBe(ok);
    for (const bad of ["-eth0", "eth0 ", "eth0+", "+eth0", "a/b", "a".repeat(16), "ëth0", "a;b", "a+b+c+d+e+f+g+h+i"]) {
      expect(() => validateHistoryInterface(bad)).toThrow(BadInput);
    }
  });
});
