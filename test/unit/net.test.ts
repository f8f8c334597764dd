import { describe, expect, test } from "bun:test";
import { ipInRanges, parseCidr } from "../../src/core/net";

describe("CIDR matching", () => {
  const ranges = ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1/128"].map((c) => parseCidr(c)!);

  test.each([
    ["10.200.3.4", true],
    ["11.0.0.1", false],
    ["192.168.1.7", true],
    ["192.168.1.8", false],
    ["::ffff:10.1.2.3", true],
    ["fd12:3456::1", true],
    ["fe80::1", false],
    ["::1", true],
    ["not-an-ip", false],
  ])("%s → %p", (ip, expected) => {
    expect(ipInRanges(ip, ranges)).toBe(expected);
  });

  test("rejects malformed ranges", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "abc", "::1/129", "10.0.0.0/x"]) expect(parseCidr(bad)).toBeNull();
  });
});
