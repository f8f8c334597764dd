/**
 * The hub binary's LibreSpeed endpoint ([librespeed_server]) against a client that holds its URL and abuses it:
 * downloads opened by the hundred and never read. Defect: each was served, and each stalled socket kept what it could
 * not take; 500 of them made the hub copy gigabytes into its sockets (5.5 s of CPU), took it from 90 to 250 MB and
 * kept /health waiting 18 s. Now at most LIBRESPEED_MAX_DOWNLOADS are served at once, the rest get 503 with
 * Retry-After, and a download that ends (or whose client goes away) frees its place.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { LIBRESPEED_MAX_DOWNLOADS } from "../../src/measure/librespeed-backend";
import { BUILD_TIMEOUT_MS, compiledBinary } from "../helpers/binary";
import { type ServerProcess, startServer } from "../helpers/server-process";

const TOKEN = "hostile-test-token-0123456789";
const CLIENTS = 120;

let hub: ServerProcess;
beforeAll(async () => {
  hub = await startServer([await compiledBinary(), "serve"], {
    env: { NETRONOME__LIBRESPEED_SERVER_ENABLED: "true", NETRONOME__LIBRESPEED_SERVER_TOKEN: TOKEN },
  });
}, BUILD_TIMEOUT_MS);
afterAll(() => hub?.stop());

/** A download (1 GiB asked for) whose client reads the status line and then never another byte. */
function stalledDownload(port: number): Promise<{ socket: Socket; status: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () =>
      socket.write(`GET /librespeed/${TOKEN}/garbage?ckSize=1024 HTTP/1.1\r\nHost: hub\r\n\r\n`),
    );
    socket.on("error", reject);
    socket.once("data", (first: Buffer) => {
      socket.pause();
      resolve({ socket, status: Number(first.toString("latin1").split(" ")[1]) });
    });
  });
}

test("downloads that are never read: a bounded number is served, the rest wait, the hub stays responsive", async () => {
  const port = Number(new URL(hub.url).port);
  const downloads = await Promise.all(Array.from({ length: CLIENTS }, () => stalledDownload(port)));
  const statuses = downloads.map((d) => d.status);
  expect(statuses.filter((s) => s === 200).length).toBe(LIBRESPEED_MAX_DOWNLOADS);
  expect(statuses.filter((s) => s === 503).length).toBe(CLIENTS - LIBRESPEED_MAX_DOWNLOADS);
  const started = performance.now();
  expect((await fetch(`${hub.url}/health`)).status).toBe(200);
  console.log("with the stalled downloads: /health in", Math.round(performance.now() - started), "ms");
  const peak = Number(/VmHWM:\s+(\d+)/.exec(await Bun.file(`/proc/${hub.proc.pid}/status`).text())![1]) * 1024;
  expect(peak).toBeLessThan(250 << 20);

  // Clients that go away free their places.
  for (const d of downloads) d.socket.destroy();
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    await Bun.sleep(100);
    const res = await fetch(`${hub.url}/librespeed/${TOKEN}/garbage?ckSize=1`);
    status = res.status;
    await res.arrayBuffer();
  }
  expect(status).toBe(200);
  const again = await Promise.all(Array.from({ length: LIBRESPEED_MAX_DOWNLOADS }, () => stalledDownload(port)));
  expect(again.every((d) => d.status === 200)).toBe(true);
  for (const d of again) d.socket.destroy();
}, 60_000);

test("a HEAD of garbage holds no place, and whole downloads free theirs", async () => {
  for (let i = 0; i < LIBRESPEED_MAX_DOWNLOADS + 10; i++) {
    const head = await fetch(`${hub.url}/librespeed/${TOKEN}/garbage?ckSize=1`, { method: "HEAD" });
    expect(head.status).toBe(200);
  }
  for (let i = 0; i < LIBRESPEED_MAX_DOWNLOADS + 10; i++) {
    const res = await fetch(`${hub.url}/librespeed/${TOKEN}/garbage?ckSize=1`);
    expect([res.status, (await res.arrayBuffer()).byteLength]).toEqual([200, 1 << 20]);
  }
}, 60_000);
