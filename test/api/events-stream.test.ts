/**
 * GET /events, the hub's live stream, over real sockets: a tab that stops reading (a laptop gone to sleep) and a
 * session signed out while its stream is open.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import type { AppEvent } from "../../src/server/events";
import { EVENTS_CLIENT_BUFFER } from "../../src/server/events.plugin";
import { ADMIN } from "../helpers/admin";
import { startSqliteTestApp, type TestApp } from "../helpers/app";

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startSqliteTestApp({}, { eventsSessionCheckMs: 200 });
  await t.services.auth.createUser(ADMIN.username, ADMIN.password);
  port = t.app.listen({ hostname: "127.0.0.1", port: 0 }).server!.port!;
});
afterAll(async () => {
  await t.close();
});

async function token(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  return (await res.json()).access_token;
}

/**
 * Opens /events on a raw socket; with `stallUntil` it reads nothing until that resolves. `text` resolves when the
 * server ends the stream or `close()` is called; `idle()` once nothing arrived for 500 ms.
 */
function readEvents(bearer: string, stallUntil?: Promise<void>) {
  let opened!: () => void;
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  let received = "";
  let lastData = Date.now();
  const socket = connect(port, "127.0.0.1", () => {
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${bearer}\r\n\r\n`);
  });
  const text = new Promise<string>((resolve, reject) => {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received += chunk;
      lastData = Date.now();
      if (received.includes(": connected")) {
        opened();
        if (stallUntil) {
          socket.pause();
          void stallUntil.then(() => socket.resume());
          stallUntil = undefined;
        }
      }
      if (received.endsWith("0\r\n\r\n")) socket.end();
    });
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
  return {
    opened: open,
    text,
    close: () => socket.destroy(),
    async idle() {
      while (Date.now() - lastData < 500) await Bun.sleep(100);
    },
  };
}

const rejected = (i: number, message: string) =>
  ({ type: "speedtest.rejected", run: { id: `run-${i}` }, message }) as unknown as AppEvent;

describe("GET /events", () => {
  test("a client that stops reading holds a bounded queue; newer events are dropped for it", async () => {
    // Defect: the hub's stream queued every event for a stalled reader, without bound.
    const events = EVENTS_CLIENT_BUFFER * 4;
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const bearer = await token();
    const stream = readEvents(bearer, stalled);
    await stream.opened;
    const big = "x".repeat(8 * 1024);
    for (let i = 0; i < events; i++) {
      t.services.bus.publish(rejected(i, big));
      if (i % 10 === 0) await Bun.sleep(1);
    }
    resume();
    // Bun writes what a stream queued when more is queued: small events keep it flushing.
    for (let i = 0; i < 30; i++) {
      t.services.bus.publish(rejected(i, "tick"));
      await Bun.sleep(100);
    }
    await stream.idle();
    stream.close();
    const received = (await stream.text).split(`"message":"${big}"`).length - 1;
    // What the socket buffers took before the stream backed up, plus the bounded queue; the rest was dropped.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(events);
  }, 30_000);

  test("signing out ends the session's open streams; another session's stream goes on", async () => {
    // Defect: a stream opened with a session kept delivering events after that session was signed out.
    const [mine, other] = [await token(), await token()];
    const signedOut = readEvents(mine);
    const stays = readEvents(other);
    await Promise.all([signedOut.opened, stays.opened]);
    const logout = await fetch(`http://127.0.0.1:${port}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${mine}` },
    });
    expect(logout.status).toBe(200);
    const ended = await Promise.race([signedOut.text.then(() => true), Bun.sleep(3000).then(() => false)]);
    expect(ended).toBe(true);
    t.services.bus.publish(rejected(1, "after sign-out"));
    await Bun.sleep(100);
    expect(await signedOut.text).not.toContain("after sign-out");
    const revoke = await fetch(`http://127.0.0.1:${port}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${other}` },
    });
    expect(revoke.status).toBe(200);
    expect(await stays.text).toContain("after sign-out");
  }, 30_000);
});
