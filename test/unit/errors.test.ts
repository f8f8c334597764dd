/** The Retry-After header a 429 carries, on the hub and on the agent. */
import { expect, test } from "bun:test";
import { TooManyRequests } from "../../src/core/errors";

test("Retry-After is whole seconds (RFC 9110 delay-seconds), rounded up and at least 1", () => {
  const header = (seconds: number) => new TooManyRequests("busy", seconds).retryAfterHeader;
  expect([header(5), header(2.01), header(0.2), header(0), header(-3)]).toEqual(["5", "3", "1", "1", "1"]);
});
