/**
 * The agent binary as a hostile client uses it (with the key, or at an agent without one).
 * - More live streams than any hub opens, none of them reading (defect: every stream was accepted, each holding its
 *   own queue of samples; 2,000 stalled streams took the agent from 52 MB to 115 MB). Beyond MAX_LIVE_STREAMS the
 *   agent answers 503 at once; closed streams free their places.
 * - Hundreds of parallel history exports (defect: each started its own `vnstat --json a`, 210 at once, each output
 *   held in memory). Identical requests share one vnstat run, at most VNSTAT_EXPORTS_AT_ONCE run at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_LIVE_STREAMS } from "../../src/agent/agent.server";

import { VNSTAT_EXPORTS_AT_ONCE } from "../../src/measure/collectors/vnstat";

import { type AgentProcess, startAgent, TEST_API_KEY } from "../helpers/agent-process";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { describeIf, hasCommand } from "../helpers/env";
import { childrenOf } from "../helpers/processes";

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

describeIf(hasCommand("vnstat"), "vnstat is not installed", "history exports", () => {
  test("300 parallel history exports, for one interface and for many: a few vnstat runs at a time", async () => {
    // vnStat's exports take a moment on a real database: this one takes half a second to say it has none.
    const bin = mkdtempSync(join(tmpdir(), "netronome-slow-vnstat-"));
    const real = Bun.which("vnstat")!;
    writeFileSync(
      join(bin, "vnstat"),
      `#!/bin/sh\ncase " $* " in *" --json "*) sleep 0.5; echo 'Error: Failed to open database' >&2; exit 1;; esac\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    const exporter = await startAgent({
      binary: await compiledBinary(),
      args: ["--interface", "lo"],
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    try {
      const exports = () =>
        childrenOf(exporter.proc.pid).filter((pid) => {
          try {
            const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
            return argv.includes("--json") && !argv.includes("--live");
          } catch {
            return false;
          }
        }).length;
      let most = 0;
      const watch = setInterval(() => {
        most = Math.max(most, exports());
      }, 2);
      const same = Array.from({ length: 150 }, () => exporter.get("/export/historical"));
      const many = Array.from({ length: 150 }, (_, i) => exporter.get(`/export/historical?interface=nope${i}`));
      const answers = await Promise.all([...same, ...many]);
      clearInterval(watch);
      const statuses = new Set(answers.map((r) => r.status));
      // Without a vnStat database here: 503 vnstat_unavailable or 404 for an unknown interface; never a crash.
      for (const s of statuses) expect([200, 404, 503]).toContain(s);
      await Promise.all(answers.map((r) => r.arrayBuffer()));
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(VNSTAT_EXPORTS_AT_ONCE);
      expect((await exporter.get("/stats/peaks")).status).toBe(200);
    } finally {
      await exporter.stop();
      rmSync(bin, { recursive: true, force: true });
    }
  }, 60_000);
});
