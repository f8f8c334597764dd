import { expect, test } from "bun:test";
import { plainError } from "../../src/core/plain-error";

test("a cause repeated once per URL tried is said once, in plain words", () => {
  const raw =
    "speedtest.net server list unavailable: getaddrinfo ENOTFOUND www.speedtest.net; getaddrinfo ENOTFOUND www.speedtest.net; getaddrinfo ENOTFOUND www.speedtest.net";
  expect(plainError(raw)).toBe(
    "speedtest.net server list unavailable: www.speedtest.net could not be found (DNS lookup failed)",
  );
});

test.each([
  ["getaddrinfo ENOTFOUND example.invalid", "example.invalid could not be found (DNS lookup failed)"],
  ["getaddrinfo EAI_AGAIN example.com", "the DNS lookup of example.com failed for now (try again later)"],
  ["ECONNREFUSED: Unable to connect. Is the computer able to access the url?", "the connection was refused"],
  [
    "LibreSpeed download failed: ECONNRESET: The socket connection was closed unexpectedly.",
    "LibreSpeed download failed: the connection was closed unexpectedly",
  ],
  ["speedtest.net upload failed: The operation timed out.", "speedtest.net upload failed: the connection timed out"],
  ["a; b; a", "a; b"],
])("%p reads %p", (raw, plain) => {
  expect(plainError(raw)).toBe(plain);
});

test("messages that are already plain pass unchanged", () => {
  for (const m of [
    "iperf3 is not installed",
    "the server is busy running a test; try again later",
    "LibreSpeed getIP failed: HTTP 500 from https://example.com/getIP.php",
    'interval: "x" is not a valid interval',
  ])
    expect(plainError(m)).toBe(m);
});
