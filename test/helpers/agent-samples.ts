/** Assertions on the agent's live samples, and loopback traffic a test can make and count. */
import { expect } from "bun:test";
import type { LiveDirection, LiveSample } from "../../src/protocol/agent";

/** Serves `size` bytes per request on loopback, so a test can make traffic the agent must see. */
export function trafficServer(size: number) {
  const body = new Uint8Array(size);
  return Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(body) });
}

/** Downloads from the traffic server `times` times; resolves to the body bytes moved. */
export async function pull(server: ReturnType<typeof trafficServer>, times: number): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < times; i++)
    bytes += (await (await fetch(`http://127.0.0.1:${server.port}/`)).arrayBuffer()).byteLength;
  return bytes;
}

function expectDirection(d: LiveDirection) {
  expect(d).toEqual({
    ratestring: expect.stringMatching(/^\d+(\.\d\d)? [kMGT]?bit\/s$/),
    bytespersecond: expect.any(Number),
    packetspersecond: expect.any(Number),
    bytes: expect.any(Number),
    packets: expect.any(Number),
    totalbytes: expect.any(Number),
    totalpackets: expect.any(Number),
  });
  for (const v of Object.values(d)) if (typeof v === "number") expect(Number.isInteger(v) && v >= 0).toBe(true);
  expect(d.totalbytes).toBeGreaterThanOrEqual(d.bytes);
}

/** A live sample has exactly vnstat's live JSON fields, with whole non-negative numbers. */
export function expectSample(s: LiveSample) {
  expect(Object.keys(s).sort()).toEqual(["index", "rx", "seconds", "tx"]);
  expect(s.index).toBeGreaterThanOrEqual(1);
  expect(s.seconds).toBeGreaterThanOrEqual(0);
  expectDirection(s.rx);
  expectDirection(s.tx);
}
