/** public/units.js: the one formatter for the server's views and the pages' live figures. */
import { expect, test } from "bun:test";
import { change, dateTime, ms, percent, rate, rateParts, rateScale, relative, tick } from "../../public/units.js";

test.each([
  [0, "0 Mbit/s"],
  [0.853, "0.85 Mbit/s"],
  [12.44, "12.4 Mbit/s"],
  [941.2, "941 Mbit/s"],
  // Rounding to 1,000 Mbit/s reads as 1.00 Gbit/s, never "1000 Mbit/s".
  [999.7, "1.00 Gbit/s"],
  [2348.6, "2.35 Gbit/s"],
  [12_394, "12.4 Gbit/s"],
  [1_250_000, "1,250 Gbit/s"],
])("rate(%p) is %p", (mbps, text) => {
  expect(rate(mbps)).toBe(text);
});

test("unknown figures are a bare dash, with the unit kept apart", () => {
  expect(rate(null)).toBe("–");
  expect(rateParts(undefined)).toEqual({ value: "–", unit: "Mbit/s" });
  expect(ms(Number.NaN)).toBe("–");
  expect(percent(null)).toBe("–");
});

test("times in ms keep their sub-millisecond digits", () => {
  expect([0, 0.0421, 0.5, 3.184, 24.55, 182.4].map(ms)).toEqual(["0", "0.042", "0.500", "3.18", "24.6", "182"]);
});

test("percentages: whole at the ends, two decimals below 1 %", () => {
  expect([0, 0.31, 4.56, 100].map(percent)).toEqual(["0%", "0.31%", "4.6%", "100%"]);
});

test("an axis in Gbit/s from a largest value of 1000 Mbit/s", () => {
  expect(rateScale(940)).toEqual({ unit: "Mbit/s", divisor: 1 });
  expect(rateScale(2300)).toEqual({ unit: "Gbit/s", divisor: 1000 });
});

test("tick labels carry the decimals their step needs", () => {
  expect([0, 0.05, 0.1, 0.15].map((v) => tick(v, 0.05))).toEqual(["0.00", "0.05", "0.10", "0.15"]);
  expect([0, 0.5, 1, 1.5].map((v) => tick(v, 0.5))).toEqual(["0.0", "0.5", "1.0", "1.5"]);
  expect([0, 250, 500].map((v) => tick(v, 250))).toEqual(["0", "250", "500"]);
});

test("a change within the noise floor is 0 ('about the same'), a real one its percentage", () => {
  // 0.01 → 0.0253 ms of jitter is +153 %, and nothing.
  expect(change(0.0253, 0.01, "time")).toBe(0);
  expect(change(7.4, 6.1, "time")).toBeCloseTo(21.3, 1);
  expect(change(934.2, 930, "rate")).toBe(0);
  expect(change(450, 930, "rate")).toBeCloseTo(-51.6, 1);
  expect(change(5, null, "rate")).toBeNull();
  expect(change(5, 0, "rate")).toBeNull();
});

test("moments in the configured timezone, to the second, in English", () => {
  const at = Date.UTC(2026, 11, 3, 11, 5, 9);
  expect(dateTime(at, "Europe/Berlin")).toBe("Dec 3, 2026, 12:05:09");
  expect(dateTime(at, "America/New_York", "time")).toBe("06:05:09");
  expect(dateTime(at, "UTC", "short")).toBe("Dec 3, 11:05");
  expect(relative(at - 8_000, at)).toBe("8 seconds ago");
  expect(relative(at + 120_000, at)).toBe("in 2 minutes");
  expect(relative(at, at)).toBe("just now");
});
