/**
 * The agent binary as a hostile client uses it: more live streams than any hub opens, none of them reading (defect:
 * every stream was accepted, each holding its own queue of samples, so a client with the key, or anyone at an agent
 * without one, could open thousands and grow the agent's memory without bound: 2,000 stalled streams took it from
 * 52 MB to 115 MB). Beyond MAX_LIVE_STREAMS the agent answers 503 at once; closed streams free their places.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { MAX_LIVE_STREAMS } from "../../src/agent/agent.server";
import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";

let agent: AgentProcess;
beforeAll(async () => {
  agent = await startAgent({
    binary: await compiledBinary(),
    args: ["--interface", "lo"],
    env: { PATH: "/nonexistent" },
  });
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await agent?.stop();
});

/** A live-stream request on a raw socket that reads the status line, then stops reading. */
function stalledStream(): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port: agent.port });
    socket.once("error", reject);
    socket.write(`GET /events?stream=live-data HTTP/1.1\r\nHost: agent\r\nX-API-Key: ${TEST_API_KEY}\r\n\r\n`);
    socket.once("data", (chunk) => {
      socket.pause();
      resolve({ status: Number(chunk.toString("latin1").split(" ")[1]), socket });
    });
  });
}

test("streams beyond the limit are refused at once; closed ones free their places", async () => {
  const extra = 40;
  const streams = await Promise.all(Array.from({ length: MAX_LIVE_STREAMS + extra }, stalledStream));
  try {
    const statuses = streams.map((s) => s.status);
    expect(statuses.filter((s) => s === 200).length).toBe(MAX_LIVE_STREAMS);
    expect(statuses.filter((s) => s === 503).length).toBe(extra);
    const refused = await agent.get("/events?stream=live-data");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    expect(await refused.json()).toMatchObject({ error: "too_many_streams" });
    // The rest of the agent still answers.
    expect((await agent.get("/stats/peaks")).status).toBe(200);
  } finally {
    for (const s of streams) s.socket.destroy();
  }
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await agent.get("/events?stream=live-data");
    if (res.status === 200) {
      await res.body?.cancel();
      break;
    }
    await res.arrayBuffer();
    if (Date.now() > deadline) throw new Error("the places of closed streams were not freed within 10 s");
    await Bun.sleep(100);
  }
}, 60_000);
