/** An agent's measurement answers and its measurement capacity, read strictly before the hub stores anything. */
import { describe, expect, test } from "bun:test";
import {
  readFailure,
  readProbeOutcome,
  readServers,
  readSpeedTestMeasurement,
  readTracerouteProgress,
} from "../../../src/hub/agent-measurements";
import { PayloadInvalid, readRoot } from "../../../src/hub/agent-payloads";

const MEASUREMENT = {
  serverId: "1",
  serverName: "<b>Stockholm</b>",
  serverHost: "h:8080",
  downloadMbps: 95.6,
  uploadMbps: null,
  latencyMs: 3.2,
  jitterMs: 0.4,
  packetLoss: null,
  isp: null,
  bytesDownloaded: 1000,
  bytesUploaded: 0,
  durationMs: 12_000,
};

describe("agent measurement answers", () => {
  test("the protocol's own answers read back unchanged; unknown fields are dropped", () => {
    expect(readSpeedTestMeasurement({ ...MEASUREMENT, extra: "x" })).toEqual(MEASUREMENT);
    const outcome = {
      method: "mtr",
      ip: "10.0.0.1",
      packetLoss: 0,
      packetsSent: 3,
      packetsRecv: 3,
      minRtt: 1,
      avgRtt: 1,
      maxRtt: 1,
      stdDevRtt: 0,
      rttSamplesMs: [1, 1, 1],
      hops: [
        {
          number: 1,
          host: null,
          ip: null,
          loss: 100,
          sent: 3,
          received: 0,
          last: null,
          avg: null,
          best: null,
          worst: null,
          stddev: null,
        },
      ],
    };
    expect(readProbeOutcome(outcome)).toEqual(outcome as never);
  });

  test("a figure that is not a finite number makes the answer unreadable, never a zero", () => {
    for (const bad of [
      { downloadMbps: "95" },
      { downloadMbps: Number.NaN },
      { durationMs: undefined },
      { serverId: 1 },
    ])
      expect(() => readSpeedTestMeasurement({ ...MEASUREMENT, ...bad })).toThrow(PayloadInvalid);
    expect(() => readProbeOutcome({ method: "netcat" })).toThrow(PayloadInvalid);
    expect(() => readTracerouteProgress({ type: "gossip" })).toThrow(PayloadInvalid);
  });

  test("a figure outside what a measurement can give makes the answer unreadable, not a stored result", () => {
    // Defect: a loss of 250 %, 2.5 packets, -3 ms or a duration no column holds were taken as measured.
    for (const bad of [
      { downloadMbps: -5 },
      { latencyMs: -1 },
      { packetLoss: 400 },
      { bytesUploaded: -10 },
      { durationMs: 1e300 },
      { durationMs: 2 ** 31 },
    ])
      expect(() => readSpeedTestMeasurement({ ...MEASUREMENT, ...bad })).toThrow(PayloadInvalid);
    // iperf3 counts datagrams that arrived twice as a negative loss, locally too; times and bytes may have fractions.
    expect(readSpeedTestMeasurement({ ...MEASUREMENT, packetLoss: -0.2 }).packetLoss).toBe(-0.2);
    expect(readSpeedTestMeasurement({ ...MEASUREMENT, durationMs: 1499.07, bytesDownloaded: 12.5 })).toMatchObject({
      durationMs: 1499.07,
      bytesDownloaded: 12.5,
    });
    const outcome = {
      method: "ping",
      ip: "127.0.0.1",
      packetLoss: 0,
      packetsSent: 3,
      packetsRecv: 3,
      minRtt: 1,
      avgRtt: 1,
      maxRtt: 1,
      stdDevRtt: 0,
      rttSamplesMs: [1, 1, 1],
      hops: null,
    };
    expect(readProbeOutcome(outcome)).toEqual(outcome as never);
    for (const bad of [
      { packetLoss: 250 },
      { packetLoss: -1 },
      { packetsSent: 2.5 },
      { packetsRecv: -1 },
      { minRtt: -3 },
      { rttSamplesMs: [1, -3] },
    ])
      expect(() => readProbeOutcome({ ...outcome, ...bad })).toThrow(PayloadInvalid);
    const hop = {
      number: 1,
      host: null,
      ip: null,
      rtts: [1],
      loss: 0,
      annotations: [],
      responders: [],
      timeout: false,
    };
    expect(readTracerouteProgress({ type: "hop", hop })).toEqual({ type: "hop", hop });
    for (const bad of [{ number: 0 }, { number: 256 }, { number: 1.5 }, { loss: 101 }, { rtts: [-1] }])
      expect(() => readTracerouteProgress({ type: "hop", hop: { ...hop, ...bad } })).toThrow(PayloadInvalid);
  });

  test("strings are cut and lists capped; a failure keeps only its own fields", () => {
    expect(readSpeedTestMeasurement({ ...MEASUREMENT, serverName: "x".repeat(10_000) }).serverName.length).toBe(256);
    const many = Array.from({ length: 6000 }, (_, i) => ({
      id: String(i),
      name: "n",
      host: "h",
      distance: 1,
      country: "",
      sponsor: "",
      url: "",
      lat: 0,
      lon: 0,
    }));
    expect(readServers(many).length).toBe(5000);
    expect(readFailure({ kind: "failed", message: "m".repeat(5000), method: "mtr", field: "host" }, "probe")).toEqual({
      kind: "failed",
      measurement: "probe",
      message: "m".repeat(1000),
      field: "host",
      method: "mtr",
    });
    expect(() => readFailure({ kind: "exploded", message: "x" }, "probe")).toThrow(PayloadInvalid);
  });

  test("GET / keeps the measurement endpoints and capacity; odd limits count as 1", () => {
    const root = readRoot({
      service: "monitor SSE agent",
      endpoints: { live: "/events", measure_probe: "/measure/probe", librespeed: "/measure/librespeed", evil: "/x" },
      measurement: { root: true, limits: { speedtest: 1, probe: 7, traceroute: "4" } },
    });
    expect(root.endpoints).toMatchObject({ measure_probe: "/measure/probe", librespeed: "/measure/librespeed" });
    expect("evil" in root.endpoints).toBe(false);
    expect(root.measurement).toEqual({ root: true, limits: { speedtest: 1, probe: 7, traceroute: 1 } });
    expect(readRoot({ service: "monitor SSE agent", endpoints: {} }).measurement).toBeUndefined();
  });
});
