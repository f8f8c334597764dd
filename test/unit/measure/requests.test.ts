/** Measurement requests off the wire: what passes, and the field each bad one is refused for. */
import { describe, expect, test } from "bun:test";
import { BadInput } from "../../../src/core/errors";
import { parseProbeRequest, parseSpeedTestRequest, parseTracerouteRequest } from "../../../src/measure/requests";

const PROBE = { host: "example.com", family: 0, count: 10, budgetSeconds: 48, icmp: true, dns: false };
const TRACE = {
  host: "2001:db8::1",
  family: 6,
  maxHops: 30,
  waitSeconds: 3,
  queries: 3,
  numeric: false,
  maxSilentHops: 5,
  timeoutSeconds: 60,
};

function refusal(parse: () => unknown): { field?: string; message: string } {
  try {
    parse();
  } catch (e) {
    expect(e).toBeInstanceOf(BadInput);
    return { field: (e as BadInput).field, message: (e as BadInput).message };
  }
  throw new Error("accepted");
}

describe("measurement requests", () => {
  test("valid requests come back as the protocol's types, unknown fields dropped, defaults filled", () => {
    expect(parseProbeRequest({ ...PROBE, extra: "<b>x</b>" })).toEqual(PROBE as never);
    expect(parseProbeRequest({ host: "10.0.0.1", count: 5, budgetSeconds: 8 })).toEqual({
      host: "10.0.0.1",
      family: 4,
      count: 5,
      budgetSeconds: 8,
      icmp: false,
      dns: false,
    });
    expect(parseTracerouteRequest(TRACE)).toEqual(TRACE as never);
    expect(parseSpeedTestRequest({ provider: "iperf3", host: "[::1]:5201", udp: true, serverId: "" })).toEqual({
      provider: "iperf3",
      host: "[::1]:5201",
      udp: true,
      enableDownload: true,
      enableUpload: true,
    });
    const entry = {
      name: "agent b",
      server: "http://10.0.0.2:8200/librespeed/t/",
      dlURL: "garbage",
      ulURL: "empty",
      pingURL: "empty",
      getIpURL: "getIP",
    };
    expect(parseSpeedTestRequest({ provider: "librespeed", serverId: "agent-2", libreSpeedServer: entry })).toEqual({
      provider: "librespeed",
      serverId: "agent-2",
      libreSpeedServer: entry,
      enableDownload: true,
      enableUpload: true,
    });
  });

  test.each([
    [() => parseProbeRequest({ ...PROBE, host: "-x" }), "host", "host: must not start with '-'"],
    [() => parseProbeRequest({ ...PROBE, host: "a b" }), "host", "host: must not contain whitespace"],
    [() => parseProbeRequest({ ...PROBE, host: "$(id)" }), "host", "host: must not contain shell metacharacters"],
    [() => parseProbeRequest({ ...PROBE, host: "h:80" }), "host", "host: is not a valid host name or IP address"],
    [() => parseProbeRequest({ ...PROBE, host: undefined }), "host", "host: required"],
    [() => parseProbeRequest({ ...PROBE, family: 4 }), "family", "family: example.com is a name"],
    [() => parseProbeRequest({ ...PROBE, count: 1001 }), "count", "count: must be a whole number from 1 to 1000"],
    [
      () => parseProbeRequest({ ...PROBE, budgetSeconds: Infinity }),
      "budgetSeconds",
      "budgetSeconds: must be a number",
    ],
    [() => parseProbeRequest({ ...PROBE, dns: null }), "dns", "dns: must be true or false"],
    [
      () => parseTracerouteRequest({ ...TRACE, queries: 11 }),
      "queries",
      "queries: must be a whole number from 1 to 10",
    ],
    [() => parseTracerouteRequest({ ...TRACE, timeoutSeconds: 4 }), "timeoutSeconds", "timeoutSeconds: must be"],
    [() => parseSpeedTestRequest({ provider: "__proto__" }), "provider", 'provider: no provider "__proto__" here'],
    [() => parseSpeedTestRequest({ provider: "iperf3", host: "h:99999" }), "host", "host: port must be between"],
    [() => parseSpeedTestRequest({ provider: "iperf3", serverId: "x".repeat(201) }), "serverId", "at most 200"],
    [
      () => parseSpeedTestRequest({ provider: "librespeed", libreSpeedServer: { name: "x", server: "http://a/" } }),
      "libreSpeedServer",
      "libreSpeedServer.dlURL: required",
    ],
    [() => parseProbeRequest([]), undefined, "the request body must be a JSON object"],
    [() => parseProbeRequest(null), undefined, "the request body must be a JSON object"],
  ])("%#: refused, naming %p", (parse, field, message) => {
    const r = refusal(parse);
    expect(r.field).toBe(field);
    expect(r.message).toContain(message);
  });
});
