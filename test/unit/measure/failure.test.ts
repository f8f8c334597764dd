import { expect, test } from "bun:test";
import { BadInput, NotFound } from "../../../src/core/errors";
import { CommandNotFound } from "../../../src/core/runner";
import { fromFailure, toFailure } from "../../../src/measure/failure";
import { ProbeFailed } from "../../../src/measure/probes/loss-probe";
import { TracerouteError } from "../../../src/measure/probes/traceroute";
import { ProviderError } from "../../../src/measure/providers/provider";
import type { MeasurementFailure } from "../../../src/protocol/measurements";

const wire = (f: MeasurementFailure | null) => JSON.parse(JSON.stringify(f)) as MeasurementFailure;

test.each([
  ["bad input with its field", new BadInput("host: must not start with '-'", "host"), "traceroute"],
  ["an unknown server", new NotFound('speedtest.net server "9" not found'), "speedtest"],
  ["a missing tool", new CommandNotFound("traceroute"), "traceroute"],
  ["a failed speed test", new ProviderError("connection refused"), "speedtest"],
  ["a failed probe with its method", new ProbeFailed("unknown host x.invalid", "mtr"), "probe"],
  ["a failed traceroute", new TracerouteError("traceroute failed: bad option"), "traceroute"],
] as const)("%s crosses the wire as data and comes back as the same error", (_, error, measurement) => {
  const back = fromFailure(wire(toFailure(error, measurement)));
  expect(back.constructor).toBe(error.constructor);
  expect(back.message).toBe(error.message);
  expect(back).toMatchObject({ ...error });
});

test("aborts and bugs are not measurement failures", () => {
  expect(toFailure(new DOMException("stopped", "AbortError"), "probe")).toBeNull();
  expect(toFailure(new TypeError("x is undefined"), "speedtest")).toBeNull();
  expect(toFailure("a string", "speedtest")).toBeNull();
});

test("a probe failure naming a method this side does not know falls back to the first registered one", () => {
  const back = fromFailure({ kind: "failed", measurement: "probe", message: "gone", method: "tcping" as never });
  expect(back).toBeInstanceOf(ProbeFailed);
  expect((back as ProbeFailed).method).toBe("mtr");
});
