import { describe, expect, test } from "bun:test";
import { BadInput } from "../../src/core/errors";
import { formatTarget, hostProblem, parseTarget, validateHost } from "../../src/core/host";

describe("host validation", () => {
  test.each(["example.com", "a-b.example.org.", "192.0.2.1", "2001:db8::1", "localhost", "srv_1.lan"])(
    "accepts %s",
    (h) => {
      expect(hostProblem(h)).toBeNull();
    },
  );

  test.each([
    ["", "is empty"],
    ["-oProxyCommand=x", "must not start with '-'"],
    ["a b", "whitespace"],
    ["a;rm -rf /", "whitespace"],
    ["a;b", "metacharacters"],
    ["$(id)", "metacharacters"],
    ["`id`", "metacharacters"],
    ["a|b", "metacharacters"],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.e`, "longer than 253"],
    ["-", "must not start"],
    ["bad..name", "not a valid"],
  ])("rejects %p (%s)", (h, why) => {
    expect(hostProblem(h)).toContain(why);
  });

  test("validateHost throws BadInput naming the field", () => {
    expect(() => validateHost("-x", "serverHost")).toThrow(BadInput);
    expect(() => validateHost("-x", "serverHost")).toThrow("serverHost: must not start with '-'");
  });
});

describe("target parsing", () => {
  test.each([
    ["example.com", "example.com", undefined, 0],
    ["example.com:5202", "example.com", 5202, 0],
    ["192.0.2.7:80", "192.0.2.7", 80, 4],
    ["2001:db8::1", "2001:db8::1", undefined, 6],
    ["[2001:db8::1]", "2001:db8::1", undefined, 6],
    ["[2001:db8::1]:5201", "2001:db8::1", 5201, 6],
    ["https://speed.example.net:8443/path?q=1", "speed.example.net", 8443, 0],
    ["http://[::1]:8080/", "::1", 8080, 6],
    ["  host.lan  ", "host.lan", undefined, 0],
  ])("%p", (input, host, port, family) => {
    expect(parseTarget(input)).toEqual({ host, port, family: family as 0 | 4 | 6 });
  });

  test.each(["host:0", "host:70000", "host:abc", "[::1", "[::1]:x", "-host:80", "ftp://", "a b:80"])(
    "rejects %p",
    (input) => {
      expect(() => parseTarget(input)).toThrow(BadInput);
    },
  );

  test("formats IPv6 with brackets", () => {
    expect(formatTarget({ host: "::1", port: 5201 })).toBe("[::1]:5201");
    expect(formatTarget({ host: "h", port: undefined })).toBe("h");
  });
});
