import { expect, test } from "bun:test";
import { LoginThrottle } from "../../src/auth/login-throttle";
import { TooManyRequests } from "../../src/core/errors";

test("attempts in flight count: the eleventh reservation is refused before any of the first ten has finished", () => {
  const throttle = new LoginThrottle(10, 60_000, () => 0);
  const attempts = Array.from({ length: 10 }, () => throttle.reserve(["source:a"]));
  expect(() => throttle.reserve(["source:a"])).toThrow(TooManyRequests);
  expect(attempts).toHaveLength(10);
});

test("a successful attempt gives its reservation back, a failed one keeps counting until the window ends", () => {
  let now = 0;
  const throttle = new LoginThrottle(2, 60_000, () => now);
  throttle.reserve(["source:a"]).succeeded();
  throttle.reserve(["source:a"]).failed();
  throttle.reserve(["source:a"]).failed();
  const refused = (() => {
    try {
      throttle.reserve(["source:a"]);
    } catch (e) {
      return e as TooManyRequests;
    }
  })();
  expect(refused?.retryAfterSeconds).toBe(60);
  // Another source is unaffected; after the window the source may try again.
  expect(() => throttle.reserve(["source:b"])).not.toThrow();
  now = 60_000;
  expect(() => throttle.reserve(["source:a"])).not.toThrow();
});

test("several keys: refused when any is used up, and then none is charged", () => {
  const throttle = new LoginThrottle(1, 60_000, () => 0);
  throttle.reserve(["user:1"]).failed();
  expect(() => throttle.reserve(["source:a", "user:1"])).toThrow(TooManyRequests);
  // source:a was not charged by the refused attempt.
  expect(() => throttle.reserve(["source:a"])).not.toThrow();
});

test("settling twice counts once", () => {
  const throttle = new LoginThrottle(1, 60_000, () => 0);
  const attempt = throttle.reserve(["k"]);
  attempt.failed();
  attempt.succeeded();
  expect(() => throttle.reserve(["k"])).toThrow(TooManyRequests);
});

test("a flood of sources is bounded: the oldest are forgotten, the newest still counted", () => {
  const throttle = new LoginThrottle(1, 60_000, () => 0, 100);
  for (let i = 0; i < 1000; i++) throttle.reserve([`source:${i}`]).failed();
  expect(() => throttle.reserve(["source:999"])).toThrow(TooManyRequests);
  expect(() => throttle.reserve(["source:0"])).not.toThrow();
});
